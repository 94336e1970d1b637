"""The key-rate table: seeded from the packaged history, refreshed from the Bank of Russia, imported
from a CSV file; and the signal that it has gone stale.

The table holds change points: each row is the rate in force from its date until the next row's date.
The Bank of Russia's web service gives a daily series instead; ``merge_observations`` turns it into
change points and treats the series as authoritative for the days it covers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from importlib import resources

from sqlalchemy import func, select

from app.core.logging import get_logger
from app.models.rates import KeyRate, KeyRateRefresh, RateSource, RateStatus
from app.services.kernel.ports import KeyRateObservation
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.penalty.calculator import RateTimeline

log = get_logger(__name__)

CSV_COLUMNS = ("effective_from", "rate_percent", "status")
MAX_RATE = Decimal(100)


@dataclass(frozen=True, slots=True)
class RateRow:
    effective_from: date
    rate_percent: Decimal
    status: RateStatus = RateStatus.CONFIRMED


class RatesFileError(ValueError):
    """A key-rate file that cannot be read; the message names the line."""


def to_bp(rate: Decimal) -> int:
    """Percent -> hundredths of a percent; a rate finer than that is refused, never truncated."""
    hundredths = rate * 100
    if hundredths != hundredths.to_integral_value():
        raise ValueError(f"rate {rate}: the table keeps at most two decimals")
    return int(hundredths)


def from_bp(rate_bp: int) -> Decimal:
    return (Decimal(rate_bp) / 100).quantize(Decimal("0.01"))


def parse_rates_csv(text: str) -> list[RateRow]:
    """``effective_from,rate_percent[,status]`` with a header line; lines starting with ``#`` are
    comments. Dates are ISO, rates are percent with at most two decimals."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    reader = csv.DictReader(io.StringIO("\n".join(lines)))
    fields = [name.strip() for name in reader.fieldnames or []]
    if fields[:2] != list(CSV_COLUMNS[:2]):
        raise RatesFileError(f"the header must be {','.join(CSV_COLUMNS)} (status optional), got {fields}")
    rows: dict[date, RateRow] = {}
    for number, raw in enumerate(reader, start=2):
        record = {(k or "").strip(): (v or "").strip() for k, v in raw.items()}
        try:
            day = date.fromisoformat(record["effective_from"])
        except ValueError:
            raise RatesFileError(f"row {number}: effective_from is not an ISO date") from None
        try:
            rate = Decimal(record["rate_percent"].replace(",", "."))
        except InvalidOperation:
            raise RatesFileError(f"row {number}: rate_percent is not a number") from None
        if not rate.is_finite() or not 0 <= rate < MAX_RATE or rate != rate.quantize(Decimal("0.01")):
            raise RatesFileError(f"row {number}: rate_percent must be 0..100 with at most two decimals")
        try:
            status = RateStatus(record.get("status") or RateStatus.CONFIRMED)
        except ValueError:
            allowed = ", ".join(s.value for s in RateStatus)
            raise RatesFileError(f"row {number}: status must be one of {allowed}") from None
        if day in rows:
            raise RatesFileError(f"row {number}: {day.isoformat()} is given twice")
        rows[day] = RateRow(day, rate, status)
    if not rows:
        raise RatesFileError("the file has no rows")
    return sorted(rows.values(), key=lambda row: row.effective_from)


def packaged_rates() -> list[RateRow]:
    """The history shipped with the application (app/data/key_rates.csv)."""
    text = resources.files("app").joinpath("data", "key_rates.csv").read_text(encoding="utf-8")
    return parse_rates_csv(text)


def change_points(observations: Iterable[KeyRateObservation]) -> list[tuple[date, Decimal]]:
    """A daily series -> the days the rate changed (the first day of the series included)."""
    points: list[tuple[date, Decimal]] = []
    for item in sorted(observations, key=lambda o: o.day):
        if points and points[-1][0] == item.day:
            raise ValueError(f"the series gives {item.day.isoformat()} twice")
        if not points or points[-1][1] != item.rate_percent:
            points.append((item.day, item.rate_percent))
    return points


@dataclass(frozen=True, slots=True)
class Staleness:
    stale: bool
    last_refresh: datetime | None
    detail: str


