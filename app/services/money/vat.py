"""VAT rates as dated data.

Russia: 20% until 2025-12-31, 22% from 2026-01-01 (Federal Law of 2025-11-28 No. 425-FZ). Workwear
is not among the goods taxed at the reduced 10% rate, so one schedule serves every invoice line.
The table is data so settings can override it when the law changes again.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from itertools import pairwise
from typing import TypeAlias

RateLike: TypeAlias = Decimal | int | str
DayLike: TypeAlias = date | str


def _as_day(value: DayLike) -> date:
    # A datetime is a date subclass, but its calendar day depends on a time zone: refuse it.
    if isinstance(value, datetime):
        raise TypeError("effective_from: expected a date, got a datetime")
    if isinstance(value, date):
        return value
    return date.fromisoformat(value)


def _as_rate(value: RateLike) -> Decimal:
    # float is refused on purpose: 0.2 is not exactly representable.
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise TypeError(f"rate: expected Decimal, int or str, got {type(value).__name__}")
    return Decimal(value)


@dataclass(frozen=True, slots=True)
class VatSchedule:
    """VAT rates in percent, each valid from its date until the next row's date."""

    rows: tuple[tuple[date, Decimal], ...]

    def __post_init__(self) -> None:
        if not self.rows:
            raise ValueError("rows: a VAT schedule needs at least one row")
        for effective_from, rate in self.rows:
            if isinstance(effective_from, datetime) or not isinstance(effective_from, date):
                raise TypeError("effective_from: expected a date")
            if not isinstance(rate, Decimal) or not rate.is_finite():
                raise TypeError("rate: expected a finite Decimal")
            if not Decimal(0) <= rate < Decimal(100):
                raise ValueError(f"rate: {rate} is outside 0..100 percent")
        days = [row[0] for row in self.rows]
        if any(earlier >= later for earlier, later in pairwise(days)):
            raise ValueError("rows: effective_from dates must be strictly increasing")

    @classmethod
    def from_rows(cls, rows: Mapping[DayLike, RateLike] | Iterable[tuple[DayLike, RateLike]]) -> VatSchedule:
        """Build a schedule from settings: a mapping or pairs, ISO date strings and decimal strings
        accepted, in any order."""
        pairs = rows.items() if isinstance(rows, Mapping) else rows
        parsed = sorted((_as_day(day), _as_rate(rate)) for day, rate in pairs)
        return cls(tuple(parsed))

    def rate_on(self, day: date) -> Decimal:
        """The VAT rate in percent on a calendar day (the invoice date, a Moscow day)."""
        if isinstance(day, datetime):
            raise TypeError("day: expected a date, got a datetime")
        index = bisect.bisect_right([row[0] for row in self.rows], day) - 1
        if index < 0:
            raise ValueError(f"day: no VAT rate is known before {self.rows[0][0].isoformat()}")
        return self.rows[index][1]


RUSSIA_VAT = VatSchedule(((date(2019, 1, 1), Decimal("20")), (date(2026, 1, 1), Decimal("22"))))
