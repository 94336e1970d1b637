"""Payments from clients, their allocation to invoices, and the reminders each invoice has had."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, str_enum


class PaymentSource(StrEnum):
    ONEC = "1c"
    MANUAL = "manual"


class Payment(Base):
    __tablename__ = "payments"
    __table_args__ = (
        # A payment document of 1C is recorded once, however often it is imported.
        UniqueConstraint("source", "external_id"),
        Index("ix_payments_client_paid_on", "client_id", "paid_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    amount: Mapped[Decimal]
    paid_on: Mapped[date] = mapped_column(Date)
    source: Mapped[PaymentSource] = mapped_column(str_enum(PaymentSource))
    external_id: Mapped[str | None] = mapped_column(String(64))
    reference: Mapped[str | None] = mapped_column(String(300))  # the payment order's number and purpose
    unallocated: Mapped[Decimal]  # an advance kept on purpose (overpayment)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]

    allocations: Mapped[list[PaymentAllocation]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="PaymentAllocation.id"
    )


class PaymentAllocation(Base):
    __tablename__ = "payment_allocations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    amount: Mapped[Decimal]


class ReminderStep(StrEnum):
    """The regulation's steps around an invoice's due date."""

    WEEK_BEFORE = "week_before"  # check the signed documents, ask for a signed reconciliation act
    DAY_BEFORE = "day_before"  # call to confirm the payment
    DAY_AFTER = "day_after"  # unpaid: call to find out why


class InvoiceReminder(Base):
    """One row per invoice and step: the sweep makes each step's task once, however often it runs."""

    __tablename__ = "invoice_reminders"
    __table_args__ = (UniqueConstraint("invoice_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    step: Mapped[ReminderStep] = mapped_column(str_enum(ReminderStep))
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]
