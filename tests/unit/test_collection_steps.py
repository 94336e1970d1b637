"""What is due on a collection case on a given day, without a database: the regulation's process 4
("when a debt is overdue") step by step, on the Russian business calendar.

December 2026: the 9th is a Wednesday; the 12th–13th, 19th–20th a weekend. The new year's holidays
run from 31 December (a day off by transfer) to 11 January 2027."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.core.calendar import BusinessCalendar
from app.models.clients import ClientContact, ContactLevel
from app.models.collection import CaseStage, CollectionCase
from app.models.invoices import Invoice
from app.models.tasks import TaskKind
from app.services.receivables.collection import policy
from app.services.receivables.collection.steps import CaseFacts, Move, Task, Who, steps_due
from app.services.receivables.collection.workflow import Overdue

CAL = BusinessCalendar()


def _case(stage: CaseStage, **fields: object) -> CollectionCase:
    defaults: dict[str, object] = {
        "id": 7,
        "client_id": 3,
        "episode": 1,
        "stage": stage,
        "opened_on": date(2026, 12, 1),
        "guarantee_refused": False,
        "tracking_number": "10100087654329",
    }
    return CollectionCase(**(defaults | fields))


def _facts(made: frozenset[str] = frozenset()) -> CaseFacts:
    invoice = Invoice(
        number="С-12",
        issued_on=date(2026, 11, 1),
        due_on=date(2026, 11, 20),
        total=Decimal("120000.00"),
        paid_total=Decimal("20000.00"),
    )
    buyer = ClientContact(level=ContactLevel.BUYER, name="Пётр", phones=["+79990001122"], emails=[])
    director = ClientContact(level=ContactLevel.DIRECTOR, name="Иван", phones=[], emails=["d@x.ru"])
    return CaseFacts(client_name="Альфа", debt=Overdue([invoice]), contacts=(director, buyer), made=made)


def _plan(steps: list[Move | Task]) -> list[tuple[str, object]]:
    """Each step as (what it is, whom or which stage): the shape the regulation fixes."""
    return [(s.event, s.stage) if isinstance(s, Move) else (s.key, s.to) for s in steps]


ESCALATION = [("escalated", CaseStage.ESCALATED), ("breach_call", Who.ASSIGNEE), ("escalation", Who.HEAD)]


@pytest.mark.parametrize(
    ("rule", "case", "today", "expected"),
    [
        # 1. The guarantee letter is asked for; no letter by the end of the second working day after
        # the request counts as a refusal: the case escalates the next working day.
        (
            "no letter yet, still in time",
            _case(CaseStage.GUARANTEE_REQUESTED, opened_on=date(2026, 12, 9)),
            date(2026, 12, 11),
            [],
        ),
        (
            "no letter in time",
            _case(CaseStage.GUARANTEE_REQUESTED, opened_on=date(2026, 12, 9)),
            date(2026, 12, 14),
            ESCALATION,
        ),
        # 2. The working day before the promised date: a call to confirm the payment.
        (
            "two days before the promise",
            _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17)),
            date(2026, 12, 15),
            [],
        ),
        (
            "the day before the promise",
            _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17)),
            date(2026, 12, 16),
            [("promise_call", Who.ASSIGNEE)],
        ),
        (
            "a promise on Monday is called on Friday",
            _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 14)),
            date(2026, 12, 11),
            [("promise_call", Who.ASSIGNEE)],
        ),
        (
            "the promised day itself: the money may still come",
            _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17)),
            date(2026, 12, 17),
            [("promise_call", Who.ASSIGNEE)],
        ),
        # 3–4. The day after the promised date with no money: a call for the reason, the head gets
        # the case (within one working day).
        (
            "the promise broken",
            _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17)),
            date(2026, 12, 18),
            ESCALATION,
        ),
        # 5–6. After the negotiations, two working days for the money; then the lawyer is asked
        # for the claim letter and the penalty calculation.
        (
            "waiting the two working days",
            _case(CaseStage.WAITING, negotiated_on=date(2026, 12, 9)),
            date(2026, 12, 11),
            [],
        ),
        (
            "the wait is over",
            _case(CaseStage.WAITING, negotiated_on=date(2026, 12, 9)),
            date(2026, 12, 14),
            [("claim_requested", CaseStage.CLAIM_REQUESTED), ("claim_request", Who.LAWYER)],
        ),
        (
            "a wait the negotiations set longer",
            _case(CaseStage.WAITING, negotiated_on=date(2026, 12, 9), wait_ends_on=date(2026, 12, 16)),
            date(2026, 12, 15),
            [],
        ),
        # 7. The letter is followed for 5 calendar days; not delivered by then: the post office.
        (
            "the letter on its way",
            _case(CaseStage.CLAIM_SENT, claim_sent_on=date(2026, 12, 9), court_allowed_on=date(2027, 1, 12)),
            date(2026, 12, 11),
            [],
        ),
        (
            "not delivered in 5 days",
            _case(CaseStage.CLAIM_SENT, claim_sent_on=date(2026, 12, 9), court_allowed_on=date(2027, 1, 12)),
            date(2026, 12, 14),
            [("tracking_followup", Who.ASSIGNEE)],
        ),
        (
            "delivered: nothing to follow",
            _case(
                CaseStage.CLAIM_SENT,
                claim_sent_on=date(2026, 12, 9),
                delivered_on=date(2026, 12, 12),
                court_allowed_on=date(2027, 1, 12),
            ),
            date(2026, 12, 14),
            [],
        ),
        # 8. Thirty days after the claim was sent with no payment: the documents for the lawyer.
        (
            "the pre-trial term runs",
            _case(CaseStage.DELIVERED, claim_sent_on=date(2026, 12, 9), court_allowed_on=date(2027, 1, 12)),
            date(2027, 1, 11),
            [],
        ),
        (
            "the pre-trial term is over",
            _case(CaseStage.DELIVERED, claim_sent_on=date(2026, 12, 9), court_allowed_on=date(2027, 1, 12)),
            date(2027, 1, 12),
            [
                ("court_ready", CaseStage.COURT_READY),
                ("court_documents", Who.ASSIGNEE),
                ("court_filing", Who.LAWYER),
            ],
        ),
        # 9. In court: a checkpoint with the head on Mondays and Thursdays.
        (
            "in court on a Thursday",
            _case(CaseStage.IN_COURT),
            date(2026, 12, 17),
            [("checkpoint:2026-12-17", Who.HEAD)],
        ),
        ("in court on a Wednesday", _case(CaseStage.IN_COURT), date(2026, 12, 16), []),
        # People's stages: nothing is due by time.
        ("the lawyer drafts", _case(CaseStage.CLAIM_REQUESTED), date(2026, 12, 14), []),
        ("negotiating", _case(CaseStage.ESCALATED), date(2026, 12, 14), []),
        ("closed", _case(CaseStage.CLOSED), date(2026, 12, 14), []),
    ],
)
def test_what_is_due_follows_the_regulation(
    rule: str, case: CollectionCase, today: date, expected: list[tuple[str, object]]
) -> None:
    assert _plan(steps_due(case, _facts(), today, CAL)) == expected, rule


def test_a_step_the_case_has_is_not_made_again() -> None:
    case = _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17))
    assert steps_due(case, _facts(frozenset({"promise_call"})), date(2026, 12, 16), CAL) == []
    # A broken promise still moves the case even when its tasks exist (made by an earlier run).
    done = frozenset({"breach_call", "escalation"})
    assert _plan(steps_due(case, _facts(done), date(2026, 12, 18), CAL)) == [
        ("escalated", CaseStage.ESCALATED)
    ]


def test_the_escalation_gives_the_head_what_the_regulation_lists() -> None:
    """Within a working day of the breach: the debt, the letter's data, the days overdue, and every
    contact from the buyer to the director."""
    case = _case(CaseStage.GUARANTEE_RECEIVED, promised_on=date(2026, 12, 17), guarantee_file_id=5)
    steps = steps_due(case, _facts(), date(2026, 12, 18), CAL)
    move, call, head = steps
    assert isinstance(move, Move)
    assert move.reason == "нарушен срок гарантийного письма"
    assert move.ends is None  # the request's task ended when the letter came
    assert isinstance(call, Task)
    assert call.kind is TaskKind.CALL
    assert call.day == date(2026, 12, 18)
    assert isinstance(head, Task)
    assert head.kind is TaskKind.ESCALATE
    assert head.day == policy.escalation_due(date(2026, 12, 18), CAL) == date(2026, 12, 21)
    assert head.title == "Просроченная задолженность «Альфа»: 100\u00a0000,00"
    assert head.description.splitlines() == [
        "Причина: нарушен срок гарантийного письма.",
        "Сумма задолженности: 100\u00a0000,00.",
        "Счёт № С-12 от 01.11.2026: срок 20.11.2026, долг 100\u00a0000,00, просрочка 28 дн.",
        "Гарантийное письмо: оплата обещана до 17.12.2026, не выполнено.",
        "Скан письма: /api/v1/collection-cases/7/attachments/5",
        "Контакты (звонки на всех уровнях, от снабженца до руководителя):",
        "— снабженец: Пётр (+79990001122)",
        "— директор: Иван (d@x.ru)",
    ]


def test_a_letter_never_received_ends_the_request_task() -> None:
    case = _case(CaseStage.GUARANTEE_REQUESTED, opened_on=date(2026, 12, 9))
    move = steps_due(case, _facts(), date(2026, 12, 14), CAL)[0]
    assert isinstance(move, Move)
    assert move.ends == "guarantee_request"
    assert move.reason == "клиент не прислал гарантийное письмо в срок (запрошено 09.12.2026)"
