"""Receivables (regulation, process 4, "accounts receivable"): payments and their ledger, credit
terms approved by management, aging, the penalty and the key-rate table, limitation, reconciliation
acts, and the collection case from the guarantee letter to court."""
