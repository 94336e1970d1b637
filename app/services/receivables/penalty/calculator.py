"""The penalty calculator: interest under art. 395 of the Civil Code, or a contract's penalty.

Pure computation: the key-rate timeline and the business calendar come in as data, nothing is read
from anywhere, so every rule below is checked by unit tests with hand-computed figures.

Rules (``../shared/spec/integrations.md``, "Key rate and penalties"):

* Interest runs from the day after the due date; when the due date is not a working day, the term
  ends on the next working day (Civil Code art. 193) and interest runs from the day after that.
* It runs through ``until`` inclusive. A payment reduces the debt from the day after the payment, so
  the payment day itself still bears interest on the amount paid.
* A period splits at every change of the key rate, every payment and every year end. Each period
  uses the real length of its year (365 or 366 days): debt × rate × days / days in the year.
* Each period's amount is rounded half-up to the kopeck; the total is the sum of the periods.
* The 2022 moratorium (Government decree No. 497 of 2022-03-28): no penalty from 2022-04-01 to
  2022-10-01 inclusive on debts that arose before 2022-04-01. The request carries only the due date,
  so a debt due before 2022-04-01 is taken to have arisen before it.
* A contractual penalty is a percent of the debt a day (no year length), optionally capped at a
  percent of the principal; the periods still split at payments and the moratorium.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from itertools import pairwise

from app.core.calendar import BusinessCalendar
from app.core.db import KOPECK
from app.core.errors import FieldError

# Art. 395 has used the Bank of Russia key rate since this day (Federal Law of 2016-07-03 No. 315-FZ).
KEY_RATE_SINCE = date(2016, 8, 1)
MORATORIUM_2022 = (date(2022, 4, 1), date(2022, 10, 1))  # both inclusive
HUNDRED = Decimal(100)


class Method(StrEnum):
    KEY_RATE = "key_rate"  # art. 395 of the Civil Code
    CONTRACTUAL = "contractual"  # the contract's penalty (неустойка), art. 330


@dataclass(frozen=True, slots=True)
class Payment:
    day: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class RateTimeline:
    """Key rates in percent a year, each in force from its date until the next row's date."""

    rows: tuple[tuple[date, Decimal], ...]

    def __post_init__(self) -> None:
        if any(a[0] >= b[0] for a, b in pairwise(self.rows)):
            raise ValueError("rows: effective_from dates must be strictly increasing")

    @classmethod
    def of(cls, rows: Iterable[tuple[date, Decimal]]) -> RateTimeline:
        return cls(tuple(sorted(rows)))

    @property
    def first_day(self) -> date | None:
        return self.rows[0][0] if self.rows else None

    def rate_on(self, day: date) -> Decimal | None:
        index = bisect.bisect_right([row[0] for row in self.rows], day) - 1
        return self.rows[index][1] if index >= 0 else None

    def in_force_since(self, day: date) -> date | None:
        """The effective date of the row in force on ``day``."""
        index = bisect.bisect_right([row[0] for row in self.rows], day) - 1
        return self.rows[index][0] if index >= 0 else None

    def changes_within(self, first: date, last: date) -> list[date]:
        """Days in (first, last] on which a new rate comes into force."""
        return [day for day, _ in self.rows if first < day <= last]


@dataclass(frozen=True, slots=True)
class Request:
    method: Method
    principal: Decimal
    due_date: date
    until: date
    payments: tuple[Payment, ...] = ()
    rate_per_day_percent: Decimal | None = None
    cap_percent: Decimal | None = None
    moratorium_2022: bool = True


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date
    days: int
    principal: Decimal
    rate_percent: Decimal
    days_in_year: int | None  # None for a contractual penalty (its rate is per day)
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Excluded:
    start: date
    end: date
    days: int
    reason: str


@dataclass(frozen=True, slots=True)
class Result:
    method: Method
    accrues_from: date
    total: Decimal
    days: int
    periods: tuple[Period, ...]
    excluded: tuple[Excluded, ...]
    uncapped_total: Decimal
    cap_amount: Decimal | None


def days_in_year(year: int) -> int:
    return 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365


def round_kopeck(value: Decimal) -> Decimal:
    return value.quantize(KOPECK, rounding=ROUND_HALF_UP)


def accrues_from(due_date: date, calendar: BusinessCalendar) -> date:
    """The first day of delay: the day after the due date, or after the next working day when the
    due date is not a working day (Civil Code art. 193)."""
    return calendar.next_working_day(due_date) + timedelta(days=1)


