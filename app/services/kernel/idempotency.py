"""Idempotency-Key for creating POSTs (IETF draft semantics).

Same key and same body: the stored response. Same key, other body: 422. Same key still running: 409.
Keys are scoped to the caller's credential and kept at least 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from app.core.errors import Conflict, FieldError
from app.models.idempotency import IdempotencyRecord
from app.services.kernel.unit_of_work import UnitOfWork

ABANDONED_AFTER = timedelta(minutes=5)


@dataclass(frozen=True)
class StoredResponse:
    status_code: int
    headers: str
    body: bytes


class IdempotencyService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def begin(
        self, caller: str, key: str, method: str, path: str, request_hash: str, ttl: timedelta
    ) -> StoredResponse | None:
        """Reserve the key (None: go ahead), or return the stored response of the first request."""
        now = self.uow.clock.now()
        session = self.uow.session
        await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - ttl))
        existing = await session.scalar(
            select(IdempotencyRecord).where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
        )
        if existing is None:
            try:
                async with session.begin_nested():
                    session.add(
                        IdempotencyRecord(
                            caller=caller,
                            key=key,
                            method=method,
                            path=path,
                            request_hash=request_hash,
                            created_at=now,
                        )
                    )
            except IntegrityError:
                raise Conflict("a request with this Idempotency-Key is still being processed") from None
            return None
        if existing.request_hash != request_hash or existing.path != path or existing.method != method:
            raise FieldError(
                "Idempotency-Key", "was already used for a different request", code="idempotency_key_reused"
            )
        if existing.status_code is None and existing.created_at < now - ABANDONED_AFTER:
            # The first attempt died without an answer (a crash): this one takes the key over.
            existing.created_at = now
            return None
        if existing.status_code is None:
            raise Conflict(
                "a request with this Idempotency-Key is still being processed", code="idempotency_in_progress"
            )
        return StoredResponse(
            existing.status_code, existing.response_headers or "", existing.response_body or b""
        )

    async def complete(self, caller: str, key: str, status_code: int, headers: str, body: bytes) -> None:
        now = self.uow.clock.now()
        await self.uow.session.execute(
            update(IdempotencyRecord)
            .where(IdempotencyRecord.caller == caller, IdempotencyRecord.key == key)
            .values(status_code=status_code, response_headers=headers, response_body=body, completed_at=now)
        )

    async def abandon(self, caller: str, key: str) -> None:
        """A failed request frees its key so the client may retry it."""
        await self.uow.session.execute(
            delete(IdempotencyRecord).where(
                IdempotencyRecord.caller == caller,
                IdempotencyRecord.key == key,
                IdempotencyRecord.status_code.is_(None),
            )
        )
