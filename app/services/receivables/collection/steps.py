"""What the regulation says is due on a collection case on a given day (process 4, "when a debt is
overdue"), as a pure function of the case, a few facts about it and the date: no database, so each
rule is checked by a unit test.

* A guarantee letter not received in time counts as refused: the case escalates (a call to find out
  why, the head gets the case with the debt and the contacts).
* A promise in a guarantee letter: a call the working day before the date; broken when nothing came
  by then, and the case escalates the same way.
* After the negotiations and the wait, the lawyer is asked for the claim letter.
* A claim letter not delivered within 5 days: follow it up at the post office. Thirty days after it
  was sent, the documents for court.
* In court: a checkpoint with the head on Mondays and Thursdays.

Every deadline is ``policy``'s; the sweep loads the facts in batches and applies the steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import Enum

from app.core.calendar import BusinessCalendar
from app.models.clients import ClientContact, ContactLevel
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.models.tasks import TaskKind
from app.services.money.format import format_rub
from app.services.receivables.collection import policy
from app.services.receivables.collection.workflow import LEVEL_NAMES, Overdue, short_date


class Who(Enum):
    """Who a step's task goes to: the case's assignee, or the first active holder of these roles."""

    ASSIGNEE = ()
    HEAD = (Role.HEAD, Role.DIRECTOR)
    LAWYER = (Role.LAWYER, Role.HEAD, Role.DIRECTOR)


@dataclass(frozen=True)
class Task:
    """A step made once per case under its ``key``: a task for ``to``, due on ``day``."""

    key: str
    to: Who
    kind: TaskKind
    title: str
    description: str
    day: date


@dataclass(frozen=True)
class Move:
    """The case moves to ``stage`` (the history's ``event``); ``ends`` names the step whose task is
    over with it."""

    stage: CaseStage
    event: str
    reason: str | None = None
    ends: str | None = None


Step = Move | Task


@dataclass(frozen=True)
class CaseFacts:
    """What the steps' texts and the once-only rule need beyond the case's own row."""

    client_name: str
    debt: Overdue
    contacts: tuple[ClientContact, ...] = ()
    made: frozenset[str] = frozenset()  # the steps the case has already


def steps_due(case: CollectionCase, facts: CaseFacts, today: date, calendar: BusinessCalendar) -> list[Step]:
    """The moves and the new tasks of ``case`` due on ``today``; a task the case has is not made again."""
    steps: list[Step] = []
    stage = case.stage
    if stage == CaseStage.GUARANTEE_REQUESTED:
        if today >= policy.guarantee_overdue_on(case.opened_on, calendar):
            why = f"клиент не прислал гарантийное письмо в срок (запрошено {short_date(case.opened_on)})"
            steps += escalation(case, facts, today, why, calendar)
    elif stage == CaseStage.GUARANTEE_RECEIVED and case.promised_on is not None:
        promised = case.promised_on
        call_on = policy.confirmation_call_on(promised, calendar)
        if today >= call_on and promised >= today:
            steps.append(
                Task(
                    "promise_call",
                    Who.ASSIGNEE,
                    TaskKind.CALL,
                    f"Позвонить клиенту: подтвердить оплату по гарантийному письму до {short_date(promised)}",
                    f"Клиент обещал оплатить {short_date(promised)}. Подтвердить платёж.",
                    call_on,
                )
            )
        if today >= policy.breach_on(promised, calendar):
            steps += escalation(case, facts, today, "нарушен срок гарантийного письма", calendar)
    elif stage == CaseStage.WAITING and case.negotiated_on is not None:
        if today >= (case.wait_ends_on or policy.wait_ends(case.negotiated_on, calendar)):
            steps += [
                Move(CaseStage.CLAIM_REQUESTED, "claim_requested"),
                Task(
                    "claim_request",
                    Who.LAWYER,
                    TaskKind.REQUEST_DOCUMENT,
                    f"Подготовить претензию и расчёт неустойки: «{facts.client_name}»",
                    "Черновик претензии с расчётом процентов по ст. 395 ГК РФ готовит система; проверить, "
                    "при необходимости исправить текст и утвердить. Претензия уходит в день утверждения.",
                    policy.claim_prepare_due(today, calendar),
                ),
            ]
    elif stage in (CaseStage.CLAIM_SENT, CaseStage.DELIVERED) and case.claim_sent_on is not None:
        if (
            stage == CaseStage.CLAIM_SENT
            and case.delivered_on is None
            and today >= policy.tracking_check_on(case.claim_sent_on, calendar)
        ):
            steps.append(
                Task(
                    "tracking_followup",
                    Who.ASSIGNEE,
                    TaskKind.CHECK,
                    f"Претензия не вручена за {policy.TRACKING_DAYS} дней: выяснить на почте",
                    f"Письмо {case.tracking_number} отправлено {short_date(case.claim_sent_on)}. "
                    "Проверить на сайте Почты России и в отделении, где оно.",
                    today,
                )
            )
        if case.court_allowed_on is not None and today >= case.court_allowed_on:
            steps += _court_ready(case, facts, today, calendar)
    elif stage == CaseStage.IN_COURT and today in policy.checkpoint_days(today, today, calendar):
        steps.append(
            Task(
                f"checkpoint:{today.isoformat()}",
                Who.HEAD,
                TaskKind.CHECK,
                f"Контрольная точка по судебной задолженности (дело {case.court_case_number or '—'})",
                "Сверить с юристом и помощником: стадия дела, заседания, оплаты, следующий шаг.",
                today,
            )
        )
    return [s for s in steps if not isinstance(s, Task) or s.key not in facts.made]


def escalation(
    case: CollectionCase, facts: CaseFacts, today: date, why: str, calendar: BusinessCalendar
) -> list[Step]:
    """No guarantee letter, or its promise broken: a call for the reason, the head gets the case."""
    debt = facts.debt.debt
    ends = "guarantee_request" if case.stage == CaseStage.GUARANTEE_REQUESTED else None
    return [
        Move(CaseStage.ESCALATED, "escalated", why, ends),
        Task(
            "breach_call",
            Who.ASSIGNEE,
            TaskKind.CALL,
            f"«{facts.client_name}» не оплатил: позвонить и выяснить причину",
            f"{why.capitalize()}. Долг {format_rub(debt)}.",
            today,
        ),
        Task(
            "escalation",
            Who.HEAD,
            TaskKind.ESCALATE,
            f"Просроченная задолженность «{facts.client_name}»: {format_rub(debt)}",
            escalation_text(case, facts, today, why, calendar),
            policy.escalation_due(today, calendar),
        ),
    ]


def escalation_text(
    case: CollectionCase, facts: CaseFacts, today: date, why: str, calendar: BusinessCalendar
) -> str:
    """What the head reads: the reason, each invoice with its delay, the letter, every contact."""
    lines = [f"Причина: {why}.", f"Сумма задолженности: {format_rub(facts.debt.debt)}."]
    for invoice in facts.debt.invoices:
        days = policy.days_overdue(invoice.due, today, calendar)
        lines.append(
            f"Счёт № {invoice.number} от {short_date(invoice.issued_on)}: срок {short_date(invoice.due)}, "
            f"долг {format_rub(invoice.outstanding)}, просрочка {days} дн."
        )
    if case.guarantee_refused:
        lines.append("Гарантийное письмо: клиент отказался его дать.")
    elif case.promised_on is not None:
        lines.append(f"Гарантийное письмо: оплата обещана до {short_date(case.promised_on)}, не выполнено.")
        if case.guarantee_file_id is not None:
            lines.append(
                f"Скан письма: /api/v1/collection-cases/{case.id}/attachments/{case.guarantee_file_id}"
            )
    else:
        lines.append("Гарантийное письмо не получено.")
    lines.append("Контакты (звонки на всех уровнях, от снабженца до руководителя):")
    order = list(ContactLevel)
    for contact in sorted(facts.contacts, key=lambda c: order.index(c.level)):
        reach = ", ".join([*contact.phones, *contact.emails]) or "нет телефона и почты"
        lines.append(f"— {LEVEL_NAMES[contact.level]}: {contact.name} ({reach})")
    if not facts.contacts:
        lines.append("— контактов в карточке нет")
    return "\n".join(lines)


def _court_ready(
    case: CollectionCase, facts: CaseFacts, today: date, calendar: BusinessCalendar
) -> list[Step]:
    """The pre-trial term is over with no payment: the documents for the lawyer, and the claim to file."""
    return [
        Move(CaseStage.COURT_READY, "court_ready"),
        Task(
            "court_documents",
            Who.ASSIGNEE,
            TaskKind.SEND_DOCUMENT,
            f"Документы для юриста: «{facts.client_name}», долг {format_rub(facts.debt.debt)}",
            "Претензионный срок истёк. Передать юристу: претензию, доказательства отправки (квитанция, "
            "трек-номер и история), уведомление о вручении, счета, УПД, акты сверки, договор, расчёт.",
            calendar.add_working_days(today, 1),
        ),
        Task(
            "court_filing",
            Who.LAWYER,
            TaskKind.CHECK,
            f"Иск к «{facts.client_name}»: претензионный срок истёк {short_date(today)}",
            f"Претензия отправлена {short_date(case.claim_sent_on or today)}, оплаты нет. Подготовить иск.",
            calendar.add_working_days(today, 3),
        ),
    ]
