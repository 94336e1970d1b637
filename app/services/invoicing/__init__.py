"""Money rules of the invoice (счёт на оплату): VAT rates by date, line and invoice totals,
the amount in Russian words, money formatting and the invoice number format.

Everything here is pure (no database, no clock, no I/O) so the rules can be tested exactly and
reused by every document that prints money (invoice, УПД, reconciliation act).
"""
