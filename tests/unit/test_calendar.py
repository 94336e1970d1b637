"""The Russian business calendar: holidays, transferred days off, working Saturdays, deadlines."""

from __future__ import annotations

import datetime as dt
from datetime import UTC, date, datetime, time, timedelta

import pytest

from app.core.calendar import MOSCOW, BusinessCalendar, transfers_known_until

cal = BusinessCalendar()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2025, 11, 1), True),  # a Saturday made a working day (moved to 3 November)
        (date(2025, 11, 3), False),  # the transferred day off
        (date(2025, 11, 4), False),  # National Unity Day
        (date(2025, 11, 5), True),
        (date(2025, 11, 2), False),  # an ordinary Sunday
        (date(2026, 12, 1), True),  # an ordinary Tuesday
        (date(2026, 12, 5), False),  # an ordinary Saturday
        (date(2026, 12, 31), False),  # transferred day off (2026 decree)
        (date(2027, 1, 1), False),
        (date(2027, 1, 4), False),
        (date(2027, 1, 7), False),  # Christmas
        (date(2027, 1, 8), False),
        (date(2027, 1, 11), True),  # the first working day of 2027
        (date(2026, 5, 1), False),
        (date(2026, 6, 12), False),
    ],
)
def test_is_working_day(day: date, working: bool) -> None:
    assert cal.is_working_day(day) is working


def test_new_year_holidays_2027() -> None:
    for n in range(1, 9):
        assert not cal.is_working_day(date(2027, 1, n)), n


def test_next_and_previous_working_day() -> None:
    assert cal.next_working_day(date(2026, 12, 6)) == date(2026, 12, 7)  # Sunday -> Monday
    assert cal.next_working_day(date(2026, 12, 5)) == date(2026, 12, 7)  # Saturday -> Monday
    assert cal.next_working_day(date(2026, 12, 1)) == date(2026, 12, 1)  # a working day stays
    assert cal.next_working_day(date(2026, 12, 31)) == date(2027, 1, 11)
    assert cal.previous_working_day(date(2027, 1, 5)) == date(2026, 12, 30)
    assert cal.previous_working_day(date(2026, 12, 6)) == date(2026, 12, 4)
    assert cal.previous_working_day(date(2026, 12, 4)) == date(2026, 12, 4)


def test_add_working_days() -> None:
    assert cal.add_working_days(date(2026, 12, 1), 3) == date(2026, 12, 4)
    assert cal.add_working_days(date(2026, 12, 4), 1) == date(2026, 12, 7)  # over a weekend
    assert cal.add_working_days(date(2026, 12, 1), 10) == date(2026, 12, 15)
    assert cal.add_working_days(date(2026, 12, 30), 1) == date(2027, 1, 11)  # over the New Year
    assert cal.add_working_days(date(2026, 12, 29), 2) == date(2027, 1, 11)
    assert cal.add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 1)  # the working Saturday
    assert cal.add_working_days(date(2025, 11, 1), 1) == date(2025, 11, 5)  # over 2–4 November
    # Backwards.
    assert cal.add_working_days(date(2026, 12, 7), -1) == date(2026, 12, 4)
    assert cal.add_working_days(date(2027, 1, 11), -1) == date(2026, 12, 30)
    assert cal.add_working_days(date(2026, 12, 4), -3) == date(2026, 12, 1)
    assert cal.add_working_days(date(2025, 11, 5), -1) == date(2025, 11, 1)
    # Zero: the day itself when working, else the next working day.
    assert cal.add_working_days(date(2026, 12, 1), 0) == date(2026, 12, 1)
    assert cal.add_working_days(date(2026, 12, 6), 0) == date(2026, 12, 7)
    assert cal.add_working_days(date(2027, 1, 3), 0) == date(2027, 1, 11)


def test_add_then_subtract_is_the_identity_on_working_days() -> None:
    day = date(2026, 12, 1)
    for _ in range(60):
        for n in (1, 5, 17):
            assert cal.add_working_days(cal.add_working_days(day, n), -n) == day
        day = cal.add_working_days(day, 1)


def test_working_days_between() -> None:
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 4)) == 3
    assert cal.working_days_between(date(2026, 12, 4), date(2026, 12, 7)) == 1
    assert cal.working_days_between(date(2026, 12, 1), date(2026, 12, 1)) == 0
    assert cal.working_days_between(date(2026, 12, 7), date(2026, 12, 1)) == 0
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 11)) == 1
    assert cal.working_days_between(date(2026, 12, 30), date(2027, 1, 10)) == 0
    # December 2026: 31 days, 8 weekend days and the transferred 31st -> 22 working days.
    assert cal.working_days_between(date(2026, 11, 30), date(2026, 12, 31)) == 22
    for n in (1, 4, 9, 30):
        assert cal.working_days_between(date(2026, 12, 1), cal.add_working_days(date(2026, 12, 1), n)) == n


def test_local_date_and_at() -> None:
    assert cal.local_date(datetime(2026, 12, 1, 21, 0, tzinfo=UTC)) == date(2026, 12, 2)
    assert cal.local_date(datetime(2026, 12, 1, 20, 59, tzinfo=UTC)) == date(2026, 12, 1)
    moment = cal.at(date(2026, 12, 1), time(9, 0))
    assert moment.tzinfo is not None
    assert moment.astimezone(UTC) == datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def test_due_after() -> None:
    start = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Moscow
    due = cal.due_after(start, 3)
    assert due.tzinfo is not None
    assert due.utcoffset() == timedelta(hours=3)
    assert due.tzinfo == MOSCOW
    assert (due.date(), due.time()) == (date(2026, 12, 4), time(18, 0))
    assert due == datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    assert cal.due_after(start, 1, time(9, 30)) == datetime(2026, 12, 2, 6, 30, tzinfo=UTC)
    assert cal.due_after(start, 0) == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    # "The same working day" asked after its end (Tuesday 19:00 in Moscow): Wednesday's.
    assert cal.due_after(datetime(2026, 12, 1, 16, 0, tzinfo=UTC), 0) == datetime(
        2026, 12, 2, 15, 0, tzinfo=UTC
    )
    # Late evening UTC is already the next day in Moscow: counting starts from the Moscow date.
    late = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)  # Friday 01:00 in Moscow
    assert cal.due_after(late, 1) == datetime(2026, 12, 7, 15, 0, tzinfo=UTC)
    # One working day from Friday afternoon is Monday; "today" asked on a Sunday is Monday too.
    assert cal.due_after(datetime(2026, 12, 4, 12, 0, tzinfo=UTC), 1) == datetime(
        2026, 12, 7, 15, 0, tzinfo=UTC
    )
    assert cal.due_after(datetime(2026, 12, 5, 22, 0, tzinfo=UTC), 0) == datetime(
        2026, 12, 7, 15, 0, tzinfo=UTC
    )
    # 31 Dec 2026 (transferred), 1–8 Jan holidays, 9–10 Jan a weekend: the next working day is 11 Jan.
    assert cal.due_after(datetime(2026, 12, 30, 7, 0, tzinfo=UTC), 1) == datetime(
        2027, 1, 11, 15, 0, tzinfo=UTC
    )


def test_transfer_data_covers_next_year() -> None:
    """Fails when the installed ``holidays`` package lacks next year's transfer decree: upgrade it."""
    next_year = dt.date.today().year + 1
    assert transfers_known_until() >= next_year, (
        f"the holidays package knows transfers only until {transfers_known_until()}; "
        f"next year's ({next_year}) decree is missing: upgrade 'holidays'"
    )
