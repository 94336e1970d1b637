"""Small helpers every service uses: optimistic concurrency, loading or 404."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.orm.attributes import flag_modified

from app.core.errors import NotFound, PreconditionFailed
from app.services.unit_of_work import UnitOfWork

T = TypeVar("T")


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
