"""Reconciliation acts (акты сверки), the client's acknowledgements of its debt, and the watch over
each invoice's limitation period."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum
from app.models.invoices import Invoice
from app.models.payments import Payment


class ActPeriodicity(StrEnum):
    """The regulation: monthly for a client with 10 or more documents a month; quarterly for all."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    REQUESTED = "requested"  # made by hand for any period (the client asked, a lawyer needs one)


class ActStatus(StrEnum):
    DRAFT = "draft"  # generated, not yet sent (no e-mail known)
    SENT = "sent"
    SIGNED = "signed"
    DISCREPANCY = "discrepancy"


class ReconciliationAct(Versioned, Base):
    """One act per client and period. ``view`` is the act as printed when it was last generated
    (each e-mail carries the view it was sent with, so a later revision changes no sent PDF)."""

    __tablename__ = "reconciliation_acts"
    __table_args__ = (UniqueConstraint("client_id", "period_start", "period_end"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    periodicity: Mapped[ActPeriodicity] = mapped_column(str_enum(ActPeriodicity))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    status: Mapped[ActStatus] = mapped_column(str_enum(ActStatus))
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # Positive: the client owes us; negative: we owe the client (an advance).
    opening_balance: Mapped[Decimal]
    debit_total: Mapped[Decimal]
    credit_total: Mapped[Decimal]
    closing_balance: Mapped[Decimal]
    view: Mapped[dict[str, Any]] = mapped_column(JSON)
    recipient: Mapped[str | None] = mapped_column(String(254))
    sent_at: Mapped[datetime | None]
    outbound_id: Mapped[int | None] = mapped_column(Integer)
    signed_on: Mapped[date | None] = mapped_column(Date)
    discrepancy_notes: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class AcknowledgementSource(StrEnum):
    RECONCILIATION_ACT = "reconciliation_act"


class DebtAcknowledgement(Base):
    """The client acknowledged an invoice's debt on a date (a signed reconciliation act): the
    limitation period starts again from that date (Civil Code art. 203)."""

    __tablename__ = "debt_acknowledgements"
    __table_args__ = (
        UniqueConstraint("invoice_id", "source", "source_id"),
        Index("ix_debt_acknowledgements_invoice_on", "invoice_id", "acknowledged_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    acknowledged_on: Mapped[date] = mapped_column(Date)
    source: Mapped[AcknowledgementSource] = mapped_column(str_enum(AcknowledgementSource))
    source_id: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]


class LimitationWarning(Base):
    """The task made 90 days before an invoice's limitation period ends, once per period: a new
    acknowledgement starts a new period (``runs_from``) that is watched again."""

    __tablename__ = "limitation_warnings"
    __table_args__ = (UniqueConstraint("invoice_id", "runs_from"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    runs_from: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date)
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class SweepMark(Base):
    """A date-driven step of the sweep that has nothing left to do today: later runs that day skip
    its queries (a new period, and so new work, begins only with a new day)."""

    __tablename__ = "sweep_marks"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    done_on: Mapped[date] = mapped_column(Date)


# Indexes the receivables reports, the ledger and the sweep need on the invoices and payments
# tables (declared here, with the queries that use them, to leave those models as they are).
# The open debt: approved invoices not fully paid, a small part of all invoices; the aging report
# and the limitation, reminder and collection sweeps read only this index (the id last, so that
# the sweeps' anti-joins against what was already made read the index alone).
Index(
    "ix_invoices_open_debt",
    Invoice.due_on,
    Invoice.client_id,
    Invoice.total,
    Invoice.paid_total,
    Invoice.id,
    postgresql_where=text("status = 'approved' AND paid_total < total"),
    sqlite_where=text("status = 'approved' AND paid_total < total"),
)
Index("ix_invoices_client_issued", Invoice.client_id, Invoice.issued_on)
# The sweep's «not yet in 1C» look-up: without it, it walks every invoice to find none.
Index(
    "ix_invoices_unregistered",
    Invoice.id,
    postgresql_where=text("onec_id IS NULL"),
    sqlite_where=text("onec_id IS NULL"),
)
# The sweep's «revised since 1C got it» look-up: the few revised invoices, not every invoice.
Index(
    "ix_invoices_revised_in_1c",
    Invoice.id,
    postgresql_where=text("onec_id IS NOT NULL AND revision > onec_revision"),
    sqlite_where=text("onec_id IS NOT NULL AND revision > onec_revision"),
)
# The sweep's «shipped, and 1C has made no УПД yet» look-up: the few just shipped, not every invoice.
Index(
    "ix_invoices_without_upd",
    Invoice.id,
    postgresql_where=text("shipped_on IS NOT NULL AND upd_onec_id IS NULL"),
    sqlite_where=text("shipped_on IS NOT NULL AND upd_onec_id IS NULL"),
)
Index("ix_invoices_issued_on", Invoice.issued_on)
# The ledger and the acts date a sale by its shipment.
Index("ix_invoices_client_shipped", Invoice.client_id, Invoice.shipped_on)
Index("ix_invoices_shipped_on", Invoice.shipped_on)
Index("ix_payments_paid_on", Payment.paid_on)
