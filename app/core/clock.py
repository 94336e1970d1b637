"""The injectable clock: services ask it for the time, tests pass a fixed one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class OffsetClock:
    """The real time moved by a fixed offset (APP_CLOCK__OFFSET: demos, browser tests, support)."""

    def __init__(self, offset: timedelta) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset


def system_clock(offset: timedelta = timedelta(0)) -> Clock:
    """The clock of a running process: the real time, moved by the configured offset if any."""
    return OffsetClock(offset) if offset else SystemClock()


class FixedClock:
    """A clock that only moves when told to (tests, demos, replays)."""

    def __init__(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._at = at

    def now(self) -> datetime:
        return self._at

    def advance(self, delta: timedelta) -> None:
        self._at += delta

    def set(self, at: datetime) -> None:
        self._at = at
