"""The collection case: one per client and overdue episode, from the guarantee letter to court."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, KeptFile, Versioned, str_enum


class CaseStage(StrEnum):
    """The regulation's steps when a debt is overdue, in order."""

    GUARANTEE_REQUESTED = "guarantee_requested"  # the request for a guarantee letter is emailed
    GUARANTEE_RECEIVED = "guarantee_received"  # the scan is in, with the promised date
    ESCALATED = "escalated"  # no letter, or its promise broken: the head has the data, calls at every level
    WAITING = "waiting"  # negotiations done: two working days for the money
    CLAIM_REQUESTED = "claim_requested"  # the lawyer prepares the claim letter and the calculation
    CLAIM_APPROVED = "claim_approved"  # the lawyer approved it: it goes out the same day
    CLAIM_SENT = "claim_sent"  # emailed and posted by registered mail; tracked
    DELIVERED = "delivered"  # the delivery receipt is back; watching for payment
    COURT_READY = "court_ready"  # 30 days passed: the documents for the lawyer
    IN_COURT = "in_court"
    CLOSED = "closed"


class CloseReason(StrEnum):
    PAID = "paid"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    # Its invoices' goods were never shipped: no debt (cases opened before that rule was kept).
    NOT_RECEIVABLE = "not_receivable"


class CaseFileKind(StrEnum):
    GUARANTEE_LETTER = "guarantee_letter"
    DELIVERY_RECEIPT = "delivery_receipt"
    POSTAL_RECEIPT = "postal_receipt"  # the post office's receipt of the registered letter
    COURT = "court"
    OTHER = "other"


class CollectionCase(Versioned, Base):
    __tablename__ = "collection_cases"
    # The stored letter and what the post reports do not move the version a person edits.
    __bookkeeping__ = frozenset(
        {"claim_pdf_sha256", "claim_pdf_stored_at", "tracking", "tracking_checked_at"}
    )
    __table_args__ = (
        UniqueConstraint("client_id", "episode"),
        # One open case per client: a second overdue episode starts only after the first is closed.
        Index(
            "uq_collection_cases_open_client",
            "client_id",
            unique=True,
            sqlite_where=text("stage != 'closed'"),
            postgresql_where=text("stage != 'closed'"),
        ),
        Index("ix_collection_cases_stage", "stage"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    episode: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per client
    stage: Mapped[CaseStage] = mapped_column(str_enum(CaseStage))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    opened_on: Mapped[date] = mapped_column(Date)
    debt_at_open: Mapped[Decimal]
    invoice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # its invoices (as in the links)
    # Guarantee letter.
    promised_on: Mapped[date | None] = mapped_column(Date)
    guarantee_file_id: Mapped[int | None] = mapped_column(Integer)
    guarantee_refused: Mapped[bool] = mapped_column(Boolean, default=False)
    breached_on: Mapped[date | None] = mapped_column(Date)
    negotiated_on: Mapped[date | None] = mapped_column(Date)
    # The end of the wait after the negotiations: 2 working days, or past a date promised in them.
    wait_ends_on: Mapped[date | None] = mapped_column(Date)
    # Claim letter: drafted by the worker, edited and approved by the lawyer, sent once.
    claim_requested_on: Mapped[date | None] = mapped_column(Date)
    claim_view: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    claim_text: Mapped[str | None] = mapped_column(Text)
    claim_drafted_at: Mapped[datetime | None]
    claim_error: Mapped[str | None] = mapped_column(Text)
    claim_approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    claim_approved_at: Mapped[datetime | None]
    claim_sent_on: Mapped[date | None] = mapped_column(Date)
    claim_sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    claim_message_id: Mapped[int | None] = mapped_column(Integer)  # the outbound email
    claim_pdf_key: Mapped[str | None] = mapped_column(String(300))
    claim_pdf_sha256: Mapped[str | None] = mapped_column(String(64))
    claim_pdf_stored_at: Mapped[datetime | None]
    tracking_number: Mapped[str | None] = mapped_column(String(20))
    tracking: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    tracking_checked_at: Mapped[datetime | None]
    delivered_on: Mapped[date | None] = mapped_column(Date)
    receipt_file_id: Mapped[int | None] = mapped_column(Integer)
    court_allowed_on: Mapped[date | None] = mapped_column(Date)
    # Court.
    court_case_number: Mapped[str | None] = mapped_column(String(64))
    court_name: Mapped[str | None] = mapped_column(String(300))
    hearings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    judgment: Mapped[str | None] = mapped_column(Text)
    enforcement: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    close_reason: Mapped[CloseReason | None] = mapped_column(str_enum(CloseReason))
    close_comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CollectionCaseInvoice(Base):
    """An overdue invoice belongs to one case: the one open when it fell overdue, or a new one.
    An invoice of a case closed as settled or written off never opens another."""

    __tablename__ = "collection_case_invoices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"), unique=True)
    added_on: Mapped[date] = mapped_column(Date)


class CollectionStep(Base):
    """One row per case and step the sweep has made: a second run finds it and makes nothing."""

    __tablename__ = "collection_steps"
    __table_args__ = (UniqueConstraint("case_id", "step"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id", ondelete="CASCADE"))
    step: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime]


class CollectionCall(Base):
    """A negotiation call, logged per level of the client's people (buyer up to director)."""

    __tablename__ = "collection_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id", ondelete="CASCADE"), index=True)
    level: Mapped[str] = mapped_column(String(32))
    contact_id: Mapped[int | None] = mapped_column(Integer)
    reached: Mapped[bool] = mapped_column(Boolean)
    result: Mapped[str] = mapped_column(Text)
    promised_on: Mapped[date | None] = mapped_column(Date)
    called_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    created_at: Mapped[datetime]


class CollectionFile(KeptFile, Base):
    """A scan kept with the case (the guarantee letter, the delivery receipt, court papers)."""

    __tablename__ = "collection_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("collection_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CaseFileKind] = mapped_column(str_enum(CaseFileKind))
