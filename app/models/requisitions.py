"""The requisition book (книга заявок): what supply must procure for an invoice, and when it comes."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class RequisitionStatus(StrEnum):
    REQUESTED = "requested"
    ORDERED = "ordered"
    EXPECTED = "expected"
    ARRIVED = "arrived"
    CANCELLED = "cancelled"


class Requisition(Versioned, Base):
    __tablename__ = "requisitions"
    # The 1C id the worker records does not move the version a person edits.
    __bookkeeping__ = frozenset({"onec_id"})
    __table_args__ = (Index("ix_requisitions_status_expected", "status", "expected_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), index=True)
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="RESTRICT"), unique=True)
    product_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    requested_on: Mapped[date] = mapped_column(Date)
    expected_on: Mapped[date | None] = mapped_column(Date)
    arrived_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[RequisitionStatus] = mapped_column(str_enum(RequisitionStatus))
    onec_id: Mapped[str | None] = mapped_column(String(64))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
