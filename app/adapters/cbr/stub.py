"""A stand-in for the Bank of Russia's web service (dev and demo): the packaged key-rate table as the
daily series the service would give, one row per weekday."""

from __future__ import annotations

import bisect
import csv
import io
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources

from app.services.kernel.ports import KeyRateObservation


def _packaged() -> list[tuple[date, Decimal]]:
    text = resources.files("app").joinpath("data", "key_rates.csv").read_text(encoding="utf-8")
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return sorted(
        (date.fromisoformat(row["effective_from"]), Decimal(row["rate_percent"]))
        for row in csv.DictReader(io.StringIO("\n".join(lines)))
    )


class StubKeyRates:
    """The ``KeyRateSource`` port in memory. It is not the Bank of Russia: it confirms nothing."""

    authoritative = False

    def __init__(self, changes: Iterable[tuple[date, Decimal]] | None = None) -> None:
        self._changes = sorted(_packaged() if changes is None else changes)

    async def key_rates(self, start: date, end: date) -> list[KeyRateObservation]:
        days = [day for day, _ in self._changes]
        observations = []
        day = start
        while day <= end:
            index = bisect.bisect_right(days, day) - 1
            if day.weekday() < 5 and index >= 0:
                observations.append(KeyRateObservation(day, self._changes[index][1]))
            day += timedelta(days=1)
        return observations
