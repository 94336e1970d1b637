"""Every deadline of the collection case, in one place (process 4, "when a debt is overdue").

Pure functions of dates and the business calendar, so each rule is checked by unit tests:

* A debt is overdue the day after its due date; when the due date is not a working day, the day
  after the next working day (Civil Code art. 193: paying on that working day is on time).
* The guarantee letter promises payment no more than 7 calendar days ahead of the day it is
  received (the regulation: "не более чем на 7 календарных дней").
* A letter not received within 2 working days of the request counts as refused: the next working
  day after them the case escalates as on a refusal (the target is no overdue debt, so a request
  nobody answers must not keep the case waiting).
* The confirmation call: the working day before the promised date.
* The promise is broken when nothing came by the end of the promised date (art. 193 again): the
  call to find out why is the next working day after it, and the head gets the case within one
  working day of that.
* After the negotiations, a wait of 2 working days for the money; then the lawyer is asked for the
  claim letter and the penalty calculation (one working day to prepare it).
* The approved claim is sent the same day; its letter is followed for 5 calendar days and until it
  is delivered.
* Court: a dispute may go to the arbitration court once 30 calendar days have passed since the claim
  was sent (Arbitration Procedure Code art. 4 part 5). The term runs from the day after sending; when
  its last day is not a working day it ends on the next working day (art. 193); court is allowed from
  the day after it ends.
* In court: a checkpoint with the department head twice a week, on Mondays and Thursdays (the
  working day on or after each).
"""

from __future__ import annotations

from datetime import date, time, timedelta

from app.core.calendar import BusinessCalendar

GUARANTEE_MAX_DAYS = 7
# The answer to the request for a guarantee letter: one working day for the assistant's task to get
# it (due the working day after the request), one more for the client to sign and send it; with no
# letter by the end of the second working day the case escalates, as a refusal does.
GUARANTEE_ANSWER_WORKING_DAYS = 2
WAIT_WORKING_DAYS = 2
CLAIM_PREPARE_WORKING_DAYS = 1
ESCALATION_WORKING_DAYS = 1
TRACKING_DAYS = 5
PRE_TRIAL_DAYS = 30
CLAIM_PAYMENT_TERM_DAYS = 10  # the demand in the claim: pay within 10 calendar days of receiving it
CHECKPOINT_WEEKDAYS = (0, 3)  # Monday, Thursday
DUE_TIME = time(18, 0)


def overdue_from(due_on: date, calendar: BusinessCalendar) -> date:
    """The first day the debt is overdue."""
    return calendar.next_working_day(due_on) + timedelta(days=1)


def latest_promise(received_on: date) -> date:
    return received_on + timedelta(days=GUARANTEE_MAX_DAYS)


def check_promise(promised_on: date, today: date) -> str | None:
    """Why a promised date cannot be taken, or None."""
    if promised_on < today:
        return f"is in the past (today is {today.isoformat()})"
    if promised_on > latest_promise(today):
        return (
            f"is more than {GUARANTEE_MAX_DAYS} calendar days ahead: "
            f"the latest is {latest_promise(today).isoformat()}"
        )
    return None


def guarantee_overdue_on(requested_on: date, calendar: BusinessCalendar) -> date:
    """The day a guarantee letter requested on ``requested_on`` and not received counts as refused:
    the next working day after the working days given for the answer."""
    answer_by = calendar.add_working_days(requested_on, GUARANTEE_ANSWER_WORKING_DAYS)
    return calendar.next_working_day(answer_by + timedelta(days=1))


def confirmation_call_on(promised_on: date, calendar: BusinessCalendar) -> date:
    return calendar.previous_working_day(promised_on - timedelta(days=1))


def breach_on(promised_on: date, calendar: BusinessCalendar) -> date:
    """The day the promise counts as broken if the money has not come: the next working day after
    the promised date's term ends."""
    return calendar.next_working_day(calendar.next_working_day(promised_on) + timedelta(days=1))


def escalation_due(breached_on: date, calendar: BusinessCalendar) -> date:
    return calendar.add_working_days(breached_on, ESCALATION_WORKING_DAYS)


def wait_ends(negotiated_on: date, calendar: BusinessCalendar) -> date:
    """The day the lawyer is asked for the claim letter: after 2 working days of waiting."""
    return calendar.add_working_days(negotiated_on, WAIT_WORKING_DAYS + 1)


def claim_prepare_due(requested_on: date, calendar: BusinessCalendar) -> date:
    return calendar.add_working_days(requested_on, CLAIM_PREPARE_WORKING_DAYS)


def tracking_check_on(sent_on: date, calendar: BusinessCalendar) -> date:
    """The working day on which an undelivered letter is followed up at the post office."""
    return calendar.next_working_day(sent_on + timedelta(days=TRACKING_DAYS))


def court_allowed_on(sent_on: date, calendar: BusinessCalendar) -> date:
    return calendar.next_working_day(sent_on + timedelta(days=PRE_TRIAL_DAYS)) + timedelta(days=1)


def claim_payment_term(sent_on: date) -> date:
    return sent_on + timedelta(days=CLAIM_PAYMENT_TERM_DAYS)


def checkpoint_days(start: date, end: date, calendar: BusinessCalendar) -> list[date]:
    """The checkpoints from ``start`` to ``end`` inclusive: each Monday and Thursday moved to the
    working day on or after it (one per week day, never two on the same day)."""
    days: list[date] = []
    day = start - timedelta(days=6)
    while day <= end:
        if day.weekday() in CHECKPOINT_WEEKDAYS:
            working = calendar.next_working_day(day)
            if start <= working <= end and working not in days:
                days.append(working)
        day += timedelta(days=1)
    return days


def days_overdue(due_on: date, today: date, calendar: BusinessCalendar) -> int:
    first = overdue_from(due_on, calendar)
    return max((today - first).days + 1, 0)


# The deadlines a case shows, by name, in the regulation's order.
DEADLINE_STEPS = (
    "guarantee_answer",
    "confirmation_call",
    "promise_breach",
    "claim_request",
    "claim_prepared",
    "tracking_check",
    "claim_payment",
    "court_allowed",
)


def case_deadlines(
    *,
    opened_on: date,
    promised_on: date | None,
    negotiated_on: date | None,
    wait_ends_on: date | None,
    claim_requested_on: date | None,
    claim_sent_on: date | None,
    court_allowed: date | None,
    calendar: BusinessCalendar,
) -> list[tuple[str, date]]:
    """Each deadline of the case that its facts so far fix, by the rules above: the day the
    guarantee letter counts as refused, the confirmation call and the day the promise is broken, the
    day the lawyer is asked for the claim and the day it is due, the post's follow-up, the claim's
    payment term and the first day the case may go to court."""
    days: list[tuple[str, date]] = [("guarantee_answer", guarantee_overdue_on(opened_on, calendar))]
    if promised_on is not None:
        days.append(("confirmation_call", confirmation_call_on(promised_on, calendar)))
        days.append(("promise_breach", breach_on(promised_on, calendar)))
    if negotiated_on is not None:
        days.append(("claim_request", wait_ends_on or wait_ends(negotiated_on, calendar)))
    if claim_requested_on is not None:
        days.append(("claim_prepared", claim_prepare_due(claim_requested_on, calendar)))
    if claim_sent_on is not None:
        days.append(("tracking_check", tracking_check_on(claim_sent_on, calendar)))
        days.append(("claim_payment", claim_payment_term(claim_sent_on)))
        days.append(("court_allowed", court_allowed or court_allowed_on(claim_sent_on, calendar)))
    return days
