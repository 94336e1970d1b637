"""Business rules, one module per domain. Services flush, never commit: the edge owns the transaction."""
