"""Mistakes flagged in documents: open, and visible on the document, until someone records the fix."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class DocumentKind(StrEnum):
    INVOICE = "invoice"
    UPD = "upd"
    PROPOSAL = "proposal"
    SPEC = "spec"
    OTHER = "other"


class FlagStatus(StrEnum):
    OPEN = "open"
    FIXED = "fixed"


class DocumentFlag(Versioned, Base):
    __tablename__ = "document_flags"
    __table_args__ = (Index("ix_document_flags_document", "document_kind", "document_ref", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_kind: Mapped[DocumentKind] = mapped_column(str_enum(DocumentKind))
    # The document as people name it: an invoice number, a УПД number, …
    document_ref: Mapped[str] = mapped_column(String(100))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id", ondelete="SET NULL"), index=True)
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[FlagStatus] = mapped_column(str_enum(FlagStatus))
    flagged_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    fixed_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    fix_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    fixed_at: Mapped[datetime | None]
