"""Failed logins, counted per account and per source address, and the lock-outs they lead to.

Every API process counts in the same rows of the database (``login_counters``), with one atomic
UPDATE per failure, so the limit holds however many processes answer logins, and keeps holding
while Redis is down (Redis is only a nudge here; losing it must not open the door or close it).
A lock-out is read before the password is checked, so a locked-out caller costs no argon2 run and
is refused even with the right password. The rows of the unknown emails an anonymous caller tries
are bounded by the same limit on their address, and the sweep deletes the stale ones."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from app.core.config import AuthSettings
from app.core.errors import TooManyRequests
from app.core.logging import get_logger
from app.models.directory import LoginCounter
from app.services.kernel.unit_of_work import UnitOfWork

log = get_logger(__name__)

KEY_CHARS = 400


def login_keys(email: str, address: str) -> list[str]:
    """The two counters a login attempt counts in: its account and its source address."""
    return [f"account:{email.strip().lower()}"[:KEY_CHARS], f"address:{address}"[:KEY_CHARS]]


class LoginThrottle:
    def __init__(self, uow: UnitOfWork, settings: AuthSettings) -> None:
        self.uow = uow
        self.settings = settings

    async def check(self, keys: list[str]) -> None:
        """Refuse (429 with Retry-After) an attempt on a locked-out account or from a locked-out
        address, before any password is checked."""
        now = self.uow.clock.now()
        until: datetime | None = await self.uow.session.scalar(
            select(func.max(LoginCounter.locked_until)).where(
                LoginCounter.key.in_(keys), LoginCounter.locked_until > now
            )
        )
        if until is not None:
            wait = math.ceil((until - now).total_seconds())
            raise TooManyRequests(f"too many failed logins; try again in {max(wait, 1)} s", retry_after=wait)

    async def failed(self, keys: list[str]) -> None:
        """Count a failed login in each counter; the one that reaches the limit is locked out for
        the lock-out time, doubled for each lock-out before it in a row (up to the longest)."""
        for key in keys:
            failures, lockouts = await self._count(key)
            if failures >= self.settings.login_failures:
                await self._lock(key, lockouts)

    async def succeeded(self, keys: list[str]) -> None:
        """A right password clears the account's counter (the address's stays: other accounts
        may be tried from it)."""
        account = keys[0]
        await self.uow.session.execute(
            update(LoginCounter)
            .where(LoginCounter.key == account, or_(LoginCounter.failures > 0, LoginCounter.lockouts > 0))
            .values(failures=0, lockouts=0, locked_until=None)
            .execution_options(synchronize_session=False)
        )

    async def _count(self, key: str) -> tuple[int, int]:
        now = self.uow.clock.now()
        in_window = LoginCounter.window_started_at > now - timedelta(
            seconds=self.settings.login_window_seconds
        )
        # A quiet spell as long as the longest lock-out starts the doubling again.
        recent = LoginCounter.last_failure_at > now - timedelta(seconds=self.settings.max_lockout_seconds)
        counted = (
            update(LoginCounter)
            .where(LoginCounter.key == key)
            .values(
                failures=case((in_window, LoginCounter.failures + 1), else_=1),
                window_started_at=case((in_window, LoginCounter.window_started_at), else_=now),
                lockouts=case((recent, LoginCounter.lockouts), else_=0),
                last_failure_at=now,
            )
            .returning(LoginCounter.failures, LoginCounter.lockouts)
            .execution_options(synchronize_session=False)
        )
        for _ in range(2):
            row = (await self.uow.session.execute(counted)).first()
            if row is not None:
                return int(row.failures), int(row.lockouts)
            try:
                async with self.uow.session.begin_nested():
                    self.uow.session.add(
                        LoginCounter(
                            key=key,
                            failures=1,
                            window_started_at=now,
                            last_failure_at=now,
                            lockouts=0,
                            locked_until=None,
                        )
                    )
                return 1, 0
            except IntegrityError:  # another process counted the first failure at the same time
                continue
        raise RuntimeError(f"login counter {key} could be neither inserted nor updated")

    async def _lock(self, key: str, lockouts: int) -> None:
        now = self.uow.clock.now()
        seconds = min(
            self.settings.lockout_seconds * 2 ** min(lockouts, 30), self.settings.max_lockout_seconds
        )
        locked = await self.uow.session.execute(
            update(LoginCounter)
            # Only the attempt that reached the limit locks: a parallel one finds the counter reset.
            .where(LoginCounter.key == key, LoginCounter.failures >= self.settings.login_failures)
            .values(
                failures=0,
                window_started_at=now,
                lockouts=LoginCounter.lockouts + 1,
                locked_until=now + timedelta(seconds=seconds),
            )
            .execution_options(synchronize_session=False)
        )
        if locked.rowcount:  # type: ignore[attr-defined]
            kind, _, who = key.partition(":")
            log.warning(
                "auth.locked_out",
                kind=kind,
                who=who,
                failures=self.settings.login_failures,
                lockout=lockouts + 1,
                seconds=seconds,
            )

    async def prune(self, batch: int) -> int:
        """Delete counters nothing is left in: no lock-out running, and quiet for longer than both
        the window and the longest lock-out (so their next failure would start afresh anyway)."""
        now = self.uow.clock.now()
        quiet = max(self.settings.login_window_seconds, self.settings.max_lockout_seconds)
        stale = (
            select(LoginCounter.id)
            .where(
                LoginCounter.last_failure_at < now - timedelta(seconds=quiet),
                or_(LoginCounter.locked_until.is_(None), LoginCounter.locked_until <= now),
            )
            .order_by(LoginCounter.id)
            .limit(batch)
        )
        ids = list((await self.uow.session.scalars(stale)).all())
        if ids:
            await self.uow.session.execute(delete(LoginCounter).where(LoginCounter.id.in_(ids)))
        return len(ids)
