"""The history of every aggregate: who did what, when, from which state to which."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from app.core.db import Base
from app.models.events import Event
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.unit_of_work import UnitOfWork

_SKIP = {"password_hash", "name_search", "text_search"}


_PLAIN = (str, int, float, bool, type(None))


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:  # most values; a StrEnum is not one (its type is the enum)
        return value
    if kind is list:  # the next most: a line's suggestions, the fields it need not name
        return [v if type(v) in _PLAIN else _jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    return value


_KEYS: dict[type, tuple[str, ...]] = {}
# A Core insert of the table: no ORM objects made for rows written and never read back. With
# RETURNING, several rows go as one multi-row INSERT (SQLAlchemy's "insertmanyvalues"), which on
# asyncpg costs a fraction of its executemany.
_INSERT_EVENTS = insert(Event.__table__).returning(Event.__table__.c.id)  # type: ignore[arg-type]


def _keys(cls: type) -> tuple[str, ...]:
    keys = _KEYS.get(cls)
    if keys is None:
        table = cls.__table__  # type: ignore[attr-defined]
        keys = _KEYS[cls] = tuple(col.key for col in table.columns if col.key not in _SKIP)
    return keys


def snapshot(obj: Base) -> dict[str, Any]:
    """The row's own columns as JSON-safe values (secrets and derived columns left out). Read from
    the loaded state where it is there (every history entry pays for this), else through the
    attribute (which loads what is expired)."""
    state = obj.__dict__
    return {
        key: value
        if type(value := state[key] if key in state else getattr(obj, key)) in _PLAIN
        else _jsonable(value)
        for key in _keys(type(obj))
    }


def snapshot_values(values: dict[str, Any]) -> dict[str, Any]:
    """Any values as the history stores them (dates, money and enums as JSON)."""
    result: dict[str, Any] = _jsonable(values)
    return result


def diff(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, on both sides."""
    keys = [k for k in after if before.get(k) != after.get(k) and k not in {"updated_at", "version"}]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


class HistoryService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def row(
        self,
        entity_type: str,
        entity_id: int,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """An entry as the values of its row: for ``insert``, several in one statement."""
        return {
            "occurred_at": self.uow.clock.now(),
            "actor_id": self.uow.actor.id if self.uow.actor else None,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "action": action,
            "before": before,
            "after": after,
            "request_id": self.uow.request_id,
        }

    def add_row(self, values: dict[str, Any]) -> Event:
        event = Event(**values)
        self.uow.session.add(event)
        return event

    def record(
        self,
        entity_type: str,
        entity_id: int,
        action: str,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> Event:
        return self.add_row(self.row(entity_type, entity_id, action, before, after))

    async def insert(self, rows: list[dict[str, Any]], connection: AsyncConnection | None = None) -> None:
        """Write entries at once, in their order, without the unit of work: for a hot path whose
        entries nobody reads back in the same request; on ``connection``, the session's own that
        the hot path has taken already (``flushed_connection``), when it gives one."""
        if not rows:
            return
        if connection is None:
            await self.uow.session.execute(_INSERT_EVENTS, rows)
        else:
            await connection.execute(_INSERT_EVENTS, rows)

    def record_change(
        self, entity_type: str, entity_id: int, before: dict[str, Any], after: dict[str, Any]
    ) -> Event | None:
        old, new = diff(before, after)
        if not new:
            return None
        return self.record(entity_type, entity_id, "updated", old, new)

    async def page(self, entity_type: str, entity_id: int, *, cursor: str | None, limit: int) -> Page[Event]:
        query = (
            select(Event)
            .where(Event.entity_type == entity_type, Event.entity_id == entity_id)
            .order_by(Event.id)
            .limit(limit + 1)
        )
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(Event.id > after_id)
        rows = (await self.uow.session.scalars(query)).all()
        return page_of(rows, limit, lambda e: [e.id])
