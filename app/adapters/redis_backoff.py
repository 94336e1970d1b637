"""What the Redis adapters share: a client that failed is closed without a fuss, and Redis is
left alone for a few seconds after a failure, so that no request waits on it again and again."""

from __future__ import annotations

import time
from typing import Any

from app.core.logging import get_logger

log = get_logger(__name__)


class Backoff:
    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._until = 0.0

    @property
    def waiting(self) -> bool:
        """Still within the pause after the last failure."""
        return time.monotonic() < self._until

    def failed(self, event: str, exc: BaseException, **fields: Any) -> None:
        self._until = time.monotonic() + self.seconds
        log.warning(event, error=type(exc).__name__, **fields)


async def close_quietly(client: Any) -> None:
    """Close a client (it may be broken; closing it may fail too, with nothing to do about it)."""
    if client is None:
        return
    try:
        await client.aclose()
    except Exception:
        log.debug("redis.close_failed")
