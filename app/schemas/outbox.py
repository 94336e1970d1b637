"""Chat channels and outbound messages."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from app.models.outbox import MessageAbout, OutboundKind, OutboundStatus
from app.schemas.common import ReadModel


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
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    about: MessageAbout | None = Field(description="What it is about: who may read it follows that")
    about_id: int | None
