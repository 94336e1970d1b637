"""Commercial proposals (коммерческие предложения): priced tables with photos for a client."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Versioned, str_enum


class ProposalStatus(StrEnum):
    DRAFT = "draft"  # some line has no price yet
    PRICED = "priced"  # every line priced: ready to go to the manager
    SENT_TO_MANAGER = "sent_to_manager"
    APPROVED = "approved"  # the manager approved it: ready to go to the client
    SENT_TO_CLIENT = "sent_to_client"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    CONVERTED = "converted"  # accepted and made into an order (and its invoice)


class PriceSource(StrEnum):
    CATALOGUE = "catalogue"  # the 1C price of the category: it already includes the markup
    MARKUP = "markup"  # purchase price plus the manager's markup
    MANUAL = "manual"  # a price given by hand


class Proposal(Versioned, Base):
    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_status_valid_until", "status", "valid_until"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("client_contacts.id", ondelete="SET NULL"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"), index=True)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"), index=True)
    workwear_kind: Mapped[str] = mapped_column(String(200))
    models_count: Mapped[int] = mapped_column(Integer)
    markup_basis_points: Mapped[int] = mapped_column(Integer)  # 2500 = 25 %
    price_category: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime]
    valid_until: Mapped[date | None] = mapped_column(Date)
    status: Mapped[ProposalStatus] = mapped_column(str_enum(ProposalStatus))
    # The document's version: every change after it was sent makes the next one.
    revision: Mapped[int] = mapped_column(Integer, default=1)
    sent_revision: Mapped[int | None] = mapped_column(Integer)
    sent_to: Mapped[str | None] = mapped_column(String(254))
    comment: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    lines: Mapped[list[ProposalLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="ProposalLine.position"
    )


class ProposalLine(Base):
    __tablename__ = "proposal_lines"
    __table_args__ = (
        UniqueConstraint("proposal_id", "position"),
        Index("ix_proposal_lines_price_requests", "nonstandard", "purchase_price", "price_requested_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str | None] = mapped_column(String(64))
    nonstandard: Mapped[bool] = mapped_column(Boolean, default=False)
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    unit: Mapped[str] = mapped_column(String(16), default="шт")
    quantity: Mapped[int] = mapped_column(Integer)
    photo_key: Mapped[str | None] = mapped_column(String(200))
    photo_print_key: Mapped[str | None] = mapped_column(String(200))
    purchase_price: Mapped[Decimal | None]
    price: Mapped[Decimal | None]
    price_source: Mapped[PriceSource | None] = mapped_column(str_enum(PriceSource))
    below_cost_approved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL")
    )
    # The price request to supply (non-standard lines): asked, last reminded, answered.
    price_requested_at: Mapped[datetime | None]
    price_reminded_at: Mapped[datetime | None]
    reminders: Mapped[int] = mapped_column(Integer, default=0)
    price_answered_at: Mapped[datetime | None]
    price_answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))


class ProposalStage(StrEnum):
    MANAGER = "manager"
    CLIENT = "client"


class ProposalDocument(Base):
    """A proposal as it was sent: what was printed (kept as data) and the PDF kept in storage."""

    __tablename__ = "proposal_documents"
    __table_args__ = (UniqueConstraint("proposal_id", "revision", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    proposal_id: Mapped[int] = mapped_column(ForeignKey("proposals.id", ondelete="CASCADE"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    stage: Mapped[ProposalStage] = mapped_column(str_enum(ProposalStage))
    recipient: Mapped[str] = mapped_column(String(254))
    view: Mapped[dict[str, Any]] = mapped_column(JSON)
    total: Mapped[Decimal]
    storage_key: Mapped[str] = mapped_column(String(200))
    stored_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
