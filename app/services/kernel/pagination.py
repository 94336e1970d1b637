"""Opaque keyset cursors: stable under inserts, cheap at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import MAX_ID
from app.core.errors import FieldError

T = TypeVar("T")


def encode_cursor(values: Sequence[Any]) -> str:
    raw = json.dumps(list(values), separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, types: Sequence[type]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise FieldError("cursor", "is not a cursor returned by this list") from None
    if (
        not isinstance(values, list)
        or len(values) != len(types)
        or not all(_fits(v, t) for v, t in zip(values, types, strict=True))
    ):
        raise FieldError("cursor", "is not a cursor returned by this list")
    return values


def _fits(value: Any, kind: type) -> bool:
    if isinstance(value, bool) or not isinstance(value, kind):
        return False
    if isinstance(value, int):
        return 0 <= value <= MAX_ID
    return not isinstance(value, str) or len(value) <= 1000


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def page_of(rows: Sequence[T], limit: int, key: Any) -> Page[T]:
    """Cut a limit+1 fetch into a page and the cursor of its last row."""
    items = list(rows[:limit])
    next_cursor = encode_cursor(key(items[-1])) if len(rows) > limit and items else None
    return Page(items, next_cursor)


async def newest_first(
    session: AsyncSession, query: Select[Any], id_column: Any, cursor: str | None, limit: int
) -> Page[Any]:
    """One page of ``query`` by ``id_column`` descending (newest first), after ``cursor``."""
    if cursor is not None:
        (before_id,) = decode_cursor(cursor, [int])
        query = query.where(id_column < before_id)
    rows = (await session.scalars(query.order_by(id_column.desc()).limit(limit + 1))).all()
    return page_of(rows, limit, lambda row: [getattr(row, id_column.key)])
