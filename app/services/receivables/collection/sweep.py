"""The worker's sweep over collection cases: every invoice that fell overdue joins a case (a new one
sends the request for a guarantee letter), and the steps that fell due on open cases are made.

Batched throughout: one query finds the cases with a step due, one more each loads their steps,
clients, unpaid invoices and contacts, and the new steps of the whole batch are written together.
What is due on each case is decided by ``steps.steps_due``, which sees no database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select

from app.models.clients import Client, ClientContact
from app.models.collection import CaseStage, CollectionCase, CollectionCaseInvoice, CollectionStep
from app.models.directory import Role
from app.models.invoices import Invoice, receivable
from app.models.outbox import MessageAbout, OutboundKind
from app.models.tasks import TaskKind
from app.services.kernel.common import touch
from app.services.kernel.history import snapshot
from app.services.kernel.outbox import NewMessage, OutboxService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.receivables.collection import policy
from app.services.receivables.collection.steps import CaseFacts, Move, Step, Task, Who, steps_due
from app.services.receivables.collection.workflow import DRAFT_JOB, CaseWorkflow, NewStep, Overdue, short_date


class CollectionSweep:
    def __init__(self, uow: UnitOfWork, workflow: CaseWorkflow | None = None) -> None:
        self.uow = uow
        self.workflow = workflow or CaseWorkflow(uow)
        self.history = self.workflow.history

    # --- opening ----------------------------------------------------------------------------------

    async def open_due(self, batch: int) -> int:
        """Every invoice that fell overdue joins a case: the client's open one, or a new one (and
        the request for a guarantee letter goes out). Returns how many cases were opened.

        Up to ``batch`` clients at a time, those with the oldest such invoice first, each with all
        of its invoices, so that a case opens with the whole overdue debt. The clients are found
        with one anti-join over the open debt (its partial index holds the invoice id): most
        overdue invoices are in a case already, and one pass over them costs less than a probe
        each."""
        today = self.workflow.today
        calendar = self.uow.calendar
        unlinked = and_(
            receivable(),
            Invoice.due_on < today,
            ~exists().where(CollectionCaseInvoice.invoice_id == Invoice.id),
        )
        clients = (
            await self.uow.session.scalars(
                select(Invoice.client_id)
                .where(unlinked)
                .group_by(Invoice.client_id)
                .order_by(func.min(Invoice.due_on), Invoice.client_id)
                .limit(batch)
            )
        ).all()
        if not clients:
            return 0
        rows = (
            await self.uow.session.scalars(
                select(Invoice)
                .where(unlinked, Invoice.client_id.in_(clients))
                .order_by(Invoice.client_id, Invoice.due_on, Invoice.id)
            )
        ).all()
        by_client: dict[int, list[Invoice]] = {}
        for invoice in rows:
            if policy.overdue_from(invoice.due, calendar) <= today:
                by_client.setdefault(invoice.client_id, []).append(invoice)
        if not by_client:
            return 0
        open_cases = {
            case.client_id: case
            for case in await self.uow.session.scalars(
                select(CollectionCase).where(
                    CollectionCase.client_id.in_(list(by_client)), CollectionCase.stage != CaseStage.CLOSED
                )
            )
        }
        for client_id, invoices in by_client.items():
            case = open_cases.get(client_id)
            if case is None:
                continue
            self._link_rows(case, invoices, today)
            case.invoice_ids = [*case.invoice_ids, *(i.id for i in invoices)]
            touch(case, self.uow)
            self.history.record(
                "collection_case", case.id, "invoices_added", None, {"invoice_ids": [i.id for i in invoices]}
            )
        opening = {
            client_id: Overdue(invoices)
            for client_id, invoices in by_client.items()
            if client_id not in open_cases
        }
        await self._open_many(opening, today)
        await self.uow.session.flush()
        return len(opening)

    def _link_rows(self, case: CollectionCase, invoices: list[Invoice], today: date) -> None:
        self.uow.session.add_all(
            CollectionCaseInvoice(case_id=case.id, invoice_id=invoice.id, added_on=today)
            for invoice in invoices
        )

    async def _open_many(self, opening: dict[int, Overdue], today: date) -> None:
        """New cases for these clients, each with the request for a guarantee letter and its step:
        a few queries and flushes for all of them (a first day may open thousands)."""
        if not opening:
            return
        ids = list(opening)
        clients = {c.id: c for c in await self.uow.session.scalars(select(Client).where(Client.id.in_(ids)))}
        episodes: dict[int, int] = {
            client_id: int(episode)
            for client_id, episode in await self.uow.session.execute(
                select(CollectionCase.client_id, func.max(CollectionCase.episode))
                .where(CollectionCase.client_id.in_(ids))
                .group_by(CollectionCase.client_id)
            )
        }
        contacts = await self.workflow.letter_contacts(ids)
        fallback: int | None = None
        if any(not (c.assistant_id or c.manager_id) for c in clients.values()):
            fallback = await self.workflow.holder(Role.ASSISTANT, Role.HEAD, Role.DIRECTOR)
        now = self.uow.clock.now()
        cases: dict[int, CollectionCase] = {}
        for client_id, debt in opening.items():
            client = clients[client_id]
            cases[client_id] = CollectionCase(
                client_id=client_id,
                episode=episodes.get(client_id, 0) + 1,
                stage=CaseStage.GUARANTEE_REQUESTED,
                assignee_id=client.assistant_id or client.manager_id or fallback,
                opened_on=today,
                debt_at_open=debt.debt,
                invoice_ids=[i.id for i in debt.invoices],
                tracking=[],
                hearings=[],
                created_at=now,
                updated_at=now,
            )
        self.uow.session.add_all(cases.values())
        await self.uow.session.flush()
        messages: list[NewMessage] = []
        steps: list[NewStep] = []
        for client_id, case in cases.items():
            client, debt = clients[client_id], opening[client_id]
            self._link_rows(case, debt.invoices, today)
            self.history.record("collection_case", case.id, "opened", None, snapshot(case))
            contact = contacts.get(client_id)
            if contact is not None:
                email = contact.emails[0]
                messages.append(
                    NewMessage(
                        kind=OutboundKind.EMAIL,
                        channel="email",
                        recipient=email,
                        subject=(
                            f"Просроченная задолженность {format_rub(debt.debt)} руб.: "
                            "просим гарантийное письмо"
                        ),
                        body=guarantee_request_text(client, contact, debt, today),
                        dedupe_key=f"collection:{case.id}:guarantee-request",
                        about=(MessageAbout.COLLECTION_CASE, case.id),
                        payload={"attachments": [{"kind": "guarantee_sample_pdf", "case_id": case.id}]},
                    )
                )
                how = f"Запрос с образцом письма отправлен на {email}."
            else:
                how = "У клиента нет контакта с почтой: запросить письмо по телефону и прислать образец."
            numbers = ", ".join(f"№ {i.number}" for i in debt.invoices)
            steps.append(
                NewStep(
                    case.id,
                    "guarantee_request",
                    case.assignee_id,
                    TaskKind.REQUEST_DOCUMENT,
                    f"Получить гарантийное письмо от «{client.name}»",
                    f"Просрочено {format_rub(debt.debt)} по счетам {numbers}. {how} Письмо — на бланке "
                    f"клиента, дата оплаты не позднее {policy.GUARANTEE_MAX_DAYS} календарных дней от "
                    "получения.",
                    self.uow.calendar.add_working_days(today, 1),
                )
            )
        await OutboxService(self.uow).add_many(messages)
        await self.workflow.add_steps(steps)

    # --- the steps that fell due ------------------------------------------------------------------

    async def undrafted(self, batch: int) -> list[int]:
        """Cases whose claim draft the worker has not made yet (its job lost or failed)."""
        rows = await self.uow.session.scalars(
            select(CollectionCase.id)
            .where(
                CollectionCase.stage == CaseStage.CLAIM_REQUESTED, CollectionCase.claim_drafted_at.is_(None)
            )
            .order_by(CollectionCase.id)
            .limit(batch)
        )
        return list(rows)

    async def advance(self, batch: int) -> int:
        """The steps that fell due on open cases, each made once. Returns how many were made."""
        today = self.workflow.today
        cases = (
            await self.uow.session.scalars(
                select(CollectionCase).where(self.due(today)).order_by(CollectionCase.id).limit(batch)
            )
        ).all()
        if not cases:
            return 0
        facts = await self.facts(cases)
        new: list[NewStep] = []
        for case in cases:
            steps = steps_due(case, facts[case.id], today, self.uow.calendar)
            new += await self.apply(case, facts[case.id], steps, today)
        await self.workflow.add_steps(new)
        return len(new)

    async def facts(self, cases: Sequence[CollectionCase]) -> dict[int, CaseFacts]:
        """What ``steps_due`` needs of each case beyond its row, in four queries for the batch."""
        ids = [case.id for case in cases]
        client_ids = {case.client_id for case in cases}
        made: dict[int, set[str]] = {case_id: set() for case_id in ids}
        for case_id, step in await self.uow.session.execute(
            select(CollectionStep.case_id, CollectionStep.step).where(CollectionStep.case_id.in_(ids))
        ):
            made[case_id].add(step)
        names: dict[int, str] = {
            row.id: row.name
            for row in await self.uow.session.execute(
                select(Client.id, Client.name).where(Client.id.in_(client_ids))
            )
        }
        debts: dict[int, list[Invoice]] = {case_id: [] for case_id in ids}
        for case_id, invoice in await self.uow.session.execute(
            select(CollectionCaseInvoice.case_id, Invoice)
            .join(Invoice, Invoice.id == CollectionCaseInvoice.invoice_id)
            .where(CollectionCaseInvoice.case_id.in_(ids), Invoice.paid_total < Invoice.total)
            .order_by(Invoice.due_on, Invoice.id)
        ):
            debts[case_id].append(invoice)
        contacts: dict[int, list[ClientContact]] = {}
        for contact in await self.uow.session.scalars(
            select(ClientContact).where(ClientContact.client_id.in_(client_ids)).order_by(ClientContact.id)
        ):
            contacts.setdefault(contact.client_id, []).append(contact)
        return {
            case.id: CaseFacts(
                client_name=names[case.client_id],
                debt=Overdue(debts[case.id]),
                contacts=tuple(contacts.get(case.client_id, ())),
                made=frozenset(made[case.id]),
            )
            for case in cases
        }

    async def apply(
        self, case: CollectionCase, facts: CaseFacts, steps: Sequence[Step], today: date
    ) -> list[NewStep]:
        """The moves done now; the tasks returned for the caller to write (with the batch's others)."""
        new: list[NewStep] = []
        for step in steps:
            if isinstance(step, Move):
                await self._move(case, facts, step, today)
            else:
                new.append(await self._task(case, step))
        return new

    async def _move(self, case: CollectionCase, facts: CaseFacts, move: Move, today: date) -> None:
        payload: dict[str, Any] = {}
        if move.stage == CaseStage.ESCALATED:
            case.breached_on = today
            payload = {"reason": move.reason, "debt": str(facts.debt.debt)}
        elif move.stage == CaseStage.COURT_READY:
            payload = {"debt": str(facts.debt.debt)}
        elif move.stage == CaseStage.CLAIM_REQUESTED:
            case.claim_requested_on = today
        await self.workflow.move_to(case, move.stage, move.event, payload)
        if move.stage == CaseStage.CLAIM_REQUESTED:
            self.uow.after_commit(DRAFT_JOB, case.id)
        if move.ends is not None:
            await self.workflow.close_step_tasks(case, move.ends)

    async def _task(self, case: CollectionCase, task: Task) -> NewStep:
        assignee = case.assignee_id if task.to is Who.ASSIGNEE else await self.workflow.holder(*task.to.value)
        return NewStep(case.id, task.key, assignee, task.kind, task.title, task.description, task.day)

    def due(self, today: date) -> ColumnElement[bool]:
        """Exactly the cases with a step due today, so that the batch is never filled by cases that
        wait (a promise days ahead, a letter on its way, a court case between checkpoints) while a
        case behind them has its step due. The policy's deadlines are on the business calendar,
        which SQL does not have; each grows with the date it counts from, so each becomes a bound
        on that date, found here: "the call is due" is "promised on or before the latest date whose
        call day has come"."""
        calendar = self.uow.calendar

        def done(step: str) -> ColumnElement[bool]:
            return exists().where(CollectionStep.case_id == CollectionCase.id, CollectionStep.step == step)

        def latest(start: date, deadline: Callable[[date], date]) -> date:
            return latest_day(today, start, deadline)

        stage = CollectionCase.stage
        promised = CollectionCase.promised_on
        month_ago = today - timedelta(days=31)
        conditions = [
            (stage == CaseStage.GUARANTEE_REQUESTED)
            & (
                CollectionCase.opened_on  # the day the request went out
                <= latest(month_ago, lambda d: policy.guarantee_overdue_on(d, calendar))
            ),
            (stage == CaseStage.GUARANTEE_RECEIVED)
            & (
                (promised <= latest(month_ago, lambda d: policy.breach_on(d, calendar)))
                | (
                    (promised >= today)
                    & (promised <= latest(today, lambda d: policy.confirmation_call_on(d, calendar)))
                    & ~done("promise_call")
                )
            ),
            (stage == CaseStage.WAITING)
            & (
                (CollectionCase.wait_ends_on <= today)
                | (
                    CollectionCase.wait_ends_on.is_(None)
                    & (
                        CollectionCase.negotiated_on
                        <= latest(month_ago, lambda d: policy.wait_ends(d, calendar))
                    )
                )
            ),
            stage.in_([CaseStage.CLAIM_SENT, CaseStage.DELIVERED])
            & (
                (CollectionCase.court_allowed_on <= today)
                | (
                    (stage == CaseStage.CLAIM_SENT)
                    & CollectionCase.delivered_on.is_(None)
                    & (
                        CollectionCase.claim_sent_on
                        <= latest(month_ago, lambda d: policy.tracking_check_on(d, calendar))
                    )
                    & ~done("tracking_followup")
                )
            ),
        ]
        if today in policy.checkpoint_days(today, today, calendar):
            conditions.append((stage == CaseStage.IN_COURT) & ~done(f"checkpoint:{today.isoformat()}"))
        return or_(*conditions)


def latest_day(today: date, start: date, deadline: Callable[[date], date], span: int = 62) -> date:
    """The latest day from ``start`` on whose ``deadline`` has come by ``today`` (the deadline
    never falls as the day grows); the day before ``start`` when even its deadline is ahead."""
    latest = start - timedelta(days=1)
    for offset in range(span):
        day = start + timedelta(days=offset)
        if deadline(day) > today:
            break
        latest = day
    return latest


def guarantee_request_text(client: Client, contact: ClientContact, debt: Overdue, today: date) -> str:
    lines = [
        f"Здравствуйте, {contact.name}!",
        "",
        f"По данным нашего учёта у «{client.name}» просрочена оплата {format_rub(debt.debt)} руб.:",
    ]
    for invoice in debt.invoices:
        lines.append(
            f"— счёт № {invoice.number} от {short_date(invoice.issued_on)}, "
            f"срок оплаты {short_date(invoice.due)}, "
            f"к оплате {format_rub(invoice.outstanding)} руб.;"
        )
    latest = policy.latest_promise(today)
    lines += [
        "",
        "Просим оплатить задолженность или направить гарантийное письмо на официальном бланке "
        f"организации с датой оплаты не позднее {short_date(latest)} (не более {policy.GUARANTEE_MAX_DAYS} "
        "календарных дней). Образец письма — во вложении.",
        "",
        "С уважением,",
        "отдел продаж",
    ]
    return "\n".join(lines)
