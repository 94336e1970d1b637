"""The collection case (process 4, "when a debt is overdue"): one per client and overdue episode.

A state machine over the regulation's steps. People move it by actions (the guarantee letter came,
a negotiation call, the lawyer approves the claim, it is sent, the court); the worker's sweep moves
it by time (a guarantee letter not sent in time, the call before the promised date, the breach and
the escalation, the end of the wait, the 30 days after the claim, the checkpoints in court). Every
deadline comes from ``collection_policy``; every step is a task for the right person and a history
event, made once.
Any payment updates the open case; a payment of the whole overdue debt closes it at any stage.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Integer, and_, distinct, exists, func, or_, select, type_coerce, update

from app.adapters.post import parse_barcode
from app.core.config import CompanySettings
from app.core.db import KOPECK
from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import Client, ClientContact, ContactLevel
from app.models.collection import (
    CaseFileKind,
    CaseStage,
    CloseReason,
    CollectionCall,
    CollectionCase,
    CollectionCaseInvoice,
    CollectionFile,
    CollectionStep,
)
from app.models.directory import Role
from app.models.invoices import Invoice, receivable
from app.models.outbox import MessageAbout, OutboundKind
from app.models.payments import Payment, PaymentAllocation
from app.models.rates import RateStatus
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.services.actions import Actions
from app.services.clients import ClientService
from app.services.common import ensure_version, storable, touch
from app.services.directory import first_active_with_role
from app.services.documents.inflection import person_dative, position_dative
from app.services.files import check_document
from app.services.history import HistoryService, snapshot
from app.services.invoicing.format import format_rub
from app.services.invoicing.words import amount_in_words
from app.services.outbox import NewMessage, OutboxService
from app.services.pagination import Page, newest_first
from app.services.ports import Storage, TrackingOperation
from app.services.receivables import collection_policy as policy
from app.services.receivables.penalties import PenaltyService
from app.services.receivables.penalty import Method, Request
from app.services.receivables.penalty import Payment as PenaltyPayment
from app.services.receivables.rates import KeyRateService, from_bp
from app.services.tasks import ACTIVE, NewTask, TaskService
from app.services.unit_of_work import UnitOfWork

DRAFT_JOB = "draft_claim_letter"
# The confirmation call is due the working day before the promised date: with the new-year holidays
# that day can be this many days earlier.
LOOK_AHEAD_DAYS = 12
DELIVERED_OPERATION = "Вручение"
ZERO = Decimal(0)
S = CaseStage

# action -> (stages it is allowed from, stage it leads to; None: stays)
TRANSITIONS: dict[str, tuple[frozenset[CaseStage], CaseStage | None]] = {
    "receive_guarantee": (frozenset({S.GUARANTEE_REQUESTED}), S.GUARANTEE_RECEIVED),
    "refuse_guarantee": (frozenset({S.GUARANTEE_REQUESTED, S.GUARANTEE_RECEIVED}), S.ESCALATED),
    "log_call": (frozenset({S.ESCALATED, S.WAITING}), None),
    "finish_negotiation": (frozenset({S.ESCALATED}), S.WAITING),
    "edit_claim": (frozenset({S.CLAIM_REQUESTED}), None),
    "approve_claim": (frozenset({S.CLAIM_REQUESTED}), S.CLAIM_APPROVED),
    "send_claim": (frozenset({S.CLAIM_APPROVED}), S.CLAIM_SENT),
    "record_delivery": (frozenset({S.CLAIM_SENT, S.DELIVERED, S.COURT_READY}), None),
    "court": (frozenset({S.COURT_READY, S.IN_COURT}), S.IN_COURT),
    "close": (frozenset(set(S) - {S.CLOSED}), S.CLOSED),
}

# Whom the guarantee letter request goes to, in order of preference.
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


ACTIONS = Actions(
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
    },
)


def case_actions(stage: CaseStage) -> list[str]:
    return ACTIONS.allowed(stage)


def _d(day: date) -> str:
    return day.strftime("%d.%m.%Y")


# What a scan of the case is, as the court package's index names it (with the day it came in):
# the lawyer and the court read what the paper is, not the name the scanner gave the file.
SCAN_TITLES = {
    CaseFileKind.GUARANTEE_LETTER: "Гарантийное письмо",
    CaseFileKind.DELIVERY_RECEIPT: "Уведомление о вручении претензии",
    CaseFileKind.POSTAL_RECEIPT: "Квитанция об отправке претензии заказным письмом",
    CaseFileKind.COURT: "Документ суда",
}


def _percent(value: str | Decimal) -> str:
    """A percent as a Russian letter prints it: 0.1000 → «0,1», 10.00 → «10»."""
    return f"{Decimal(value).normalize():f}".replace(".", ",")


def _contract_of(client: Client) -> str | None:
    """The client's contract as the claim cites it: «договора № 17/2026 от 01.12.2026»."""
    if client.contract_number is None:
        return None
    dated = f" от {_d(client.contract_date)}" if client.contract_date is not None else ""
    return f"договора № {client.contract_number}{dated}"


@dataclass(frozen=True)
class Overdue:
    invoices: list[Invoice]

    @property
    def debt(self) -> Decimal:
        return sum((i.outstanding for i in self.invoices), ZERO)


@dataclass(frozen=True)
class CourtItem:
    """One document of the court package: what the index shows, and where its content is."""

    kind: str
    title: str
    date: str
    url: str | None = None
    sha256: str | None = None
    tracking: list[dict[str, Any]] | None = None
    storage_key: str | None = None
    invoice_id: int | None = None
    filename: str | None = None  # a scan's file name as uploaded (its extension is kept in the archive)


@dataclass(frozen=True)
class _NewStep:
    case: CollectionCase
    step: str
    assignee: int | None
    kind: TaskKind
    title: str
    description: str
    day: date


@dataclass(frozen=True)
class ClaimToSend:
    key: str
    stored: bool
    view: dict[str, Any]
    text: str
    number: str