def validate(request: Request, timeline: RateTimeline | None = None) -> None:
    """The request's own rules; each failure names its field (a 422 at the API)."""
    if request.principal <= 0:
        raise FieldError("principal", "must be greater than 0")
    if request.due_date < KEY_RATE_SINCE:
        raise FieldError("due_date", f"a calculation can start no earlier than {KEY_RATE_SINCE.isoformat()}")
    if request.until < request.due_date:
        raise FieldError("until", "must be on or after due_date")
    paid = Decimal(0)
    for index, payment in enumerate(request.payments):
        if payment.amount <= 0:
            raise FieldError(f"payments.{index}.amount", "must be greater than 0")
        if not request.due_date <= payment.day <= request.until:
            raise FieldError(f"payments.{index}.date", "must be from due_date to until")
        paid += payment.amount
    if paid > request.principal:
        raise FieldError("payments", f"the payments ({paid}) exceed the principal ({request.principal})")
    if request.method is Method.CONTRACTUAL:
        if request.rate_per_day_percent is None:
            raise FieldError("rate_per_day_percent", "is required for the contractual method")
        if not 0 < request.rate_per_day_percent <= 1:
            raise FieldError("rate_per_day_percent", "must be more than 0 and at most 1 (percent a day)")
        if request.cap_percent is not None and not 0 < request.cap_percent <= HUNDRED:
            raise FieldError("cap_percent", "must be more than 0 and at most 100")
    else:
        for name in ("rate_per_day_percent", "cap_percent"):
            if getattr(request, name) is not None:
                raise FieldError(name, "applies to the contractual method only")
        first = timeline.first_day if timeline is not None else None
        start = request.due_date
        if first is None or start < first:
            known = f"from {first.isoformat()}" if first else "at all"
            raise FieldError(
                "due_date", f"no key rate is known for {start.isoformat()} (the table has rates {known})"
            )


def _moratorium(request: Request) -> tuple[date, date] | None:
    if request.moratorium_2022 and request.due_date < MORATORIUM_2022[0]:
        return MORATORIUM_2022
    return None


def calculate(request: Request, calendar: BusinessCalendar, timeline: RateTimeline | None = None) -> Result:
    """Split the delay into periods and compute each one; ``timeline`` is needed for ``key_rate``."""
    validate(request, timeline)
    start = accrues_from(request.due_date, calendar)
    end = request.until
    key_rate = request.method is Method.KEY_RATE
    if key_rate:
        assert timeline is not None  # validate() refused a missing timeline
    moratorium = _moratorium(request)

    # The debt on each day: the principal less every payment made before that day.
    payments = sorted(request.payments, key=lambda p: p.day)

    def debt_on(day: date) -> Decimal:
        return request.principal - sum((p.amount for p in payments if p.day < day), Decimal(0))

    cuts = {start, end + timedelta(days=1)}
    cuts.update(p.day + timedelta(days=1) for p in payments)
    if key_rate:
        assert timeline is not None
        cuts.update(timeline.changes_within(start, end))
        cuts.update(date(year, 1, 1) for year in range(start.year + 1, end.year + 1))
    if moratorium is not None:
        cuts.update({moratorium[0], moratorium[1] + timedelta(days=1)})
    bounds = sorted(day for day in cuts if start <= day <= end + timedelta(days=1))

    periods: list[Period] = []
    excluded: list[Excluded] = []
    for first, after in pairwise(bounds):
        last = after - timedelta(days=1)
        days = (after - first).days
        principal = debt_on(first).quantize(KOPECK)
        if principal <= 0:
            break
        if moratorium is not None and moratorium[0] <= first <= moratorium[1]:
            excluded.append(Excluded(first, last, days, "moratorium_2022"))
            continue
        if key_rate:
            assert timeline is not None
            rate = timeline.rate_on(first)
            if rate is None:  # validate() checked the first day; the timeline only goes forward
                raise FieldError("due_date", f"no key rate is known for {first.isoformat()}")
            length = days_in_year(first.year)
            year_days: int | None = length
            amount = round_kopeck(principal * rate * days / (HUNDRED * length))
        else:
            assert request.rate_per_day_percent is not None
            rate = request.rate_per_day_percent
            year_days = None
            amount = round_kopeck(principal * rate * days / HUNDRED)
        periods.append(Period(first, last, days, principal, rate, year_days, amount))

    uncapped = sum((p.amount for p in periods), Decimal(0)).quantize(KOPECK)
    cap = None
    if request.method is Method.CONTRACTUAL and request.cap_percent is not None:
        cap = round_kopeck(request.principal * request.cap_percent / HUNDRED)
    total = min(uncapped, cap) if cap is not None else uncapped
    return Result(
        method=request.method,
        accrues_from=start,
        total=total,
        days=sum(p.days for p in periods),
        periods=tuple(periods),
        excluded=tuple(merge_excluded(excluded)),
        uncapped_total=uncapped,
        cap_amount=cap,
    )


def merge_excluded(parts: Sequence[Excluded]) -> list[Excluded]:
    """Adjacent excluded pieces (split by a payment or a rate change) shown as one stretch."""
    merged: list[Excluded] = []
    for part in parts:
        if merged and merged[-1].reason == part.reason and merged[-1].end + timedelta(days=1) == part.start:
            last = merged[-1]
            merged[-1] = Excluded(last.start, part.end, last.days + part.days, part.reason)
        else:
            merged.append(part)
    return merged
