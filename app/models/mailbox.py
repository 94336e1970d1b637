"""E-mails taken from the shared mailbox: each once, kept raw in the file store, with what it became."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, str_enum
from app.models.outbox import MessageAbout


class InboundKind(StrEnum):
    ORDER = "order"  # answers nothing: a new order
    REPLY = "reply"  # answers one of our e-mails (or names one of our documents)
    AUTO_REPLY = "auto_reply"  # out of office and other automatic answers
    BOUNCE = "bounce"  # a delivery status notification
    MAILING_LIST = "mailing_list"
    DUPLICATE = "duplicate"  # the same Message-ID was taken before
    FAILED = "failed"  # too large or unreadable: kept with the reason


class InboundEmail(Base):
    __tablename__ = "inbound_emails"
    __table_args__ = (
        # One row per message of a folder, however often the reader sees it.
        UniqueConstraint("folder", "uidvalidity", "uid"),
        Index("ix_inbound_emails_message_id", "message_id"),
        Index("ix_inbound_emails_about", "about", "about_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    folder: Mapped[str] = mapped_column(String(200))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[str | None] = mapped_column(String(500))
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(500))
    kind: Mapped[InboundKind] = mapped_column(str_enum(InboundKind))
    # What was done with it, or why not, in words.
    outcome: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer)
    raw_key: Mapped[str | None] = mapped_column(String(300))  # the message as it came, in the file store
    # The new text of the message, without the quoted history.
    text: Mapped[str | None] = mapped_column(Text)
    # Its attachments as kept: [{"filename", "content_type", "size", "key"} | {"filename", "problem"}].
    parts: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # What it answers (a reply) or what it bounced (a bounce): our document, and our e-mail.
    about: Mapped[MessageAbout | None] = mapped_column(str_enum(MessageAbout))
    about_id: Mapped[int | None] = mapped_column(Integer)
    outbound_id: Mapped[int | None] = mapped_column(
        ForeignKey("outbound_messages.id", ondelete="SET NULL"), index=True
    )
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id", ondelete="SET NULL"), index=True)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("tasks.id", ondelete="SET NULL"))
    received_at: Mapped[datetime]
