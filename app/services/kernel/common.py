"""Small helpers every service uses: optimistic concurrency, loading or 404."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy.orm.attributes import flag_modified

from app.core.errors import FieldError, NotFound, PreconditionFailed
from app.services.kernel.unit_of_work import UnitOfWork

T = TypeVar("T")


def within_window(
    value: date | datetime, field: str, today: date, *, back: timedelta, ahead: timedelta
) -> None:
    """A date the caller gives, held to a sane window around today (the service clock's) where the
    domain has one: a payment of 1970 or a deadline in year 9999 is a typing slip, and one in year
    1 cannot even be moved to another time zone. A date-time is judged by its date as written."""
    day = value.date() if isinstance(value, datetime) else value
    earliest, latest = today - back, today + ahead
    if not earliest <= day <= latest:
        raise FieldError(field, f"must be between {earliest} and {latest}", code="date_out_of_range")


def ensure_version(entity: Any, expected: int | None, what: str) -> None:
    """Optimistic concurrency: an update that names a stale version changes nothing (412)."""
    if expected is not None and entity.version != expected:
        against = f"version {expected}" if expected >= 0 else "an ETag this service never issued"
        raise PreconditionFailed(
            f"{what} is at version {entity.version}; the request was made against {against}",
            current_version=entity.version,
        )


async def get_or_404(uow: UnitOfWork, model: type[T], ident: int, what: str, **options: Any) -> T:
    obj = await uow.session.get(model, ident, **options)
    if obj is None:
        raise NotFound(what, ident)
    return obj


def touch(entity: Any, uow: UnitOfWork) -> None:
    """Mark a change of the aggregate: its version (the ETag) moves even when only its children
    changed or the clock has not moved (a fixed clock, two changes within one tick)."""
    entity.updated_at = uow.clock.now()
    flag_modified(entity, "updated_at")


def storable(text: str) -> str:
    """Text as every backend stores it: PostgreSQL refuses NUL characters in text columns."""
    return text.replace("\x00", "\ufffd")
