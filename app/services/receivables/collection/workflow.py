"""What every part of the collection case shares: its state machine (the actions people take and the
stages they lead to), the debt it is about, and its steps, each a task for the right person and a
history event, made once."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.core.errors import FieldError, NotFound
from app.models.clients import ClientContact, ContactLevel
from app.models.collection import (
    CaseFileKind,
    CaseStage,
    CollectionCase,
    CollectionCaseInvoice,
    CollectionFile,
    CollectionStep,
)
from app.models.directory import Role
from app.models.invoices import Invoice
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.services.directory.clients import ClientService
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import ACTIVE, NewTask, TaskService
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService
from app.services.kernel.jobs import JobKind
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.collection import policy

DRAFT_JOB = JobKind("draft_claim_letter", "claim-draft")
ZERO = Decimal(0)

# action -> (stages it is allowed from, stage it leads to; None: stays)
TRANSITIONS: dict[str, tuple[frozenset[CaseStage], CaseStage | None]] = {
    "receive_guarantee": (frozenset({CaseStage.GUARANTEE_REQUESTED}), CaseStage.GUARANTEE_RECEIVED),
    "refuse_guarantee": (
        frozenset({CaseStage.GUARANTEE_REQUESTED, CaseStage.GUARANTEE_RECEIVED}),
        CaseStage.ESCALATED,
    ),
    "log_call": (frozenset({CaseStage.ESCALATED, CaseStage.WAITING}), None),
    "finish_negotiation": (frozenset({CaseStage.ESCALATED}), CaseStage.WAITING),
    "edit_claim": (frozenset({CaseStage.CLAIM_REQUESTED}), None),
    "approve_claim": (frozenset({CaseStage.CLAIM_REQUESTED}), CaseStage.CLAIM_APPROVED),
    "send_claim": (frozenset({CaseStage.CLAIM_APPROVED}), CaseStage.CLAIM_SENT),
    "record_delivery": (
        frozenset({CaseStage.CLAIM_SENT, CaseStage.DELIVERED, CaseStage.COURT_READY}),
        None,
    ),
    "court": (frozenset({CaseStage.COURT_READY, CaseStage.IN_COURT}), CaseStage.IN_COURT),
    "close": (frozenset(set(CaseStage) - {CaseStage.CLOSED}), CaseStage.CLOSED),
    # The moves the system makes (the sweep, the post), by the regulation's deadlines.
    "escalated": (
        frozenset({CaseStage.GUARANTEE_REQUESTED, CaseStage.GUARANTEE_RECEIVED}),
        CaseStage.ESCALATED,
    ),
    "claim_requested": (frozenset({CaseStage.WAITING}), CaseStage.CLAIM_REQUESTED),
    "delivered": (frozenset({CaseStage.CLAIM_SENT}), CaseStage.DELIVERED),
    "court_ready": (frozenset({CaseStage.CLAIM_SENT, CaseStage.DELIVERED}), CaseStage.COURT_READY),
}

ACTIONS = StateMachine(
    "collection case",
    TRANSITIONS,
    {
        "receive_guarantee": "guarantee",
        "refuse_guarantee": "guarantee-refusal",
        "log_call": "calls",
        "finish_negotiation": "negotiation-done",
        "edit_claim": "claim",  # PATCH …/claim
        "approve_claim": "approve",  # …/claim/approve
        "send_claim": "send",  # …/claim/send
        "record_delivery": "delivery-receipt",
        "escalated": None,
        "claim_requested": None,
        "delivered": None,
        "court_ready": None,
    },
    kind="collection_case",
    field="stage",
)

# Whom the case's letters go to, in order of preference.
LETTER_LEVELS = (
    ContactLevel.CHIEF_ACCOUNTANT,
    ContactLevel.DIRECTOR,
    ContactLevel.DEPUTY_DIRECTOR,
    ContactLevel.BUYER,
    ContactLevel.SPECIALIST,
)
LEVEL_NAMES = {
    ContactLevel.BUYER: "снабженец",
    ContactLevel.SPECIALIST: "специалист",
    ContactLevel.CHIEF_ACCOUNTANT: "главный бухгалтер",
    ContactLevel.DEPUTY_DIRECTOR: "заместитель директора",
    ContactLevel.DIRECTOR: "директор",
}


def case_actions(stage: CaseStage) -> list[str]:
    return ACTIONS.allowed(stage)


def short_date(day: date) -> str:
    return day.strftime("%d.%m.%Y")


@dataclass(frozen=True)
class Overdue:
    invoices: list[Invoice]

    @property
    def debt(self) -> Decimal:
        return sum((i.outstanding for i in self.invoices), ZERO)


@dataclass(frozen=True)
class NewStep:
    """A step to make: its row (made once per case and name) and, when someone can take it, its task."""

    case_id: int
    step: str
    assignee: int | None
    kind: TaskKind
    title: str
    description: str
    day: date


class CaseWorkflow:
    """The case's moves and steps, for the parts that act on it (the department's actions, the
    claim, the post, the court, the sweep)."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)
        self.tasks = TaskService(uow)
        self._holders: dict[tuple[Role, ...], int | None] = {}

    @property
    def today(self) -> date:
        return self.uow.calendar.local_date(self.uow.clock.now())

    async def get(self, case_id: int) -> CollectionCase:
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None:
            raise NotFound("collection case", case_id)
        await ClientService(self.uow).get(case.client_id)  # visible only with its client
        return case

    async def for_action(self, case_id: int, action: str, if_match: int | None) -> CollectionCase:
        """The case, at the version the caller saw, in a stage the action is allowed from (else 409)."""
        case = await self.get(case_id)
        ensure_version(case, if_match, "collection case")
        ACTIONS.check(case.stage, action)
        return case

    async def move(
        self, case: CollectionCase, action: str, payload: dict[str, Any], *, to: CaseStage | None = None
    ) -> None:
        await ACTIONS.take(case, action, self.history, payload, to=to)

    async def move_to(
        self, case: CollectionCase, stage: CaseStage, event: str, payload: dict[str, Any]
    ) -> None:
        """A move the system makes (the sweep, the post): ``event`` is its action in the table."""
        await ACTIONS.take(case, event, self.history, payload, to=stage)

    async def case_file(
        self, case: CollectionCase, file_id: int, kind: CaseFileKind, field: str
    ) -> CollectionFile:
        """A scan of this case of this kind, named by ``field`` of the request (else 422)."""
        row = await self.uow.session.get(CollectionFile, file_id)
        if row is None or row.case_id != case.id:
            raise FieldError(field, f"file {file_id} is not a file of this case")
        if row.kind != kind:
            raise FieldError(field, f"file {file_id} is a {row.kind.value}, not a {kind.value}")
        return row

    async def case_debt(self, case_id: int) -> Overdue:
        """The case's invoices still unpaid."""
        rows = await self.uow.session.scalars(
            select(Invoice)
            .join(CollectionCaseInvoice, CollectionCaseInvoice.invoice_id == Invoice.id)
            .where(CollectionCaseInvoice.case_id == case_id, Invoice.paid_total < Invoice.total)
            .order_by(Invoice.due_on, Invoice.id)
        )
        return Overdue(list(rows))

    async def holder(self, *roles: Role) -> int | None:
        """Who gets what nobody else owns (``first_active_with_role``), asked once per service."""
        if roles not in self._holders:
            self._holders[roles] = await first_active_with_role(self.uow, *roles)
        return self._holders[roles]

    async def letter_contacts(self, client_ids: Sequence[int]) -> dict[int, ClientContact]:
        """Whom each client's letters go to: the first contact with an e-mail, by level."""
        contacts = (
            await self.uow.session.scalars(
                select(ClientContact)
                .where(ClientContact.client_id.in_(client_ids))
                .order_by(ClientContact.id)
            )
        ).all()
        rank = {level: index for index, level in enumerate(LETTER_LEVELS)}
        chosen: dict[int, ClientContact] = {}
        for contact in contacts:
            if not contact.emails or contact.level not in rank:
                continue
            best = chosen.get(contact.client_id)
            if best is None or rank[contact.level] < rank[best.level]:
                chosen[contact.client_id] = contact
        return chosen

    # --- steps ------------------------------------------------------------------------------------

    async def step(self, new: NewStep) -> int:
        """One step of a case outside the sweep: made unless the case has it already."""
        known = await self.uow.session.scalar(
            select(CollectionStep.id).where(
                CollectionStep.case_id == new.case_id, CollectionStep.step == new.step
            )
        )
        if known is not None:
            return 0
        await self.add_steps([new])
        return 1

    async def add_steps(self, steps: Sequence[NewStep]) -> None:
        """Steps not made yet: their tasks in one flush, their rows in another."""
        if not steps:
            return
        calendar = self.uow.calendar
        today = self.today
        drafts: dict[int, NewTask] = {}
        for index, s in enumerate(steps):
            if s.assignee is not None:
                due = max(calendar.next_working_day(s.day), calendar.next_working_day(today))
                drafts[index] = NewTask(
                    kind=s.kind,
                    title=s.title[:300],
                    description=s.description,
                    assignee_id=s.assignee,
                    due_at=calendar.at(due, policy.DUE_TIME),
                    subject_type=TaskSubject.DEBT,
                    subject_id=s.case_id,
                )
        tasks = await self.tasks.add_many(list(drafts.values()))
        task_ids = {index: task.id for index, task in zip(drafts, tasks, strict=True)}
        now = self.uow.clock.now()
        self.uow.session.add_all(
            CollectionStep(case_id=s.case_id, step=s.step, task_id=task_ids.get(index), created_at=now)
            for index, s in enumerate(steps)
        )
        await self.uow.session.flush()
        for index, s in enumerate(steps):
            self.history.record(
                "collection_case", s.case_id, "step", None, {"step": s.step, "task_id": task_ids.get(index)}
            )

    async def close_step_tasks(self, case: CollectionCase, step: str) -> None:
        """The task of a step someone has just done is done."""
        await self._end_tasks(await self._step_tasks(case, step), TaskStatus.DONE)

    async def cancel_open_tasks(self, case: CollectionCase) -> None:
        await self._end_tasks(await self._step_tasks(case, None), TaskStatus.CANCELLED)

    async def _step_tasks(self, case: CollectionCase, step: str | None) -> list[Task]:
        query = select(Task).where(
            Task.subject_type == TaskSubject.DEBT, Task.subject_id == case.id, Task.status.in_(ACTIVE)
        )
        if step is not None:
            query = query.where(
                Task.id.in_(
                    select(CollectionStep.task_id).where(
                        CollectionStep.case_id == case.id, CollectionStep.step == step
                    )
                )
            )
        return list((await self.uow.session.scalars(query)).all())

    async def _end_tasks(self, tasks: list[Task], status: TaskStatus) -> None:
        TaskService(self.uow).end(tasks, status, None)
        if tasks:
            await self.uow.session.flush()
