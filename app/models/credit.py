"""Requests for credit terms (deferment, limit, discount) and their dossier: recommended by the
department head, decided by the company's management."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, KeptFile, Versioned, str_enum


class CreditRequestStatus(StrEnum):
    REQUESTED = "requested"  # waiting for the lawyer's verdict on the counterparty
    REVIEWED = "reviewed"  # the verdict is in: the department head recommends
    RECOMMENDED = "recommended"  # the head recommended (or advised refusal): management decides
    APPROVED = "approved"
    REJECTED = "rejected"


class Reliability(StrEnum):
    RELIABLE = "reliable"
    DOUBTFUL = "doubtful"
    UNRELIABLE = "unreliable"


class Recommendation(StrEnum):
    APPROVE = "approve"
    REFUSE = "refuse"


class CreditFileKind(StrEnum):
    COUNTERPARTY_CARD = "counterparty_card"  # the counterparty's card from 1C
    REGISTRY_EXTRACT = "registry_extract"  # the extract from the state register (ЕГРЮЛ/ЕГРИП)
    FINANCIALS = "financials"  # the accounting statements
    OTHER = "other"


class CreditRequest(Versioned, Base):
    __tablename__ = "credit_requests"
    # The push of the approved terms to 1C does not move the version a person edits.
    __bookkeeping__ = frozenset({"pushed_to_1c_at"})
    __table_args__ = (Index("ix_credit_requests_client_status", "client_id", "status"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    deferment_days: Mapped[int] = mapped_column(Integer)
    credit_limit: Mapped[Decimal | None]
    discount_basis_points: Mapped[int] = mapped_column(Integer, default=0)
    justification: Mapped[str] = mapped_column(Text)
    # The dossier as it stood when asked: how often it buys, how many people, its potential.
    purchase_frequency: Mapped[str | None] = mapped_column(String(32))
    headcount: Mapped[int | None] = mapped_column(Integer)
    potential: Mapped[str | None] = mapped_column(String(32))
    status: Mapped[CreditRequestStatus] = mapped_column(str_enum(CreditRequestStatus))
    lawyer_verdict: Mapped[Reliability | None] = mapped_column(str_enum(Reliability))
    lawyer_comment: Mapped[str | None] = mapped_column(Text)
    lawyer_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    reviewed_at: Mapped[datetime | None]
    recommendation: Mapped[Recommendation | None] = mapped_column(str_enum(Recommendation))
    recommendation_comment: Mapped[str | None] = mapped_column(Text)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    recommended_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    decision_comment: Mapped[str | None] = mapped_column(Text)
    effective_from: Mapped[date | None] = mapped_column(Date)
    pushed_to_1c_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CreditFile(KeptFile, Base):
    """A document of the request's dossier: what the lawyer and the head read before they decide."""

    __tablename__ = "credit_request_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("credit_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CreditFileKind] = mapped_column(str_enum(CreditFileKind))
