"""The collection case's deadlines on the Russian business calendar, computed by hand.

May 2026: Friday the 1st to Sunday the 3rd are holidays, Saturday the 9th is Victory Day and its
day off moves to Monday the 11th; the 4th–8th and the 12th on are working days."""

from __future__ import annotations

from datetime import date

import pytest

from app.core.calendar import BusinessCalendar
from app.services.receivables.collection import policy

CAL = BusinessCalendar()


def test_a_debt_is_overdue_after_the_due_date_or_the_next_working_day() -> None:
    assert policy.overdue_from(date(2026, 5, 6), CAL) == date(2026, 5, 7)  # a Wednesday
    # Due on Saturday the 9th: paying on Tuesday the 12th is on time (art. 193).
    assert policy.overdue_from(date(2026, 5, 9), CAL) == date(2026, 5, 13)
    assert policy.days_overdue(date(2026, 5, 9), date(2026, 5, 12), CAL) == 0
    assert policy.days_overdue(date(2026, 5, 9), date(2026, 5, 15), CAL) == 3


@pytest.mark.parametrize(
    ("promised", "reason"),
    [
        (date(2026, 5, 4), None),  # today
        (date(2026, 5, 11), None),  # 7 calendar days ahead, holidays included
        (date(2026, 5, 12), "more than 7 calendar days ahead: the latest is 2026-05-11"),
        (date(2026, 5, 3), "in the past"),
    ],
)
def test_the_promised_date_is_at_most_seven_calendar_days_ahead(promised: date, reason: str | None) -> None:
    found = policy.check_promise(promised, date(2026, 5, 4))
    assert (found is None) if reason is None else (found is not None and reason in found)


def test_the_call_before_the_promised_date_and_the_breach_after_it() -> None:
    # Promised for Tuesday the 12th: the working day before is Friday the 8th.
    assert policy.confirmation_call_on(date(2026, 5, 12), CAL) == date(2026, 5, 8)
    # Promised for Friday the 8th: broken when nothing came by its end; the next working day is the 12th.
    assert policy.breach_on(date(2026, 5, 8), CAL) == date(2026, 5, 12)
    assert policy.breach_on(date(2026, 5, 6), CAL) == date(2026, 5, 7)
    # Promised for a holiday (the 9th): its term ends on the 12th, broken on the 13th.
    assert policy.breach_on(date(2026, 5, 9), CAL) == date(2026, 5, 13)
    assert policy.escalation_due(date(2026, 5, 8), CAL) == date(2026, 5, 12)


def test_two_working_days_of_waiting_then_the_lawyer() -> None:
    # Negotiations end on Thursday the 7th: the wait is the 8th and the 12th, the claim is asked on the 13th.
    assert policy.wait_ends(date(2026, 5, 7), CAL) == date(2026, 5, 13)
    assert policy.claim_prepare_due(date(2026, 5, 13), CAL) == date(2026, 5, 14)


def test_thirty_calendar_days_after_sending_before_court() -> None:
    # Sent 3 April: the 30th day is Sunday 3 May, a holiday; the term ends Monday the 4th (art. 193),
    # court from Tuesday the 5th.
    assert policy.court_allowed_on(date(2026, 4, 3), CAL) == date(2026, 5, 5)
    # Sent Wednesday 10 June: the 30th day is Friday 10 July, court from Saturday the 11th.
    assert policy.court_allowed_on(date(2026, 6, 10), CAL) == date(2026, 7, 11)
    assert policy.claim_payment_term(date(2026, 6, 10)) == date(2026, 6, 20)


def test_the_letter_is_followed_up_five_calendar_days_after_sending() -> None:
    assert policy.tracking_check_on(date(2026, 5, 4), CAL) == date(2026, 5, 12)  # the 9th, then the 11th off
    assert policy.tracking_check_on(date(2026, 6, 1), CAL) == date(2026, 6, 8)  # Saturday the 6th -> Monday


def test_checkpoints_twice_a_week_on_working_days() -> None:
    assert policy.checkpoint_days(date(2026, 5, 1), date(2026, 5, 20), CAL) == [
        date(2026, 5, 4),  # Monday
        date(2026, 5, 7),  # Thursday
        date(2026, 5, 12),  # Monday the 11th is a day off: Tuesday
        date(2026, 5, 14),
        date(2026, 5, 18),
    ]
    assert policy.checkpoint_days(date(2026, 5, 13), date(2026, 5, 13), CAL) == []
