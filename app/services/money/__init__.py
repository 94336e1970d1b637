"""The money rules every document and process that prints money reuses: VAT rates by date, line
and document totals, the amount in Russian words and formatting. Everything here is pure (no
database, no clock, no I/O), so the rules are tested exactly."""
