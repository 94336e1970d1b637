"""Business rules, grouped by the regulation's processes.

``kernel`` and ``media`` are the plumbing every process uses; ``directory`` the people, clients,
catalogue and tasks every process refers to; then one package per process: ``orders`` (process 1,
from the order to the feedback call), ``invoices`` (the invoice and its money rules), ``proposals``
(process 2), ``specs`` (process 3), ``receivables`` (process 4), ``workday`` (processes 5 and 6) and
``statistics``; ``documents`` prints them all. Services flush, never commit: the edge owns the
transaction.
"""
