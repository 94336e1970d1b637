"""Receivables (regulation, process 4, "accounts receivable"): payments' ledger and aging, the
penalty and the key-rate table, limitation, reconciliation acts, and the collection case from the
guarantee letter to court."""
