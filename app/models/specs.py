"""Specifications for the sewing workshop (ТЗ в ШЦ): logo application, tailoring to individual
measurements, manufacturing. Each belongs to one order (and through it to the invoice)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class SpecKind(StrEnum):
    LOGO = "logo"  # logo application (a service on the client's or our garments)
    TAILORING = "tailoring"  # tailoring to individual measurements
    MANUFACTURING = "manufacturing"  # manufacturing of products by a size × height grid


class SpecReceivedVia(StrEnum):
    IN_PERSON = "in_person"
    EMAIL = "email"


class SpecStatus(StrEnum):
    RECEIVED = "received"
    INVOICE_WITH_MANAGER = "invoice_with_manager"  # the invoice emailed to the manager to check
    INVOICE_CHECKED = "invoice_checked"  # the manager checked it: it may go to the client
    SIGNED = "signed"  # supply signed the current revision (in the system or on paper)
    SENT_TO_WORKSHOP = "sent_to_workshop"
    ACCEPTED_BY_WORKSHOP = "accepted_by_workshop"  # the workshop's «принято»
    GOODS_READY = "goods_ready"  # the warehouse reports the goods ready
    DOCUMENTS_ISSUED = "documents_issued"  # the receipt posted in 1C and the shipping documents made
    CLOSED = "closed"  # the client's feedback closed the order
    CANCELLED = "cancelled"


class Spec(Versioned, Base):
    __tablename__ = "specs"
    # What the worker records about 1C: it does not move the version a person edits.
    __bookkeeping__ = frozenset({"receipts", "upd_onec_id"})
    __table_args__ = (Index("ix_specs_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    kind: Mapped[SpecKind] = mapped_column(str_enum(SpecKind))
    received_via: Mapped[SpecReceivedVia] = mapped_column(str_enum(SpecReceivedVia))
    status: Mapped[SpecStatus] = mapped_column(str_enum(SpecStatus))
    # What the workshop is to do, by kind (validated by the kind's schema): see app.schemas.specs.
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    due_on: Mapped[date | None] = mapped_column(Date)  # when the manager wants it done
    # The document's version: every change of the details makes the next one, and a signature is
    # for one version only.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # The logo file (vector or raster), kept in the file store.
    logo_key: Mapped[str | None] = mapped_column(String(300))
    logo_filename: Mapped[str | None] = mapped_column(String(255))
    logo_content_type: Mapped[str | None] = mapped_column(String(100))
    logo_print_key: Mapped[str | None] = mapped_column(String(300))  # a raster logo's print copy
    # The signature of supply: who, when, which revision, and the signed file (a PDF made by the
    # system, or the scan of the signed paper copy).
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"))
    signed_at: Mapped[datetime | None]
    signed_revision: Mapped[int | None] = mapped_column(Integer)
    signed_via: Mapped[str | None] = mapped_column(String(16))  # "system" or "scan"
    signed_key: Mapped[str | None] = mapped_column(String(300))
    signed_filename: Mapped[str | None] = mapped_column(String(255))
    signed_content_type: Mapped[str | None] = mapped_column(String(100))
    scan_uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime | None]
    channel: Mapped[str | None] = mapped_column(String(64))  # the workshop chat it went to
    workshop_accepted_at: Mapped[datetime | None]
    workshop_accepted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    # The workshop's remarks, oldest first: [{"at", "by", "text", "via"}].
    workshop_feedback: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    goods_ready_at: Mapped[datetime | None]
    # Receipts posted in 1C per requisition-book entry: {requisition id: 1C receipt id}.
    receipts: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    documents_requested_at: Mapped[datetime | None]
    upd_onec_id: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
