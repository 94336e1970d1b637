"""Invoices (счета на оплату) made from accepted orders, numbered without gaps per year."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Versioned, str_enum


class InvoiceStatus(StrEnum):
    ISSUED = "issued"
    SENT_FOR_APPROVAL = "sent_for_approval"
    REVISION_REQUESTED = "revision_requested"
    APPROVED = "approved"
    # Its order was cancelled: the number stays taken (no gaps), the invoice is no debt.
    CANCELLED = "cancelled"


class DiscountApproval(StrEnum):
    """Management's word on a discount beyond the client's approved one, or a price below the
    purchase price; an invoice that needs none has no state here."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"


class InvoiceCounter(Base):
    """The last number given out in a year; bumped in the same transaction as the invoice insert,
    so a rolled-back invoice gives its number back (no gaps)."""

    __tablename__ = "invoice_counters"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class Invoice(Versioned, Base):
    __tablename__ = "invoices"
    # What the worker records about 1C: it does not move the version a person edits.
    __bookkeeping__ = frozenset({"onec_id", "onec_procure", "onec_revision", "upd_onec_id"})
    __table_args__ = (UniqueConstraint("year", "seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(32), unique=True)
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    # When the money is due. A prepayment invoice: a few working days after issue. An invoice on the
    # client's deferment: ``deferment_days`` after the shipment (the УПД date), moved to the next
    # working day (Civil Code art. 193); none while the goods are not shipped.
    due_on: Mapped[date | None] = mapped_column(Date)
    # The client's deferment (calendar days) in force on the day of issue; None: payment in advance.
    deferment_days: Mapped[int | None] = mapped_column(Integer)
    # The day the goods left (the УПД): only from then is an unpaid invoice a debt (a receivable).
    shipped_on: Mapped[date | None] = mapped_column(Date)
    vat_rate: Mapped[int] = mapped_column(Integer)  # percent; Russian rates are whole numbers
    total: Mapped[Decimal]
    vat_total: Mapped[Decimal]
    paid_total: Mapped[Decimal] = mapped_column(default=Decimal(0), server_default="0")
    paid_at: Mapped[datetime | None]  # when the last kopeck came
    status: Mapped[InvoiceStatus] = mapped_column(str_enum(InvoiceStatus))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    sent_to: Mapped[str | None] = mapped_column(String(254))
    client_comment: Mapped[str | None] = mapped_column(Text)
    approved_at: Mapped[datetime | None]
    # Management's approval of the discounts (none needed: NULL), who asked and who decided.
    discount_approval: Mapped[DiscountApproval | None] = mapped_column(str_enum(DiscountApproval))
    discount_requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    discount_decided_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    discount_decided_at: Mapped[datetime | None]
    discount_comment: Mapped[str | None] = mapped_column(Text)
    onec_id: Mapped[str | None] = mapped_column(String(64))  # set by the worker once 1C has it
    # 1C has every line «procure separately» (a workshop spec's invoice: the requisition book).
    onec_procure: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The revision 1C has (from registration on): below ``revision``, the worker writes the client's.
    onec_revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    # The УПД (РеализацияТоваровУслуг) 1C made for the shipped goods, set by the worker; "" for goods
    # shipped before the worker made them (their УПД was made by hand).
    upd_onec_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    lines: Mapped[list[InvoiceLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="InvoiceLine.position"
    )

    @property
    def outstanding(self) -> Decimal:
        return self.total - self.paid_total

    @property
    def due(self) -> date:
        """The due date of an invoice that has one (a debt, a prepayment invoice): the receivables
        read only those; an invoice on a deferment whose goods have not left has none."""
        if self.due_on is None:
            raise ValueError(f"invoice {self.number} has no due date: its goods are not shipped")
        return self.due_on


def receivable() -> ColumnElement[bool]:
    """A debt: an approved invoice whose goods were shipped and that is not fully paid. An invoice
    whose goods have not left is no receivable, whatever its due date (no aging, ledger debit,
    collection case, claim or limitation watch)."""
    return and_(
        Invoice.status == InvoiceStatus.APPROVED,
        Invoice.shipped_on.is_not(None),
        Invoice.paid_total < Invoice.total,
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    unit: Mapped[str] = mapped_column(String(16))
    price_category: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal]
    discount_basis_points: Mapped[int] = mapped_column(Integer, default=0)  # 500 = 5 %
    price: Mapped[Decimal]
    amount: Mapped[Decimal]
    vat_amount: Mapped[Decimal]
    # What the goods cost us (1C) when the line was priced: the margin management decides on.
    purchase_price: Mapped[Decimal | None]

    @property
    def discount_percent(self) -> Decimal:
        return Decimal(self.discount_basis_points) / 100


class InvoiceRevision(Base):
    """Each revision of an invoice as it was issued: kept so revisions can be compared."""

    __tablename__ = "invoice_revisions"
    __table_args__ = (UniqueConstraint("invoice_id", "revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
    lines: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    total: Mapped[Decimal]
    vat_total: Mapped[Decimal]
    created_at: Mapped[datetime]