class CollectionService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)
        self.tasks = TaskService(uow)
        # While the sweep advances a batch of cases: the steps they have (read once for the
        # batch) and the new ones (written together at its end).
        self._known_steps: set[tuple[int, str]] | None = None
        self._pending_steps: list[_NewStep] | None = None
        self._holders: dict[tuple[Role, ...], int | None] = {}
        # Read once for the batch the sweep advances: its cases' unpaid invoices and contacts.
        self._debts: dict[int, Overdue] | None = None
        self._contacts: dict[int, list[ClientContact]] | None = None

    @property
    def today(self) -> date:
        return self.uow.calendar.local_date(self.uow.clock.now())

    # --- reading ----------------------------------------------------------------------------------

    async def get(self, case_id: int) -> CollectionCase:
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None:
            raise NotFound("collection case", case_id)
        await ClientService(self.uow).get(case.client_id)  # visible only with its client
        return case

    async def page(
        self, *, client_id: int | None, stage: CaseStage | None, cursor: str | None, limit: int
    ) -> Page[CollectionCase]:
        query = await ClientService(self.uow).of_clients(
            select(CollectionCase), CollectionCase.client_id, client_id
        )
        if stage is not None:
            query = query.where(CollectionCase.stage == stage)
        return await newest_first(self.uow.session, query, CollectionCase.id, cursor, limit)

    async def overdue(self, client_id: int, today: date | None = None) -> Overdue:
        """The client's debts unpaid past their due date (art. 193 applied): shipped goods only."""
        day = today or self.today
        rows = await self.uow.session.scalars(
            select(Invoice)
            .where(
                Invoice.client_id == client_id,
                receivable(),
                Invoice.due_on < day,
            )
            .order_by(Invoice.due_on, Invoice.id)
        )
        calendar = self.uow.calendar
        return Overdue([i for i in rows if policy.overdue_from(i.due, calendar) <= day])

    async def case_debt(self, case_id: int) -> Overdue:
        """The case's invoices still unpaid."""
        if self._debts is not None and case_id in self._debts:
            return self._debts[case_id]
        rows = await self.uow.session.scalars(
            select(Invoice)
            .join(CollectionCaseInvoice, CollectionCaseInvoice.invoice_id == Invoice.id)
            .where(CollectionCaseInvoice.case_id == case_id, Invoice.paid_total < Invoice.total)
            .order_by(Invoice.due_on, Invoice.id)
        )
        return Overdue(list(rows))

    async def calls(self, case_id: int) -> Sequence[CollectionCall]:
        await self.get(case_id)
        query = select(CollectionCall).where(CollectionCall.case_id == case_id).order_by(CollectionCall.id)
        return (await self.uow.session.scalars(query)).all()

    async def files(self, case_id: int) -> Sequence[CollectionFile]:
        await self.get(case_id)
        query = select(CollectionFile).where(CollectionFile.case_id == case_id).order_by(CollectionFile.id)
        return (await self.uow.session.scalars(query)).all()

    async def court_package(self, case_id: int) -> list[CourtItem]:
        """The documents the lawyer takes to court, each with where to get it: the claim and its
        calculation, the proof of sending (the postal identifier and its tracking history), the
        delivery receipt, the guarantee letter, the invoices (their УПД, the acts and the contract
        are in 1C and the client's file)."""
        case = await self.get(case_id)
        base = f"/api/v1/collection-cases/{case.id}"
        documents: list[CourtItem] = []
        if case.claim_sent_on is not None:
            documents.append(
                CourtItem(
                    kind="claim_letter",
                    title="Претензия с расчётом процентов по ст. 395 ГК РФ (приложение)",
                    date=case.claim_sent_on.isoformat(),
                    url=f"{base}/claim.pdf",
                    sha256=case.claim_pdf_sha256,
                    storage_key=case.claim_pdf_key if case.claim_pdf_stored_at is not None else None,
                )
            )
            documents.append(
                CourtItem(
                    kind="proof_of_sending",
                    title=f"Заказное письмо с уведомлением, почтовый идентификатор {case.tracking_number}",
                    date=case.claim_sent_on.isoformat(),
                    tracking=case.tracking,
                )
            )
        for row in await self.files(case.id):
            received = self.uow.calendar.local_date(row.created_at)
            what = SCAN_TITLES.get(row.kind)
            documents.append(
                CourtItem(
                    kind=row.kind.value,
                    title=f"{what} от {_d(received)}"
                    if what
                    else f"Документ «{row.filename}» от {_d(received)}",
                    date=received.isoformat(),
                    url=f"{base}/attachments/{row.id}",
                    storage_key=row.storage_key,
                    filename=row.filename,
                )
            )
        invoices = await self.uow.session.scalars(
            select(Invoice)
            .join(CollectionCaseInvoice, CollectionCaseInvoice.invoice_id == Invoice.id)
            .where(CollectionCaseInvoice.case_id == case.id)
            .order_by(Invoice.due_on, Invoice.id)
        )
        for invoice in invoices:
            documents.append(
                CourtItem(
                    kind="invoice",
                    title=f"Счёт № {invoice.number}: {format_rub(invoice.total)}, оплачено "
                    f"{format_rub(invoice.paid_total)}, срок {_d(invoice.due)}; УПД к нему — в 1С",
                    date=invoice.issued_on.isoformat(),
                    url=f"/api/v1/invoices/{invoice.id}/pdf",
                    invoice_id=invoice.id,
                )
            )
        return documents

    async def by_stage(self) -> list[tuple[CaseStage, int, Decimal]]:
        """Cases of the visible clients by stage, with the unpaid debt of the open ones (in SQL)."""
        overdue = and_(
            CollectionCaseInvoice.case_id == CollectionCase.id,
            Invoice.id == CollectionCaseInvoice.invoice_id,
            Invoice.paid_total < Invoice.total,
            CollectionCase.stage != CaseStage.CLOSED,
        )
        debt = (
            # Kopecks as the columns store them, whichever backend sums them.
            select(
                func.coalesce(
                    func.sum(type_coerce(Invoice.total, Integer) - type_coerce(Invoice.paid_total, Integer)),
                    0,
                )
            )
            .select_from(CollectionCaseInvoice, Invoice)
            .where(overdue)
            .correlate(CollectionCase)
            .scalar_subquery()
        )
        rows = await self.uow.session.execute(
            select(
                CollectionCase.stage,
                func.count(distinct(CollectionCase.id)),
                func.sum(type_coerce(debt, Integer)),
            )
            .where(CollectionCase.client_id.in_(ClientService(self.uow).visible_ids()))
            .group_by(CollectionCase.stage)
        )
        found = {
            stage: (count, (Decimal(int(total or 0)) / 100).quantize(KOPECK)) for stage, count, total in rows
        }
        return [(stage, *found.get(stage, (0, ZERO.quantize(KOPECK)))) for stage in CaseStage]

    # --- the sweep --------------------------------------------------------------------------------

    async def open_due(self, batch: int) -> int:
        """Every invoice that fell overdue joins a case: the client's open one, or a new one (and
        the request for a guarantee letter goes out). Returns how many cases were opened.

        Up to ``batch`` clients at a time, those with the oldest such invoice first, each with all
        of its invoices, so that a case opens with the whole overdue debt. The clients are found
        with one anti-join over the open debt (its partial index holds the invoice id): most
        overdue invoices are in a case already, and one pass over them costs less than a probe
        each."""
        today = self.today
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
                    CollectionCase.client_id.in_(list(by_client)), CollectionCase.stage != S.CLOSED
                )
            )
        }
        for client_id, invoices in by_client.items():
            case = open_cases.get(client_id)
            if case is None:
                continue
            self._link(case, invoices)
            touch(case, self.uow)
            self.history.record(
                "collection_case", case.id, "invoices_added", None, {"invoice_ids": [i.id for i in invoices]}
            )
        opening = {
            client_id: Overdue(invoices)
            for client_id, invoices in by_client.items()
            if client_id not in open_cases
        }
        await self._open_many(opening)
        await self.uow.session.flush()
        return len(opening)

    def _link(self, case: CollectionCase, invoices: list[Invoice]) -> None:
        self._link_rows(case, invoices)
        case.invoice_ids = [*case.invoice_ids, *(i.id for i in invoices)]

    def _link_rows(self, case: CollectionCase, invoices: list[Invoice]) -> None:
        self.uow.session.add_all(
            CollectionCaseInvoice(case_id=case.id, invoice_id=invoice.id, added_on=self.today)
            for invoice in invoices
        )

    async def _open_many(self, opening: dict[int, Overdue]) -> None:
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
        contacts = await self._letter_contacts(ids)
        fallback: int | None = None
        if any(not (c.assistant_id or c.manager_id) for c in clients.values()):
            fallback = await self._holder(Role.ASSISTANT, Role.HEAD, Role.DIRECTOR)
        now = self.uow.clock.now()
        cases: dict[int, CollectionCase] = {}
        for client_id, debt in opening.items():
            client = clients[client_id]
            cases[client_id] = CollectionCase(
                client_id=client_id,
                episode=episodes.get(client_id, 0) + 1,
                stage=S.GUARANTEE_REQUESTED,
                assignee_id=client.assistant_id or client.manager_id or fallback,
                opened_on=self.today,
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
        steps: list[_NewStep] = []
        for client_id, case in cases.items():
            client, debt = clients[client_id], opening[client_id]
            self._link_rows(case, debt.invoices)
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
                        body=_guarantee_request_text(client, contact, debt, self.today),
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
                _NewStep(
                    case,
                    "guarantee_request",
                    case.assignee_id,
                    TaskKind.REQUEST_DOCUMENT,
                    f"Получить гарантийное письмо от «{client.name}»",
                    f"Просрочено {format_rub(debt.debt)} по счетам {numbers}. {how} Письмо — на бланке "
                    f"клиента, дата оплаты не позднее {policy.GUARANTEE_MAX_DAYS} календарных дней от "
                    "получения.",
                    self.uow.calendar.add_working_days(self.today, 1),
                )
            )
        await OutboxService(self.uow).add_many(messages)
        await self._add_steps(steps)

    async def undrafted(self, batch: int) -> list[int]:
        """Cases whose claim draft the worker has not made yet (its job lost or failed)."""
        rows = await self.uow.session.scalars(
            select(CollectionCase.id)
            .where(CollectionCase.stage == S.CLAIM_REQUESTED, CollectionCase.claim_drafted_at.is_(None))
            .order_by(CollectionCase.id)
            .limit(batch)
        )
        return list(rows)

    async def advance(self, batch: int) -> int:
        """The steps that fell due on open cases, each made once."""
        today = self.today
        cases = (
            await self.uow.session.scalars(
                select(CollectionCase).where(self._due(today)).order_by(CollectionCase.id).limit(batch)
            )
        ).all()
        if not cases:
            return 0
        ids = [case.id for case in cases]
        steps = await self.uow.session.execute(
            select(CollectionStep.case_id, CollectionStep.step).where(CollectionStep.case_id.in_(ids))
        )
        # Their clients into the session at once (the steps' texts name them); held while it runs.
        clients = (
            await self.uow.session.scalars(select(Client).where(Client.id.in_({c.client_id for c in cases})))
        ).all()
        self._known_steps = {(case_id, step) for case_id, step in steps}
        self._pending_steps = []
        self._debts = {case_id: Overdue([]) for case_id in ids}
        unpaid = await self.uow.session.execute(
            select(CollectionCaseInvoice.case_id, Invoice)
            .join(Invoice, Invoice.id == CollectionCaseInvoice.invoice_id)
            .where(CollectionCaseInvoice.case_id.in_(ids), Invoice.paid_total < Invoice.total)
            .order_by(Invoice.due_on, Invoice.id)
        )
        for case_id, invoice in unpaid:
            self._debts[case_id].invoices.append(invoice)
        self._contacts = {}
        for contact in await self.uow.session.scalars(
            select(ClientContact)
            .where(ClientContact.client_id.in_({c.client_id for c in cases}))
            .order_by(ClientContact.id)
        ):
            self._contacts.setdefault(contact.client_id, []).append(contact)
        made = 0
        try:
            for case in cases:
                made += await self._advance(case, today)
            await self._write_pending_steps()
        finally:
            self._known_steps = self._pending_steps = None
            self._debts = self._contacts = None
        del clients
        return made

    def _due(self, today: date) -> ColumnElement[bool]:
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
            return _latest_day(today, start, deadline)

        stage = CollectionCase.stage
        promised = CollectionCase.promised_on
        month_ago = today - timedelta(days=31)
        conditions = [
            (stage == S.GUARANTEE_REQUESTED)
            & (
                CollectionCase.opened_on  # the day the request went out
                <= latest(month_ago, lambda d: policy.guarantee_overdue_on(d, calendar))
            ),
            (stage == S.GUARANTEE_RECEIVED)
            & (
                (promised <= latest(month_ago, lambda d: policy.breach_on(d, calendar)))
                | (
                    (promised >= today)
                    & (promised <= latest(today, lambda d: policy.confirmation_call_on(d, calendar)))
                    & ~done("promise_call")
                )
            ),
            (stage == S.WAITING)
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
            stage.in_([S.CLAIM_SENT, S.DELIVERED])
            & (
                (CollectionCase.court_allowed_on <= today)
                | (
                    (stage == S.CLAIM_SENT)
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
            conditions.append((stage == S.IN_COURT) & ~done(f"checkpoint:{today.isoformat()}"))
        return or_(*conditions)

    async def _advance(self, case: CollectionCase, today: date) -> int:
        calendar = self.uow.calendar
        made = 0
        if case.stage == S.GUARANTEE_REQUESTED:
            if today >= policy.guarantee_overdue_on(case.opened_on, calendar):
                why = f"клиент не прислал гарантийное письмо в срок (запрошено {_d(case.opened_on)})"
                made += await self._no_guarantee(case, today, why)
        elif case.stage == S.GUARANTEE_RECEIVED and case.promised_on is not None:
            call_on = policy.confirmation_call_on(case.promised_on, calendar)
            if today >= call_on and case.promised_on >= today:
                made += await self._step(
                    case,
                    "promise_call",
                    case.assignee_id,
                    TaskKind.CALL,
                    f"Позвонить клиенту: подтвердить оплату по гарантийному письму до {_d(case.promised_on)}",
                    f"Клиент обещал оплатить {_d(case.promised_on)}. Подтвердить платёж.",
                    call_on,
                )
            if today >= policy.breach_on(case.promised_on, calendar):
                made += await self._breach(case, today, "нарушен срок гарантийного письма")
        elif case.stage == S.WAITING and case.negotiated_on is not None:
            if today >= (case.wait_ends_on or policy.wait_ends(case.negotiated_on, calendar)):
                made += await self._request_claim(case, today)
        elif case.stage in (S.CLAIM_SENT, S.DELIVERED) and case.claim_sent_on is not None:
            if (
                case.stage == S.CLAIM_SENT
                and case.delivered_on is None
                and today >= policy.tracking_check_on(case.claim_sent_on, calendar)
            ):
                made += await self._step(
                    case,
                    "tracking_followup",
                    case.assignee_id,
                    TaskKind.CHECK,
                    f"Претензия не вручена за {policy.TRACKING_DAYS} дней: выяснить на почте",
                    f"Письмо {case.tracking_number} отправлено {_d(case.claim_sent_on)}. "
                    "Проверить на сайте Почты России и в отделении, где оно.",
                    today,
                )
            if case.court_allowed_on is not None and today >= case.court_allowed_on:
                made += await self._court_ready(case, today)
        elif case.stage == S.IN_COURT and today in policy.checkpoint_days(today, today, calendar):
            head = await self._holder(Role.HEAD, Role.DIRECTOR)
            made += await self._step(
                case,
                f"checkpoint:{today.isoformat()}",
                head,
                TaskKind.CHECK,
                f"Контрольная точка по судебной задолженности (дело {case.court_case_number or '—'})",
                "Сверить с юристом и помощником: стадия дела, заседания, оплаты, следующий шаг.",
                today,
            )
        return made

    async def _breach(self, case: CollectionCase, today: date, why: str) -> int:
        """The promise is broken (or refused): a call for the reason, the head gets the case."""
        client = await ClientService(self.uow).get_for_system(case.client_id)
        debt = await self.case_debt(case.id)
        before = case.stage
        case.stage = S.ESCALATED
        case.breached_on = today
        touch(case, self.uow)
        self.history.record(
            "collection_case",
            case.id,
            "escalated",
            {"stage": before.value},
            {"stage": case.stage.value, "reason": why, "debt": str(debt.debt)},
        )
        made = await self._step(
            case,
            "breach_call",
            case.assignee_id,
            TaskKind.CALL,
            f"«{client.name}» не оплатил: позвонить и выяснить причину",
            f"{why.capitalize()}. Долг {format_rub(debt.debt)}.",
            today,
        )
        head = await self._holder(Role.HEAD, Role.DIRECTOR)
        made += await self._step(
            case,
            "escalation",
            head,
            TaskKind.ESCALATE,
            f"Просроченная задолженность «{client.name}»: {format_rub(debt.debt)}",
            await self._escalation_text(case, client, debt, today, why),
            policy.escalation_due(today, self.uow.calendar),
        )
        return made

    async def _escalation_text(
        self, case: CollectionCase, client: Client, debt: Overdue, today: date, why: str
    ) -> str:
        calendar = self.uow.calendar
        lines = [f"Причина: {why}.", f"Сумма задолженности: {format_rub(debt.debt)}."]
        for invoice in debt.invoices:
            days = policy.days_overdue(invoice.due, today, calendar)
            lines.append(
                f"Счёт № {invoice.number} от {_d(invoice.issued_on)}: срок {_d(invoice.due)}, "
                f"долг {format_rub(invoice.outstanding)}, просрочка {days} дн."
            )
        if case.guarantee_refused:
            lines.append("Гарантийное письмо: клиент отказался его дать.")
        elif case.promised_on is not None:
            lines.append(f"Гарантийное письмо: оплата обещана до {_d(case.promised_on)}, не выполнено.")
            if case.guarantee_file_id is not None:
                lines.append(
                    f"Скан письма: /api/v1/collection-cases/{case.id}/attachments/{case.guarantee_file_id}"
                )
        else:
            lines.append("Гарантийное письмо не получено.")
        lines.append("Контакты (звонки на всех уровнях, от снабженца до руководителя):")
        if self._contacts is not None:
            contacts: Sequence[ClientContact] = self._contacts.get(client.id, [])
        else:
            contacts = (
                await self.uow.session.scalars(
                    select(ClientContact)
                    .where(ClientContact.client_id == client.id)
                    .order_by(ClientContact.id)
                )
            ).all()
        order = list(ContactLevel)
        for contact in sorted(contacts, key=lambda c: order.index(c.level)):
            reach = ", ".join([*contact.phones, *contact.emails]) or "нет телефона и почты"
            lines.append(f"— {LEVEL_NAMES[contact.level]}: {contact.name} ({reach})")
        if not contacts:
            lines.append("— контактов в карточке нет")
        return "\n".join(lines)

    async def _request_claim(self, case: CollectionCase, today: date) -> int:
        client = await ClientService(self.uow).get_for_system(case.client_id)
        before = case.stage
        case.stage = S.CLAIM_REQUESTED
        case.claim_requested_on = today
        touch(case, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "collection_case",
            case.id,
            "claim_requested",
            {"stage": before.value},
            {"stage": case.stage.value},
        )
        lawyer = await self._holder(Role.LAWYER, Role.HEAD, Role.DIRECTOR)
        self.uow.after_commit(DRAFT_JOB, case.id, job_id=f"claim-draft:{case.id}")
        return await self._step(
            case,
            "claim_request",
            lawyer,
            TaskKind.REQUEST_DOCUMENT,
            f"Подготовить претензию и расчёт неустойки: «{client.name}»",
            "Черновик претензии с расчётом процентов по ст. 395 ГК РФ готовит система; проверить, "
            "при необходимости исправить текст и утвердить. Претензия уходит в день утверждения.",
            policy.claim_prepare_due(today, self.uow.calendar),
        )

    async def _court_ready(self, case: CollectionCase, today: date) -> int:
        debt = await self.case_debt(case.id)
        client = await ClientService(self.uow).get_for_system(case.client_id)
        before = case.stage
        case.stage = S.COURT_READY
        touch(case, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "collection_case",
            case.id,
            "court_ready",
            {"stage": before.value},
            {"stage": case.stage.value, "debt": str(debt.debt)},
        )
        made = await self._step(
            case,
            "court_documents",
            case.assignee_id,
            TaskKind.SEND_DOCUMENT,
            f"Документы для юриста: «{client.name}», долг {format_rub(debt.debt)}",
            "Претензионный срок истёк. Передать юристу: претензию, доказательства отправки (квитанция, "
            "трек-номер и история), уведомление о вручении, счета, УПД, акты сверки, договор, расчёт.",
            self.uow.calendar.add_working_days(today, 1),
        )
        lawyer = await self._holder(Role.LAWYER, Role.HEAD, Role.DIRECTOR)
        made += await self._step(
            case,
            "court_filing",
            lawyer,
            TaskKind.CHECK,
            f"Иск к «{client.name}»: претензионный срок истёк {_d(today)}",
            f"Претензия отправлена {_d(case.claim_sent_on or today)}, оплаты нет. Подготовить иск.",
            self.uow.calendar.add_working_days(today, 3),
        )
        return made

    async def _step(
        self,
        case: CollectionCase,
        step: str,
        assignee: int | None,
        kind: TaskKind,
        title: str,
        description: str,
        day: date,
    ) -> int:
        """One step of the case: its task (when someone can take it) and its row, made once."""
        if self._known_steps is not None:
            if (case.id, step) in self._known_steps:
                return 0
            self._known_steps.add((case.id, step))
        else:
            known = await self.uow.session.scalar(
                select(CollectionStep.id).where(
                    CollectionStep.case_id == case.id, CollectionStep.step == step
                )
            )
            if known is not None:
                return 0
        new = _NewStep(case, step, assignee, kind, title, description, day)
        if self._pending_steps is not None:
            self._pending_steps.append(new)
        else:
            await self._add_steps([new])
        return 1

    async def _write_pending_steps(self) -> None:
        if self._pending_steps:
            pending, self._pending_steps = self._pending_steps, []
            await self._add_steps(pending)

    async def _add_steps(self, steps: Sequence[_NewStep]) -> None:
        """Steps not made yet: their tasks in one flush, their rows in another."""
        calendar = self.uow.calendar
        drafts: dict[int, NewTask] = {}
        for index, s in enumerate(steps):
            if s.assignee is not None:
                due = max(calendar.next_working_day(s.day), calendar.next_working_day(self.today))
                drafts[index] = NewTask(
                    kind=s.kind,
                    title=s.title[:300],
                    description=s.description,
                    assignee_id=s.assignee,
                    due_at=calendar.at(due, policy.DUE_TIME),
                    subject_type=TaskSubject.DEBT,
                    subject_id=s.case.id,
                )
        tasks = await self.tasks.add_many(list(drafts.values()))
        task_ids = {index: task.id for index, task in zip(drafts, tasks, strict=True)}
        now = self.uow.clock.now()
        self.uow.session.add_all(
            CollectionStep(case_id=s.case.id, step=s.step, task_id=task_ids.get(index), created_at=now)
            for index, s in enumerate(steps)
        )
        await self.uow.session.flush()
        for index, s in enumerate(steps):
            self.history.record(
                "collection_case", s.case.id, "step", None, {"step": s.step, "task_id": task_ids.get(index)}
            )

    # --- actions ----------------------------------------------------------------------------------

    async def allowed_now(self, case: CollectionCase) -> list[str]:
        """The case's allowed actions (by endpoint name) whose preconditions hold now: the
        negotiation ends once a call is logged; the claim is edited and approved once drafted."""
        held = set()
        if case.claim_view is None or not case.claim_text:
            held |= {"claim", "approve"}
        if case.stage == S.ESCALATED and not await self.uow.session.scalar(
            select(func.count()).select_from(CollectionCall).where(CollectionCall.case_id == case.id)
        ):
            held.add("negotiation-done")
        return [action for action in case_actions(case.stage) if action not in held]

    async def _for(self, case_id: int, action: str, if_match: int | None) -> CollectionCase:
        case = await self.get(case_id)
        ensure_version(case, if_match, "collection case")
        sources, _ = TRANSITIONS[action]
        if case.stage not in sources:
            raise ACTIONS.refusal(case.stage, action)
        return case

    async def _move(self, case: CollectionCase, action: str, payload: dict[str, Any]) -> None:
        before = case.stage
        target = TRANSITIONS[action][1]
        if target is not None:
            case.stage = target
        touch(case, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "collection_case", case.id, action, {"stage": before.value}, {"stage": case.stage.value} | payload
        )

    async def add_file(
        self,
        case_id: int,
        kind: CaseFileKind,
        filename: str | None,
        content: bytes,
        storage: Storage,
        max_bytes: int,
    ) -> CollectionFile:
        case = await self.get(case_id)
        checked = check_document(content, max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        key = f"documents/collection/{case.id}/{digest}.{checked.extension}"
        await storage.put(key, content, checked.content_type)
        name = (filename or "").strip().replace("/", "_").replace("\\", "_")[:200]
        row = CollectionFile(
            case_id=case.id,
            kind=kind,
            filename=storable(name) or f"{kind.value}.{checked.extension}",
            content_type=checked.content_type,
            size=len(content),
            storage_key=key,
            uploaded_by_id=self.uow.actor.id if self.uow.actor else None,
            created_at=self.uow.clock.now(),
        )
        self.uow.session.add(row)
        await self.uow.session.flush()
        self.history.record("collection_case", case.id, "file_added", None, snapshot(row))
        return row

    async def file_content(
        self, case_id: int, file_id: int, storage: Storage
    ) -> tuple[CollectionFile, bytes]:
        await self.get(case_id)
        row = await self.uow.session.get(CollectionFile, file_id)
        if row is None or row.case_id != case_id:
            raise NotFound("collection case file", file_id)
        stored = await storage.get(row.storage_key)
        if stored is None:
            raise NotFound("collection case file", file_id)
        return row, stored.content

    async def _file(
        self, case: CollectionCase, file_id: int, kind: CaseFileKind, field: str
    ) -> CollectionFile:
        row = await self.uow.session.get(CollectionFile, file_id)
        if row is None or row.case_id != case.id:
            raise FieldError(field, f"file {file_id} is not a file of this case")
        if row.kind != kind:
            raise FieldError(field, f"file {file_id} is a {row.kind.value}, not a {kind.value}")
        return row

    async def receive_guarantee(
        self, case_id: int, promised_on: date, file_id: int, if_match: int | None
    ) -> CollectionCase:
        case = await self._for(case_id, "receive_guarantee", if_match)
        reason = policy.check_promise(promised_on, self.today)
        if reason is not None:
            raise FieldError("promised_on", reason)
        await self._file(case, file_id, CaseFileKind.GUARANTEE_LETTER, "file_id")
        case.promised_on = promised_on
        case.guarantee_file_id = file_id
        await self._move(
            case, "receive_guarantee", {"promised_on": promised_on.isoformat(), "file_id": file_id}
        )
        await self._close_step_tasks(case, "guarantee_request")
        return case

    async def refuse_guarantee(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        case = await self._for(case_id, "refuse_guarantee", if_match)
        case.guarantee_refused = True
        self.history.record("collection_case", case.id, "guarantee_refused", None, {"comment": comment})
        await self._no_guarantee(case, self.today, f"клиент отказался от гарантийного письма: {comment}")
        return case

    async def _no_guarantee(self, case: CollectionCase, today: date, why: str) -> int:
        """No guarantee letter: refused, or not sent in time (the sweep). The case escalates as on a
        broken promise, and the request's task is over."""
        made = await self._breach(case, today, why)
        await self._close_step_tasks(case, "guarantee_request")
        return made

    async def log_call(
        self,
        case_id: int,
        *,
        level: ContactLevel,
        contact_id: int | None,
        reached: bool,
        result: str,
        promised_on: date | None,
    ) -> CollectionCall:
        case = await self._for(case_id, "log_call", None)
        if contact_id is not None:
            contact = await self.uow.session.get(ClientContact, contact_id)
            if contact is None or contact.client_id != case.client_id:
                raise FieldError("contact_id", f"contact {contact_id} is not a contact of this client")
            if contact.level != level:
                raise FieldError(
                    "level", f"contact {contact_id} is a {contact.level.value}, not a {level.value}"
                )
        if promised_on is not None and (reason := policy.check_promise(promised_on, self.today)):
            raise FieldError("promised_on", reason)
        call = CollectionCall(
            case_id=case.id,
            level=level.value,
            contact_id=contact_id,
            reached=reached,
            result=result,
            promised_on=promised_on,
            called_by_id=self.uow.actor.id if self.uow.actor else None,
            created_at=self.uow.clock.now(),
        )
        self.uow.session.add(call)
        await self._move(case, "log_call", {"call": snapshot_call(call)})
        if promised_on is not None:
            # The promise is checked as a guarantee letter's is: a call the working day before.
            await self._step(
                case,
                f"promise_call:{promised_on.isoformat()}",
                case.assignee_id,
                TaskKind.CALL,
                f"Позвонить клиенту: подтвердить оплату до {_d(promised_on)}, обещанную в переговорах",
                f"В переговорах ({LEVEL_NAMES[level]}) клиент обещал "
                f"оплатить до {_d(promised_on)}. Подтвердить платёж.",
                policy.confirmation_call_on(promised_on, self.uow.calendar),
            )
        return call

    async def finish_negotiation(self, case_id: int, comment: str, if_match: int | None) -> CollectionCase:
        case = await self._for(case_id, "finish_negotiation", if_match)
        calls = await self.uow.session.scalar(
            select(func.count()).select_from(CollectionCall).where(CollectionCall.case_id == case.id)
        )
        if not calls:
            raise Conflict("log the negotiation calls first: none is recorded for this case")
        case.negotiated_on = self.today
        waits = policy.wait_ends(self.today, self.uow.calendar)
        promised = await self.uow.session.scalar(
            select(func.max(CollectionCall.promised_on)).where(CollectionCall.case_id == case.id)
        )
        if promised is not None:
            # A date the client named in the calls is waited for: the claim is asked for only if
            # the money has not come by then.
            waits = max(waits, policy.breach_on(promised, self.uow.calendar))
        case.wait_ends_on = waits
        await self._move(
            case, "finish_negotiation", {"comment": comment, "claim_requested_on": waits.isoformat()}
        )
        return case

    # --- the claim letter -------------------------------------------------------------------------

    async def draft_claim(self, case_id: int, company: CompanySettings, *, hold: bool = True) -> str:
        """The worker's draft: the debt, the invoices, up to today the penalty the client's contract
        sets (art. 330) or else the interest under art. 395 (its p. 4), and the letter's text; the
        lawyer edits it before approving. Done once: «drafted», or «skipped» when there is nothing to do.

        A key rate the table still marks unconfirmed is never printed: the draft is held («held»),
        the case says which rows, and the lawyer gets a task to confirm them; the sweep drafts the
        letter once they are. With ``hold=False`` such a case is left untouched («unconfirmed»), so
        the caller can refresh the rates from the Bank of Russia first."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.stage != S.CLAIM_REQUESTED or case.claim_drafted_at is not None:
            return "skipped"
        client = await ClientService(self.uow).get_for_system(case.client_id)
        rate, cap = client.penalty_rate_per_day_percent, client.penalty_cap_percent
        method = Method.KEY_RATE if rate is None else Method.CONTRACTUAL
        today = self.today
        debt = await self.case_debt(case.id)
        rows: list[dict[str, Any]] = []
        periods: list[dict[str, Any]] = []
        penalty_total = ZERO
        error = None
        calendar = self.uow.calendar
        for invoice in debt.invoices:
            paid = await self.uow.session.execute(
                select(Payment.paid_on, PaymentAllocation.amount)
                .join(Payment, Payment.id == PaymentAllocation.payment_id)
                .where(PaymentAllocation.invoice_id == invoice.id)
                .order_by(Payment.paid_on)
            )
            penalty = uncapped = ZERO
            # Interest runs on what was still owed when the invoice fell due: a prepayment or a part
            # paid before then lowers the principal; what came later lowers it from its day.
            payments = [(day, amount) for day, amount in paid]
            owed = invoice.total - sum((a for day, a in payments if day < invoice.due), ZERO)
            try:
                calc = await PenaltyService(self.uow).calculate(
                    Request(
                        method=method,
                        principal=owed,
                        due_date=invoice.due,
                        until=today,
                        payments=tuple(
                            PenaltyPayment(day, amount) for day, amount in payments if day >= invoice.due
                        ),
                        rate_per_day_percent=rate,
                        cap_percent=cap,
                    )
                )
            except FieldError as exc:
                error = f"счёт № {invoice.number}: {exc.detail}"
            else:
                penalty = calc.result.total
                uncapped = calc.result.uncapped_total
                periods += [
                    {
                        "invoice": invoice.number,
                        "start": p.start.isoformat(),
                        "end": p.end.isoformat(),
                        "days": p.days,
                        "principal": str(p.principal),
                        "rate": str(p.rate_percent),
                        "days_in_year": p.days_in_year,
                        "amount": str(p.amount),
                    }
                    for p in calc.result.periods
                ]
            penalty_total += penalty
            row: dict[str, Any] = {
                "number": invoice.number,
                "issued_on": invoice.issued_on.isoformat(),
                "shipped_on": invoice.shipped_on.isoformat() if invoice.shipped_on else None,
                "due_on": invoice.due.isoformat(),
                "total": str(invoice.total),
                "paid": str(invoice.paid_total),
                "debt": str(invoice.outstanding),
                "days_overdue": policy.days_overdue(invoice.due, today, calendar),
                "penalty": str(penalty),
            }
            if method is Method.CONTRACTUAL:  # the cap cut the penalty: the appendix says so
                row["capped"] = penalty < uncapped
                row["uncapped_penalty"] = str(uncapped)
            rows.append(row)
        unconfirmed = await self._unconfirmed_rates(periods) if method is Method.KEY_RATE else []
        if unconfirmed:
            if not hold:
                return "unconfirmed"
            await self._hold_claim(case, client.name, unconfirmed)
            return "held"
        director = await self._director(client.id)
        view: dict[str, Any] = {
            "number": f"{case.id}-{case.episode}",
            "date": today.isoformat(),
            "until": today.isoformat(),
            "supplier": {
                "name": company.name,
                "inn": company.inn,
                "kpp": company.kpp,
                "address": company.address,
                "bank_name": company.bank_name,
                "bik": company.bik,
                "account": company.account,
                "correspondent_account": company.correspondent_account,
                "director_name": company.director_name,
            },
            "buyer": {
                "name": client.name,
                "inn": client.inn,
                "kpp": client.kpp,
                "address": client.legal_address or client.actual_address or "",
                "director": director,
            },
            "basis": "key_rate" if method is Method.KEY_RATE else "contract",
            "contract": _contract_of(client),
            "penalty_terms": None
            if rate is None
            else {
                "contract_number": client.contract_number,
                "contract_date": client.contract_date.isoformat() if client.contract_date else None,
                "rate_per_day_percent": str(rate),
                "cap_percent": None if cap is None else str(cap),
            },
            "invoices": rows,
            "periods": periods,
            "debt": str(debt.debt),
            "penalty": str(penalty_total),
            "total": str(debt.debt + penalty_total),
            "days_overdue": max((r["days_overdue"] for r in rows), default=0),
            "pay_within_days": policy.CLAIM_PAYMENT_TERM_DAYS,
        }
        case.claim_view = view
        case.claim_text = claim_text(view)
        case.claim_error = error
        case.claim_drafted_at = self.uow.clock.now()
        touch(case, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "collection_case",
            case.id,
            "claim_drafted",
            None,
            {"debt": view["debt"], "penalty": view["penalty"], "basis": view["basis"], "error": error},
        )
        await self._close_step_tasks(case, "claim_rates")
        return "drafted"

    async def _unconfirmed_rates(self, periods: Sequence[dict[str, Any]]) -> list[tuple[date, Decimal]]:
        """The key-rate rows the calculation used that are not confirmed: each period lies within one
        row's span (the calculator splits periods where the rate changes)."""
        rows = await KeyRateService(self.uow).rows()
        used: dict[date, tuple[date, Decimal]] = {}
        for period in periods:
            start = date.fromisoformat(period["start"])
            row = next((r for r in reversed(rows) if r.effective_from <= start), None)
            if row is not None and row.status == RateStatus.UNCONFIRMED:
                used[row.effective_from] = (row.effective_from, from_bp(row.rate_bp))
        return [used[day] for day in sorted(used)]

    async def _hold_claim(
        self, case: CollectionCase, client_name: str, rows: Sequence[tuple[date, Decimal]]
    ) -> None:
        listing = "; ".join(f"с {_d(day)} — {_percent(rate)} %" for day, rate in rows)
        reason = f"ключевая ставка не подтверждена Банком России: {listing}"
        if case.claim_error != reason:
            case.claim_error = reason
            touch(case, self.uow)
            await self.uow.session.flush()
            self.history.record(
                "collection_case",
                case.id,
                "claim_held",
                None,
                {
                    "unconfirmed_rates": [
                        {"effective_from": d.isoformat(), "rate_percent": str(r)} for d, r in rows
                    ]
                },
            )
        lawyer = await self._holder(Role.LAWYER, Role.HEAD, Role.DIRECTOR)
        await self._step(
            case,
            "claim_rates",
            lawyer,
            TaskKind.CHECK,
            f"Подтвердить ключевую ставку для претензии «{client_name}»",
            "Претензия не подготовлена: расчёт процентов по ст. 395 ГК РФ опирается на ставки, не "
            f"подтверждённые Банком России: {listing}. Сверить с историей ключевой ставки на cbr.ru и "
            "подтвердить (pomoshnik rates import); после этого черновик претензии подготовится сам.",
            self.today,
        )

    async def _director(self, client_id: int) -> dict[str, str] | None:
        """The client's director from its card (the first contact of the director's level), as the
        claim's addressee prints it: position and name in the dative."""
        contact = await self.uow.session.scalar(
            select(ClientContact)
            .where(ClientContact.client_id == client_id, ClientContact.level == ContactLevel.DIRECTOR)
            .order_by(ClientContact.id)
            .limit(1)
        )
        if contact is None or not contact.name.strip():
            return None
        position = (contact.position or "").strip() or "Директор"
        return {
            "name": contact.name.strip(),
            "position": position,
            "name_dative": person_dative(contact.name.strip()),
            "position_dative": position_dative(position),
        }

    async def edit_claim(
        self, case_id: int, text: str | None, contract: str | None, if_match: int | None
    ) -> CollectionCase:
        case = await self._for(case_id, "edit_claim", if_match)
        if case.claim_view is None:
            raise Conflict("the draft is not ready yet: the worker is preparing it")
        before = {"text": case.claim_text, "contract": case.claim_view.get("contract")}
        if text is not None:
            case.claim_text = text
        if contract is not None:
            case.claim_view = case.claim_view | {"contract": contract}
        await self._move(case, "edit_claim", {"before": before})
        return case

    async def approve_claim(self, case_id: int, if_match: int | None) -> CollectionCase:
        case = await self._for(case_id, "approve_claim", if_match)
        if case.claim_view is None or not case.claim_text:
            raise Conflict("the draft is not ready yet: the worker is preparing it")
        case.claim_approved_by_id = self.uow.actor.id if self.uow.actor else None
        case.claim_approved_at = self.uow.clock.now()
        await self._move(case, "approve_claim", {})
        await self._close_step_tasks(case, "claim_request")
        client = await ClientService(self.uow).get_for_system(case.client_id)
        await self._step(
            case,
            "claim_send",
            case.assignee_id,
            TaskKind.SEND_DOCUMENT,
            f"Отправить претензию «{client.name}» сегодня: почтой с уведомлением и по e-mail",
            "Отправить заказным письмом с уведомлением о вручении, внести трек-номер — письмо по e-mail "
            "с PDF уйдёт автоматически.",
            self.today,
        )
        return case

    async def send_claim(
        self, case_id: int, tracking_number: str, email: str | None, if_match: int | None
    ) -> CollectionCase:
        """Record the dispatch once: the registered letter's number and the email with the PDF (sent
        by the worker exactly once). A second click finds the case sent and changes nothing."""
        case = await self.get(case_id)
        ensure_version(case, if_match, "collection case")
        if case.stage == S.CLAIM_REQUESTED:
            raise Conflict("the lawyer has not approved the claim letter yet", code="claim_not_approved")
        case = await self._for(case_id, "send_claim", if_match)
        try:
            barcode = parse_barcode(tracking_number)
        except ValueError as exc:
            raise FieldError("tracking_number", str(exc), code="bad_tracking_number") from exc
        if barcode.kind != "domestic":
            raise FieldError(
                "tracking_number", "a registered letter in Russia has a 14-digit domestic number"
            )
        recipient = email
        if recipient is None:
            contact = await self._letter_contact(case.client_id)
            if contact is None:
                raise FieldError("email", "the client has no contact with an email: give the address")
            recipient = contact.emails[0]
        client = await ClientService(self.uow).get_for_system(case.client_id)
        today = self.today
        message, _ = await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=recipient,
            subject=f"Претензия № {case.claim_view['number'] if case.claim_view else case.id} "
            f"о погашении задолженности",
            body=(
                f"Уважаемые коллеги!\n\nНаправляем претензию о погашении задолженности «{client.name}» "
                f"(во вложении, PDF). Оригинал отправлен заказным письмом с уведомлением о вручении, "
                f"почтовый идентификатор {barcode.value}.\n\nС уважением,\nотдел продаж"
            ),
            dedupe_key=f"collection:{case.id}:claim",
            about=(MessageAbout.COLLECTION_CASE, case.id),
            payload={"attachments": [{"kind": "claim_pdf", "case_id": case.id}]},
        )
        case.tracking_number = barcode.value
        case.claim_sent_on = today
        case.claim_sent_by_id = self.uow.actor.id if self.uow.actor else None
        case.claim_message_id = message.id
        case.claim_pdf_key = f"documents/collection/{case.id}/claim.pdf"
        case.court_allowed_on = policy.court_allowed_on(today, self.uow.calendar)
        await self._move(
            case,
            "send_claim",
            {
                "tracking_number": barcode.value,
                "email": recipient,
                "message_id": message.id,
                "court_allowed_on": case.court_allowed_on.isoformat(),
            },
        )
        await self._close_step_tasks(case, "claim_send")
        return case

    async def guarantee_sample(self, case_id: int, company: CompanySettings) -> dict[str, Any] | None:
        """What the sample guarantee letter prints: the debt as it is when the email goes out."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None:
            return None
        client = await ClientService(self.uow).get_for_system(case.client_id)
        debt = await self.case_debt(case.id)
        return {
            "supplier_name": company.name,
            "supplier_inn": company.inn,
            "supplier_director": company.director_name,
            "client_name": client.name,
            "client_inn": client.inn,
            "client_kpp": client.kpp,
            "debt": str(debt.debt),
            "invoices": [
                {
                    "number": i.number,
                    "issued_on": i.issued_on.isoformat(),
                    "due_on": i.due.isoformat(),
                    "debt": str(i.outstanding),
                }
                for i in debt.invoices
            ],
            "latest": policy.latest_promise(self.today).isoformat(),
        }

    async def claim_for_sending(self, case_id: int) -> ClaimToSend | None:
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.claim_view is None or case.claim_text is None or case.claim_pdf_key is None:
            return None
        return ClaimToSend(
            key=case.claim_pdf_key,
            stored=case.claim_pdf_stored_at is not None,
            view=case.claim_view,
            text=case.claim_text,
            number=str(case.claim_view.get("number", case.id)),
        )

    async def record_claim_stored(self, case_id: int, digest: str) -> None:
        """The sent PDF is in storage: its hash is kept with the case, once."""
        await self.uow.session.execute(
            update(CollectionCase)
            .where(CollectionCase.id == case_id, CollectionCase.claim_pdf_stored_at.is_(None))
            .values(claim_pdf_sha256=digest, claim_pdf_stored_at=self.uow.clock.now())
        )

    # --- the post ---------------------------------------------------------------------------------

    async def to_track(self, batch: int) -> list[tuple[int, str, date | None]]:
        """The posted letters not yet handed over, checked longest ago first: (case, number, posted on)."""
        rows = await self.uow.session.execute(
            select(CollectionCase.id, CollectionCase.tracking_number, CollectionCase.claim_sent_on)
            .where(
                CollectionCase.stage == S.CLAIM_SENT,
                CollectionCase.delivered_on.is_(None),
                CollectionCase.tracking_number.is_not(None),
            )
            .order_by(CollectionCase.tracking_checked_at.is_not(None), CollectionCase.tracking_checked_at)
            .limit(batch)
        )
        return [(row[0], row[1], row[2]) for row in rows if row[1] is not None]

    async def record_tracking(self, case_id: int, operations: list[TrackingOperation]) -> bool:
        """The letter's history as the post gives it; delivered when it was handed over. An operation
        dated before the day the letter was posted is not the letter's (the post reuses its numbers,
        and a mistyped number names another item): it is left out, and never counts as delivery."""
        case = await self.uow.session.get(CollectionCase, case_id)
        if case is None or case.stage != S.CLAIM_SENT:
            return False
        if case.claim_sent_on is not None:
            posted_on = case.claim_sent_on
            operations = [o for o in operations if self.uow.calendar.local_date(o.at) >= posted_on]
        history = [
            {"at": o.at.isoformat(), "operation": o.operation, "attribute": o.attribute, "place": o.place}
            for o in operations
        ]
        case.tracking_checked_at = self.uow.clock.now()
        changed = history != case.tracking
        case.tracking = history
        handed = [o for o in operations if o.operation == DELIVERED_OPERATION]
        if handed:
            case.delivered_on = self.uow.calendar.local_date(handed[0].at)
            case.stage = S.DELIVERED
            touch(case, self.uow)
            await self.uow.session.flush()
            self.history.record(
                "collection_case",
                case.id,
                "delivered",
                {"stage": S.CLAIM_SENT.value},
                {"stage": case.stage.value, "delivered_on": case.delivered_on.isoformat()},
            )
            await self._close_step_tasks(case, "tracking_followup")
            await self._step(
                case,
                "delivery_receipt",
                case.assignee_id,
                TaskKind.CHECK,
                "Претензия вручена: получить уведомление о вручении, следить за оплатой",
                f"Вручено {_d(case.delivered_on)}. Суд возможен с {_d(case.court_allowed_on or self.today)}.",
                self.today,
            )
        elif changed:
            self.history.record("collection_case", case.id, "tracked", None, {"operations": len(history)})
        return True

    async def record_delivery(self, case_id: int, file_id: int, if_match: int | None) -> CollectionCase:
        """The delivery receipt (уведомление о вручении) came back: its scan is kept with the case."""
        case = await self._for(case_id, "record_delivery", if_match)
        row = await self._file(case, file_id, CaseFileKind.DELIVERY_RECEIPT, "file_id")
        case.receipt_file_id = row.id
        if case.stage == S.CLAIM_SENT:
            case.stage = S.DELIVERED
            case.delivered_on = case.delivered_on or self.today
        await self._move(case, "record_delivery", {"file_id": row.id})
        await self._close_step_tasks(case, "delivery_receipt")
        return case

    # --- court and closing ------------------------------------------------------------------------

    async def court(self, case_id: int, changes: dict[str, Any], if_match: int | None) -> CollectionCase:
        case = await self._for(case_id, "court", if_match)
        if case.stage == S.COURT_READY and not changes.get("court_case_number"):
            raise FieldError("court_case_number", "the case number is required when the claim is filed")
        before = {k: getattr(case, k) for k in ("court_case_number", "court_name", "judgment", "enforcement")}
        for key in ("court_case_number", "court_name", "judgment", "enforcement"):
            if changes.get(key) is not None:
                setattr(case, key, changes[key])
        if changes.get("hearing") is not None:
            case.hearings = [*case.hearings, changes["hearing"]]
        await self._move(case, "court", {"before": before, "changes": changes})
        await self._close_step_tasks(case, "court_filing")
        return case

    async def close(
        self, case_id: int, reason: CloseReason, comment: str, if_match: int | None
    ) -> CollectionCase:
        case = await self._for(case_id, "close", if_match)
        if reason == CloseReason.PAID and (await self.case_debt(case.id)).debt > 0:
            raise FieldError("reason", "the overdue debt is not paid: close as settled or written off")
        await self._close(case, reason, comment)
        return case

    async def _close(self, case: CollectionCase, reason: CloseReason, comment: str | None) -> None:
        case.closed_at = self.uow.clock.now()
        case.close_reason = reason
        case.close_comment = comment
        await self._move(case, "close", {"reason": reason.value, "comment": comment})
        await self._cancel_open_tasks(case)

    async def on_payment(self, client_id: int, payment: Payment) -> None:
        """A payment of the client: the open case records it, and closes when nothing is overdue."""
        case = await self.uow.session.scalar(
            select(CollectionCase).where(
                CollectionCase.client_id == client_id, CollectionCase.stage != S.CLOSED
            )
        )
        if case is None:
            return
        left = (await self.case_debt(case.id)).debt
        self.history.record(
            "collection_case",
            case.id,
            "payment",
            None,
            {"payment_id": payment.id, "amount": str(payment.amount), "overdue_left": str(left)},
        )
        if left == 0:
            await self._close(case, CloseReason.PAID, f"оплачено платежом № {payment.id}")
        else:
            touch(case, self.uow)

    # --- helpers ----------------------------------------------------------------------------------

    async def _holder(self, *roles: Role) -> int | None:
        """Who gets what nobody else owns (``first_active_with_role``), asked once per service."""
        if roles not in self._holders:
            self._holders[roles] = await first_active_with_role(self.uow, *roles)
        return self._holders[roles]

    async def _letter_contact(self, client_id: int) -> ClientContact | None:
        return (await self._letter_contacts([client_id])).get(client_id)

    async def _letter_contacts(self, client_ids: Sequence[int]) -> dict[int, ClientContact]:
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

    async def _step_tasks(self, case: CollectionCase, step: str | None) -> list[Task]:
        await self._write_pending_steps()
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

    async def _close_step_tasks(self, case: CollectionCase, step: str) -> None:
        """The task of a step someone has just done is done."""
        await self._end_tasks(await self._step_tasks(case, step), TaskStatus.DONE, "complete")

    async def _cancel_open_tasks(self, case: CollectionCase) -> None:
        await self._end_tasks(await self._step_tasks(case, None), TaskStatus.CANCELLED, "cancel")

    async def _end_tasks(self, tasks: list[Task], status: TaskStatus, action: str) -> None:
        now = self.uow.clock.now()
        for task in tasks:
            before = task.status
            task.status = status
            task.completed_at = now if status == TaskStatus.DONE else None
            task.updated_at = now
            self.history.record(
                "task",
                task.id,
                action,
                {"status": before.value},
                {"status": status.value, "by": "collection"},
            )
        if tasks:
            await self.uow.session.flush()


def snapshot_call(call: CollectionCall) -> dict[str, Any]:
    return {
        "level": call.level,
        "contact_id": call.contact_id,
        "reached": call.reached,
        "result": call.result,
        "promised_on": call.promised_on.isoformat() if call.promised_on else None,
    }


def _latest_day(today: date, start: date, deadline: Callable[[date], date], span: int = 62) -> date:
    """The latest day from ``start`` on whose ``deadline`` has come by ``today`` (the deadline
    never falls as the day grows); the day before ``start`` when even its deadline is ahead."""
    latest = start - timedelta(days=1)
    for offset in range(span):
        day = start + timedelta(days=offset)
        if deadline(day) > today:
            break
        latest = day
    return latest


def _guarantee_request_text(client: Client, contact: ClientContact, debt: Overdue, today: date) -> str:
    lines = [
        f"Здравствуйте, {contact.name}!",
        "",
        f"По данным нашего учёта у «{client.name}» просрочена оплата {format_rub(debt.debt)} руб.:",
    ]
    for invoice in debt.invoices:
        lines.append(
            f"— счёт № {invoice.number} от {_d(invoice.issued_on)}, срок оплаты {_d(invoice.due)}, "
            f"к оплате {format_rub(invoice.outstanding)} руб.;"
        )
    latest = policy.latest_promise(today)
    lines += [
        "",
        "Просим оплатить задолженность или направить гарантийное письмо на официальном бланке "
        f"организации с датой оплаты не позднее {_d(latest)} (не более {policy.GUARANTEE_MAX_DAYS} "
        "календарных дней). Образец письма — во вложении.",
        "",
        "С уважением,",
        "отдел продаж",
    ]
    return "\n".join(lines)


def claim_text(view: dict[str, Any]) -> str:
    """The claim's body as the lawyer edits it (the requisites and the tables are printed around it)."""
    debt = Decimal(view["debt"])
    penalty = Decimal(view["penalty"])
    total = Decimal(view["total"])
    contract = view.get("contract")
    basis = f"В рамках {contract} " if contract else "По счетам, указанным ниже, "
    numbers = ", ".join(
        f"№ {r['number']} от {_d(date.fromisoformat(r['issued_on']))}" for r in view["invoices"]
    )
    until = _d(date.fromisoformat(view["until"]))
    terms = view.get("penalty_terms")
    if view.get("basis") == "contract" and terms is not None:
        # The contract's penalty is claimed instead of the interest (art. 395 p. 4, art. 330).
        signed = _d(date.fromisoformat(terms["contract_date"]))
        cap = terms["cap_percent"]
        capped = f", но не более {_percent(cap)} % суммы долга" if cap else ""
        charged = (
            f"В соответствии со ст. 330 Гражданского кодекса РФ и договором № {terms['contract_number']} "
            f"от {signed} за просрочку оплаты начислена неустойка "
            f"{_percent(terms['rate_per_day_percent'])} % от неоплаченной суммы за каждый день просрочки"
            f"{capped}, по {until} в размере {format_rub(penalty)} ({amount_in_words(penalty)}); "
            "расчёт приложен."
        )
        articles, what, of_what = "309, 310, 330, 486", "неустойку", "неустойки"
    else:
        charged = (
            "В соответствии со ст. 395 Гражданского кодекса РФ за пользование чужими денежными средствами "
            f"начислены проценты по {until} в размере {format_rub(penalty)} "
            f"({amount_in_words(penalty)}); расчёт приложен."
        )
        articles, what, of_what = "309, 310, 395, 486", "проценты", "процентов"
    return "\n\n".join(
        [
            f"{basis}{view['supplier']['name']} (Поставщик) поставил {view['buyer']['name']} (Покупатель) "
            f"товар, что подтверждается универсальными передаточными документами к счетам {numbers}. "
            "Товар принят Покупателем без замечаний.",
            f"Покупатель в установленный срок товар не оплатил. Задолженность составляет "
            f"{format_rub(debt)} ({amount_in_words(debt)}), просрочка — до {view['days_overdue']} дн.",
            charged,
            f"На основании ст. {articles} ГК РФ требуем в течение {view['pay_within_days']} "
            f"календарных дней с момента получения настоящей претензии оплатить задолженность и {what}, "
            f"всего {format_rub(total)} ({amount_in_words(total)}), по реквизитам, указанным ниже.",
            "В случае неисполнения требования Поставщик обратится в арбитражный суд по истечении 30 "
            "календарных дней со дня направления претензии (ч. 5 ст. 4 АПК РФ) с иском о взыскании "
            f"задолженности, {of_what} по день фактической оплаты, а также судебных расходов "
            "(государственной пошлины и расходов на представителя), которые будут отнесены на Покупателя.",
        ]
    )
