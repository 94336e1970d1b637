"""A client's ledger of mutual settlements: shipped goods are debits, payments are credits.

The opening balance is everything before the period; each document in the period moves the
balance; the turnover and the closing balance follow. A positive balance is owed to us, a negative
one is the client's advance. A sale is dated by its shipment (the УПД), not by its invoice: goods
not shipped are no debit, and money paid for them in advance is an advance. Computed with a few
aggregate queries, never by loading the history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select

from app.core.errors import FieldError
from app.models.invoices import Invoice, InvoiceStatus
from app.models.payments import Payment
from app.services.kernel.unit_of_work import UnitOfWork

ZERO = Decimal("0.00")
# A ledger asked for through the API covers at most this many days (the acts cover a quarter).
MAX_LEDGER_DAYS = 3 * 366


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    on: date
    kind: str  # "invoice" | "payment"
    document_id: int
    number: str
    debit: Decimal
    credit: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Ledger:
    client_id: int
    start: date
    end: date
    opening: Decimal
    entries: tuple[LedgerEntry, ...]
    debit_total: Decimal
    credit_total: Decimal
    closing: Decimal


def check_period(start: date, end: date, today: date, *, max_days: int | None = MAX_LEDGER_DAYS) -> None:
    if end < start:
        raise FieldError("date_to", f"is before date_from ({start.isoformat()})")
    if end > today:
        raise FieldError("date_to", f"is after today ({today.isoformat()})")
    if max_days is not None and (end - start).days >= max_days:
        raise FieldError("date_from", f"the period is longer than {max_days} days")


class LedgerService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def ledger(self, client_id: int, start: date, end: date) -> Ledger:
        """The client's settlements from ``start`` through ``end`` inclusive."""
        session = self.uow.session
        debits_before = (
            select(func.coalesce(func.sum(Invoice.total), 0))
            .where(
                Invoice.client_id == client_id,
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.shipped_on < start,
            )
            .scalar_subquery()
        )
        credits_before = (
            select(func.coalesce(func.sum(Payment.amount), 0))
            .where(Payment.client_id == client_id, Payment.paid_on < start)
            .scalar_subquery()
        )
        row = (await session.execute(select(debits_before, credits_before))).one()
        opening = Decimal(row[0]) - Decimal(row[1])  # sums of Money columns come back as roubles
        invoices = (
            await session.execute(
                select(Invoice.id, Invoice.number, Invoice.shipped_on, Invoice.total)
                .where(
                    Invoice.client_id == client_id,
                    Invoice.status == InvoiceStatus.APPROVED,
                    Invoice.shipped_on >= start,
                    Invoice.shipped_on <= end,
                )
                .order_by(Invoice.shipped_on, Invoice.id)
            )
        ).all()
        payments = (
            await session.execute(
                select(Payment.id, Payment.reference, Payment.paid_on, Payment.amount)
                .where(Payment.client_id == client_id, Payment.paid_on >= start, Payment.paid_on <= end)
                .order_by(Payment.paid_on, Payment.id)
            )
        ).all()
        # On one day, sales come before the payments (the order 1C prints an act in).
        moves = sorted(
            [(r.shipped_on, 0, r.id, "invoice", r.number, r.total) for r in invoices]
            + [(r.paid_on, 1, r.id, "payment", r.reference or f"№ {r.id}", r.amount) for r in payments]
        )
        balance = opening.quantize(Decimal("0.01"))
        entries = []
        debit_total = credit_total = ZERO
        for on, _, ident, kind, number, amount in moves:
            debit = amount if kind == "invoice" else ZERO
            credit = amount if kind == "payment" else ZERO
            balance += debit - credit
            debit_total += debit
            credit_total += credit
            entries.append(LedgerEntry(on, kind, ident, number, debit, credit, balance))
        return Ledger(
            client_id=client_id,
            start=start,
            end=end,
            opening=opening.quantize(Decimal("0.01")),
            entries=tuple(entries),
            debit_total=debit_total,
            credit_total=credit_total,
            closing=balance,
        )
