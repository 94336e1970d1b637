"""Receivables (regulation, process 4): the penalty calculator and the key-rate table so far."""