class KeyRateService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def timeline(self) -> RateTimeline:
        rows = (await self.uow.session.execute(select(KeyRate.effective_from, KeyRate.rate_bp))).all()
        return RateTimeline.of((day, from_bp(bp)) for day, bp in rows)

    async def unconfirmed(self) -> set[date]:
        """The effective dates of rows not yet checked against the Bank of Russia."""
        query = select(KeyRate.effective_from).where(KeyRate.status == RateStatus.UNCONFIRMED)
        return set((await self.uow.session.scalars(query)).all())

    async def rows(self) -> Sequence[KeyRate]:
        return (await self.uow.session.scalars(select(KeyRate).order_by(KeyRate.effective_from))).all()

    async def seed_if_empty(self) -> int:
        """Load the packaged history into an empty table (a table with rows is left as it is)."""
        if await self.uow.session.scalar(select(func.count()).select_from(KeyRate)):
            return 0
        return await self.upsert(packaged_rates(), RateSource.SEED)

    async def upsert(self, rows: Iterable[RateRow], source: RateSource) -> int:
        """Insert new change points and correct existing ones; returns how many rows changed."""
        existing = {row.effective_from: row for row in await self.rows()}
        now = self.uow.clock.now()
        changed = 0
        for row in rows:
            current = existing.get(row.effective_from)
            if current is None:
                self.uow.session.add(
                    KeyRate(
                        effective_from=row.effective_from,
                        rate_bp=to_bp(row.rate_percent),
                        status=row.status,
                        source=source,
                        updated_at=now,
                    )
                )
                changed += 1
            elif current.rate_bp != to_bp(row.rate_percent) or current.status != row.status:
                current.rate_bp = to_bp(row.rate_percent)
                current.status = row.status
                current.source = source
                current.updated_at = now
                changed += 1
        await self.uow.session.flush()
        return changed

    async def merge_observations(
        self, observations: Sequence[KeyRateObservation], *, authoritative: bool = True
    ) -> int:
        """Take the published daily series as the truth for the days it covers: every change point it
        shows is stored, and every stored row within its span gets the rate the series gives for that
        day. Rows outside the span are not touched. Only an authoritative source (the Bank of Russia
        itself, not the stub) confirms rows. Returns the rows changed."""
        points = change_points(observations)
        if not points:
            return 0
        first, last = points[0][0], max(o.day for o in observations)
        series = RateTimeline.of(points)
        stored = {row.effective_from: row for row in await self.rows()}
        candidates = sorted({day for day, _ in points} | {d for d in stored if first <= d <= last})
        known = {day: from_bp(row.rate_bp) for day, row in stored.items()}
        updates: list[RateRow] = []
        for day in candidates:
            rate = series.rate_on(day)
            assert rate is not None  # every candidate is on or after the series' first day
            if day in known or RateTimeline.of(known.items()).rate_on(day) != rate:
                if authoritative:
                    status = RateStatus.CONFIRMED
                elif day in stored and from_bp(stored[day].rate_bp) == rate:
                    status = stored[day].status
                else:
                    status = RateStatus.UNCONFIRMED
                updates.append(RateRow(day, rate, status))
                known[day] = rate
        return await self.upsert(updates, RateSource.CBR if authoritative else RateSource.SEED)

    async def record_refresh(
        self, source: RateSource, *, ok: bool, changed: int = 0, error: str | None = None
    ) -> None:
        self.uow.session.add(
            KeyRateRefresh(source=source, at=self.uow.clock.now(), ok=ok, changed=changed, error=error)
        )
        await self.uow.session.flush()

    async def last_refresh(self) -> datetime | None:
        at: datetime | None = await self.uow.session.scalar(
            select(func.max(KeyRateRefresh.at)).where(KeyRateRefresh.ok.is_(True))
        )
        return at

    async def staleness(self, stale_after: timedelta) -> Staleness:
        """Stale when no refresh (the job or an import) has succeeded within ``stale_after``."""
        last = await self.last_refresh()
        now = self.uow.clock.now()
        if last is None:
            return Staleness(True, None, "stale: never refreshed")
        if now - last > stale_after:
            return Staleness(True, last, f"stale: last refreshed {last.date().isoformat()}")
        return Staleness(False, last, "ok")
