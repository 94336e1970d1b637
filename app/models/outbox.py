"""Outbound side effects (chat posts, emails) as rows: recorded in the transaction, sent after it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, str_enum


class OutboundKind(StrEnum):
    CHAT = "chat"
    EMAIL = "email"


class OutboundStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"


class MessageAbout(StrEnum):
    """What a message is about: who may read it follows that subject (its permission and department)."""

    ORDER = "order"
    INVOICE = "invoice"
    PROPOSAL = "proposal"
    SPEC = "spec"
    COLLECTION_CASE = "collection_case"
    RECONCILIATION_ACT = "reconciliation_act"
    TASK = "task"
    DAILY_REPORT = "daily_report"


class OutboundMessage(Base):
    __tablename__ = "outbound_messages"
    __table_args__ = (Index("ix_outbound_messages_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # A deterministic key per business fact ("task-due:42"): the same fact is never sent twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OutboundKind] = mapped_column(str_enum(OutboundKind))
    channel: Mapped[str] = mapped_column(String(100))
    recipient: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(500))
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OutboundStatus] = mapped_column(str_enum(OutboundStatus))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    request_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    next_attempt_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # Its subject; none for a post to a work chat about nothing one may not read (a document flag).
    about: Mapped[MessageAbout | None] = mapped_column(str_enum(MessageAbout))
    about_id: Mapped[int | None] = mapped_column(Integer)
