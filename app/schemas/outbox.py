"""Chat channels and outbound messages."""

from __future__ import annotations

from pydantic import Field

from app.models.outbox import MessageAbout, OutboundKind, OutboundStatus
from app.schemas.common import ReadModel, Timestamp


class ChannelRead(ReadModel):
    key: str
    title: str
    adapter: str


class OutboundRead(ReadModel):
    id: int
    kind: OutboundKind
    channel: str
    recipient: str
    subject: str | None
    body: str
    status: OutboundStatus
    attempts: int
    last_error: str | None
    external_id: str | None
    created_at: Timestamp
    next_attempt_at: Timestamp
    sent_at: Timestamp | None
    about: MessageAbout | None = Field(description="What it is about: who may read it follows that")
    about_id: int | None
