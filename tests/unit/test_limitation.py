"""The limitation period's dates and the acts' periods, by hand and against brute force."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.services.receivables.limitation import WARN_DAYS_BEFORE, add_years, expires_on, warning_cutoff
from app.services.receivables.reconciliations import last_month, last_quarter


def test_three_years_end_on_the_same_date_and_a_leap_day_on_the_28th() -> None:
    assert expires_on(date(2023, 12, 20)) == date(2026, 12, 20)
    assert expires_on(date(2024, 2, 29)) == date(2027, 2, 28)
    assert add_years(date(2027, 2, 28), -3) == date(2024, 2, 28)


@pytest.mark.parametrize(
    "start", [date(2026, 1, 1), date(2026, 11, 15), date(2027, 11, 20), date(2028, 2, 1)]
)
def test_the_cutoff_catches_exactly_the_periods_ending_within_90_days(start: date) -> None:
    for offset in range(0, 120):
        today = start + timedelta(days=offset)
        cutoff = warning_cutoff(today)
        limit = today + timedelta(days=WARN_DAYS_BEFORE)
        for delta in range(-5, 6):
            runs_from = cutoff + timedelta(days=delta)
            assert (runs_from <= cutoff) == (expires_on(runs_from) <= limit), (today, runs_from)


def test_the_last_month_and_quarter() -> None:
    assert last_month(date(2026, 12, 1)) == (date(2026, 11, 1), date(2026, 11, 30))
    assert last_month(date(2026, 1, 15)) == (date(2025, 12, 1), date(2025, 12, 31))
    assert last_month(date(2024, 3, 31)) == (date(2024, 2, 1), date(2024, 2, 29))
    assert last_quarter(date(2026, 12, 1)) == (date(2026, 7, 1), date(2026, 9, 30))
    assert last_quarter(date(2026, 1, 1)) == (date(2025, 10, 1), date(2025, 12, 31))
    assert last_quarter(date(2026, 4, 1)) == (date(2026, 1, 1), date(2026, 3, 31))
