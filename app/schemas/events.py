"""History events."""

from __future__ import annotations

from typing import Any

from app.schemas.common import ReadModel, Timestamp


class EventRead(ReadModel):
    id: int
    occurred_at: Timestamp
    actor_id: int | None
    entity_type: str
    entity_id: int
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    request_id: str | None
