"""The statistics (Статистики) of each process of the regulation, one section per process.

Every figure is computed in SQL. A process built later (specs for the workshop, collection cases)
adds its own section class to ``SECTIONS``; nothing else changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Protocol, TypeVar

from sqlalchemy import Select, case, func, literal, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models.collection import CaseStage, CloseReason, CollectionCase
from app.models.events import Event
from app.models.invoices import Invoice, InvoiceStatus, receivable
from app.models.orders import Order
from app.models.payments import Payment, PaymentAllocation
from app.models.proposals import Proposal
from app.models.reports import DailyReport, ReportStatus
from app.models.specs import Spec
from app.models.tasks import Task, TaskStatus, TaskSubject
from app.models.warehouse_checks import CheckStatus, ItemMark, WarehouseCheck, WarehouseCheckItem
from app.services.statistics.sql import epoch, hours, kopecks, roubles

Q = TypeVar("Q", bound=Select[*tuple[Any, ...]])
ACTIVE_TASK = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


@dataclass(frozen=True)
class Scope:
    """The period (local days, as UTC instants) and whose work is counted (None: everybody)."""

    date_from: date
    date_to: date
    start: datetime
    end: datetime
    now: datetime
    today: date
    employees: Select[Any] | None = None

    def owned(self, query: Q, owner: Any) -> Q:
        return query if self.employees is None else query.where(owner.in_(self.employees))

    @property
    def days(self) -> int:
        return (self.date_to - self.date_from).days + 1


@dataclass
class OnTime:
    """Steps (tasks with the regulation's deadlines) of the process that fell due in the period."""

    done_on_time: int = 0
    done_late: int = 0
    overdue_open: int = 0

    @property
    def share_on_time(self) -> float | None:
        total = self.done_on_time + self.done_late + self.overdue_open
        return None if total == 0 else round(self.done_on_time / total, 3)


@dataclass
class SectionResult:
    key: str
    title: str
    measures: dict[str, int | float | Decimal | None]
    cycle_hours: dict[str, float | None] = field(default_factory=dict)
    on_time: OnTime | None = None
    by_employee: list[dict[str, int]] = field(default_factory=list)


class Section(Protocol):
    key: ClassVar[str]
    title: ClassVar[str]

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult: ...


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 3)


async def on_time(session: AsyncSession, scope: Scope, subjects: tuple[TaskSubject, ...]) -> OnTime:
    """Tasks of these subjects due in the period: done by the deadline, done after it, still open."""
    in_time = (Task.status == TaskStatus.DONE) & (Task.completed_at <= Task.due_at)
    late = (Task.status == TaskStatus.DONE) & (Task.completed_at > Task.due_at)
    overdue = Task.status.in_(ACTIVE_TASK) & (Task.due_at < scope.now)
    query = select(
        func.count(case((in_time, 1))), func.count(case((late, 1))), func.count(case((overdue, 1)))
    ).where(Task.subject_type.in_(subjects), Task.due_at >= scope.start, Task.due_at < scope.end)
    row = (await session.execute(scope.owned(query, Task.assignee_id))).one()
    return OnTime(int(row[0]), int(row[1]), int(row[2]))


def _firsts(entity_type: str, actions: tuple[str, ...], ids: Select[Any]) -> Any:
    """Per entity, when each action first happened (epoch seconds)."""
    return (
        select(
            Event.entity_id.label("id"),
            *[func.min(case((Event.action == a, epoch(Event.occurred_at)))).label(a) for a in actions],
        )
        .where(Event.entity_type == entity_type, Event.entity_id.in_(ids))
        .group_by(Event.entity_id)
        .subquery()
    )


async def _event_counts(
    session: AsyncSession,
    scope: Scope,
    entity_type: str,
    join: Any,
    on: Any,
    owner: Any,
    actions: tuple[str, ...],
) -> dict[str, int]:
    query = (
        select(Event.action, func.count(func.distinct(Event.entity_id)))
        .join(join, on)
        .where(
            Event.entity_type == entity_type,
            Event.action.in_(actions),
            Event.occurred_at >= scope.start,
            Event.occurred_at < scope.end,
        )
        .group_by(Event.action)
    )
    counts: dict[str, int] = {r[0]: r[1] for r in (await session.execute(scope.owned(query, owner))).all()}
    return {a: int(counts.get(a, 0)) for a in actions}


ORDER_OWNER = func.coalesce(Order.assistant_id, Order.taken_by_id, Order.manager_id)
ORDER_EVENT = (Event.entity_id == Order.id) & (Event.entity_type == "order")
# A step on an order is credited to who took it (the event's actor), not to whoever owns the order
# now (it may have been given to somebody else since); a step the system took (a webhook, a job) to
# the order's owner.
ORDER_WORKER = func.coalesce(Event.actor_id, ORDER_OWNER)


class OrdersSection:
    """Process 1, order processing: throughput, the cycle received → invoiced → approved → ready →
    delivered, the share needing clarification, steps on time."""

    key: ClassVar[str] = "orders"
    title: ClassVar[str] = "Обработка заявок"
    ACTIONS = (
        "received",
        "accepted",
        "clarification_requested",
        "invoice",
        "approve",
        "ready",
        "receive",
        "close",
        "cancel",
        "cancelled",  # what an order's cancellation was recorded as before it took its action's name
    )
    CYCLE = (
        ("received_to_invoiced", "received", "invoice"),
        ("invoiced_to_approved", "invoice", "approve"),
        ("approved_to_ready", "approve", "ready"),
        ("ready_to_delivered", "ready", "receive"),
        ("received_to_delivered", "received", "receive"),
    )

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        counts = await _event_counts(session, scope, "order", Order, ORDER_EVENT, ORDER_WORKER, self.ACTIONS)
        received_ids = scope.owned(
            select(Order.id)
            .join(Event, ORDER_EVENT)
            .where(
                Event.action == "received", Event.occurred_at >= scope.start, Event.occurred_at < scope.end
            ),
            ORDER_OWNER,
        )
        firsts = _firsts(
            "order",
            ("received", "invoice", "approve", "ready", "receive", "clarification_requested"),
            received_ids,
        )
        row = (
            await session.execute(
                select(
                    func.count(firsts.c.id),
                    func.count(firsts.c.clarification_requested),
                    *[func.avg(firsts.c[b] - firsts.c[a]) for _, a, b in self.CYCLE],
                )
            )
        ).one()
        received, clarified = int(row[0]), int(row[1])
        by_employee = await self._by_employee(session, scope)
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "received": counts["received"],
                "accepted": counts["accepted"],
                "sent_for_clarification": counts["clarification_requested"],
                "invoiced": counts["invoice"],
                "approved": counts["approve"],
                "ready": counts["ready"],
                "delivered": counts["receive"],
                "closed": counts["close"],
                "cancelled": counts["cancel"] + counts["cancelled"],
                "clarification_share": _share(clarified, received),
            },
            cycle_hours={name: hours(value) for (name, _, _), value in zip(self.CYCLE, row[2:], strict=True)},
            on_time=await on_time(session, scope, (TaskSubject.ORDER, TaskSubject.REQUISITION)),
            by_employee=by_employee,
        )

    async def _by_employee(self, session: AsyncSession, scope: Scope) -> list[dict[str, int]]:
        wanted = ("received", "invoice", "receive")
        query = (
            select(
                ORDER_WORKER.label("employee_id"),
                *[func.count(func.distinct(case((Event.action == a, Event.entity_id)))) for a in wanted],
            )
            .select_from(Order)
            .join(Event, ORDER_EVENT)
            .where(
                Event.action.in_(wanted),
                Event.occurred_at >= scope.start,
                Event.occurred_at < scope.end,
                ORDER_WORKER.is_not(None),
            )
            .group_by(ORDER_WORKER)
            .order_by(ORDER_WORKER)
        )
        rows = (await session.execute(scope.owned(query, ORDER_WORKER))).all()
        return [
            {"employee_id": int(r[0]), "received": int(r[1]), "invoiced": int(r[2]), "delivered": int(r[3])}
            for r in rows
        ]


PROPOSAL_EVENT = (Event.entity_id == Proposal.id) & (Event.entity_type == "proposal")


class ProposalsSection:
    """Process 2, commercial proposals: requested, sent, the cycle requested → sent, sent by the
    regulation's deadline, the outcome with the client."""

    key: ClassVar[str] = "proposals"
    title: ClassVar[str] = "Коммерческие предложения"
    ACTIONS = ("requested", "send_to_manager", "send_to_client", "accept", "decline", "convert", "expire")

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        counts = await _event_counts(
            session, scope, "proposal", Proposal, PROPOSAL_EVENT, Proposal.assistant_id, self.ACTIONS
        )
        requested_ids = scope.owned(
            select(Proposal.id)
            .join(Event, PROPOSAL_EVENT)
            .where(
                Event.action == "requested", Event.occurred_at >= scope.start, Event.occurred_at < scope.end
            ),
            Proposal.assistant_id,
        )
        firsts = _firsts("proposal", ("requested", "send_to_client"), requested_ids)
        sent_in_time = firsts.c.send_to_client <= epoch(Proposal.due_at)
        row = (
            await session.execute(
                select(
                    func.avg(firsts.c.send_to_client - firsts.c.requested),
                    func.count(firsts.c.send_to_client),
                    func.count(case((sent_in_time, 1))),
                ).join(Proposal, Proposal.id == firsts.c.id)
            )
        ).one()
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "requested": counts["requested"],
                "sent_to_manager": counts["send_to_manager"],
                "sent_to_client": counts["send_to_client"],
                "accepted": counts["accept"],
                "declined": counts["decline"],
                "converted": counts["convert"],
                "expired": counts["expire"],
                "sent_by_deadline_share": _share(int(row[2]), int(row[1])),
            },
            cycle_hours={"requested_to_sent": hours(row[0])},
            on_time=await on_time(session, scope, (TaskSubject.PROPOSAL,)),
        )


SPEC_EVENT = (Event.entity_id == Spec.id) & (Event.entity_type == "spec")


class SpecsSection:
    """Process 3, specifications for the sewing workshop: received, signed by supply (in the system or
    on paper), sent to the workshop, accepted there, goods ready, closed; the cycle spec → signed →
    sent → accepted → ready."""

    key: ClassVar[str] = "specs"
    title: ClassVar[str] = "ТЗ в швейный цех"
    ACTIONS = (
        "received",
        "sign",
        "upload_signed_scan",
        "send_to_workshop",
        "workshop_accept",
        "workshop_feedback",
        "goods_ready",
        "documents_issued",
        "close",
        "cancel",
    )
    CYCLE = (
        ("spec_to_signed", "received", "signed"),
        ("signed_to_sent", "signed", "send_to_workshop"),
        ("sent_to_accepted", "send_to_workshop", "workshop_accept"),
        ("accepted_to_ready", "workshop_accept", "goods_ready"),
        ("spec_to_closed", "received", "close"),
    )

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        query = (
            select(Event.action, func.count(func.distinct(Event.entity_id)))
            .join(Spec, SPEC_EVENT)
            .join(Order, Order.id == Spec.order_id)
            .where(
                Event.entity_type == "spec",
                Event.action.in_(self.ACTIONS),
                Event.occurred_at >= scope.start,
                Event.occurred_at < scope.end,
            )
            .group_by(Event.action)
        )
        found = {r[0]: int(r[1]) for r in (await session.execute(scope.owned(query, ORDER_OWNER))).all()}
        counts = {a: found.get(a, 0) for a in self.ACTIONS}
        received_ids = scope.owned(
            select(Spec.id)
            .join(Order, Order.id == Spec.order_id)
            .join(Event, SPEC_EVENT)
            .where(
                Event.action == "received", Event.occurred_at >= scope.start, Event.occurred_at < scope.end
            ),
            ORDER_OWNER,
        )
        signed = case((Event.action.in_(("sign", "upload_signed_scan")), epoch(Event.occurred_at)))
        firsts = (
            select(
                Event.entity_id.label("id"),
                func.min(signed).label("signed"),
                *[
                    func.min(case((Event.action == a, epoch(Event.occurred_at)))).label(a)
                    for a in ("received", "send_to_workshop", "workshop_accept", "goods_ready", "close")
                ],
            )
            .where(Event.entity_type == "spec", Event.entity_id.in_(received_ids))
            .group_by(Event.entity_id)
            .subquery()
        )
        row = (
            await session.execute(select(*[func.avg(firsts.c[b] - firsts.c[a]) for _, a, b in self.CYCLE]))
        ).one()
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "received": counts["received"],
                "signed": counts["sign"] + counts["upload_signed_scan"],
                "signed_on_paper": counts["upload_signed_scan"],
                "sent_to_workshop": counts["send_to_workshop"],
                "accepted_by_workshop": counts["workshop_accept"],
                "workshop_feedback": counts["workshop_feedback"],
                "goods_ready": counts["goods_ready"],
                "documents_issued": counts["documents_issued"],
                "closed": counts["close"],
                "cancelled": counts["cancel"],
            },
            cycle_hours={name: hours(value) for (name, _, _), value in zip(self.CYCLE, row, strict=True)},
            on_time=await on_time(session, scope, (TaskSubject.SPEC,)),
        )


class ReceivablesSection:
    """Process 4, receivables: money collected, what is owed and overdue, DSO. The collection
    cases by stage come as their own section with the cases."""

    key: ClassVar[str] = "receivables"
    title: ClassVar[str] = "Дебиторская задолженность"

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        invoice_scope = select(Invoice.id).join(Order, Order.id == Invoice.order_id)
        invoice_scope = scope.owned(invoice_scope, ORDER_OWNER)
        collected = await session.scalar(
            select(func.coalesce(func.sum(kopecks(PaymentAllocation.amount)), 0))
            .join(Payment, Payment.id == PaymentAllocation.payment_id)
            .where(
                Payment.paid_on >= scope.date_from,
                Payment.paid_on <= scope.date_to,
                PaymentAllocation.invoice_id.in_(invoice_scope),
            )
        )
        billed = await session.scalar(
            select(func.coalesce(func.sum(kopecks(Invoice.total)), 0)).where(
                Invoice.issued_on >= scope.date_from,
                Invoice.issued_on <= scope.date_to,
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.id.in_(invoice_scope),
            )
        )
        # What is owed is as of the end of the period (or today, when the period runs on).
        as_of = min(scope.date_to, scope.today)
        owed = kopecks(Invoice.total) - kopecks(Invoice.paid_total)
        unpaid = receivable()  # a debt is for goods shipped
        row = (
            await session.execute(
                select(
                    func.coalesce(func.sum(owed), 0),
                    func.coalesce(func.sum(case((Invoice.due_on < as_of, owed), else_=literal(0))), 0),
                    func.count(case((Invoice.due_on < as_of, 1))),
                ).where(unpaid, Invoice.id.in_(invoice_scope))
            )
        ).one()
        outstanding, overdue, overdue_count = int(row[0]), int(row[1]), int(row[2])
        dso = None if not billed else round(outstanding / int(billed) * scope.days, 1)
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "collected": roubles(collected),
                "invoiced_approved": roubles(billed),
                "outstanding": roubles(outstanding),
                "overdue": roubles(overdue),
                "overdue_invoices": overdue_count,
                "overdue_share": None if not outstanding else round(overdue / outstanding, 3),
                "dso_days": dso,
            },
            on_time=await on_time(session, scope, (TaskSubject.INVOICE, TaskSubject.DEBT)),
        )


class CollectionSection:
    """Process 4, the overdue debt: collection cases opened, claim letters sent, cases closed by how,
    and the open cases by stage (now); steps on time."""

    key: ClassVar[str] = "collection"
    title: ClassVar[str] = "Работа с просроченной задолженностью"

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        case_ = CollectionCase
        in_period = (case_.closed_at >= scope.start) & (case_.closed_at < scope.end)
        open_stages = [s for s in CaseStage if s != CaseStage.CLOSED]
        query = select(
            func.count(case(((case_.opened_on >= scope.date_from) & (case_.opened_on <= scope.date_to), 1))),
            func.count(
                case(((case_.claim_sent_on >= scope.date_from) & (case_.claim_sent_on <= scope.date_to), 1))
            ),
            *[func.count(case((in_period & (case_.close_reason == r), 1))) for r in CloseReason],
            *[func.count(case((case_.stage == s, 1))) for s in open_stages],
        )
        row = (await session.execute(scope.owned(query, case_.assignee_id))).one()
        closed = dict(zip(CloseReason, row[2 : 2 + len(CloseReason)], strict=True))
        stages = dict(zip(open_stages, row[2 + len(CloseReason) :], strict=True))
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "cases_opened": int(row[0]),
                "claims_sent": int(row[1]),
                **{f"closed_{r.value}": int(n) for r, n in closed.items()},
                **{f"stage_{s.value}": int(n) for s, n in stages.items()},
            },
            on_time=await on_time(session, scope, (TaskSubject.DEBT,)),
        )


class WarehouseChecksSection:
    """Process 5, the morning check: sheets made, started by 9:00, done, positions marked."""

    key: ClassVar[str] = "warehouse_checks"
    title: ClassVar[str] = "Сверка со складом"

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        in_period = (WarehouseCheck.day >= scope.date_from) & (WarehouseCheck.day <= scope.date_to)
        sheets = scope.owned(
            select(
                func.count(WarehouseCheck.id),
                func.count(
                    case((WarehouseCheck.started_at.is_not(None) & WarehouseCheck.reminded_at.is_(None), 1))
                ),
                func.count(case((WarehouseCheck.status == CheckStatus.DONE, 1))),
            ).where(in_period),
            WarehouseCheck.assistant_id,
        )
        made, started_in_time, done = (await session.execute(sheets)).one()
        marks_query = scope.owned(
            select(WarehouseCheckItem.mark, func.count(WarehouseCheckItem.id))
            .join(WarehouseCheck, WarehouseCheck.id == WarehouseCheckItem.check_id)
            .where(in_period)
            .group_by(WarehouseCheckItem.mark),
            WarehouseCheck.assistant_id,
        )
        marks: dict[ItemMark, int] = {r[0]: r[1] for r in (await session.execute(marks_query)).all()}
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "sheets": int(made),
                "started_by_9": int(started_in_time),
                "done": int(done),
                "positions": sum(int(v) for v in marks.values()),
                **{f"marked_{m.value}": int(marks.get(m, 0)) for m in ItemMark},
                "started_by_9_share": _share(int(started_in_time), int(made)),
            },
        )


class DailyReportsSection:
    """Process 6, the daily report: due, submitted, submitted the same day, answered by the manager."""

    key: ClassVar[str] = "daily_reports"
    title: ClassVar[str] = "Отчёты помощников"

    async def compute(self, session: AsyncSession, scope: Scope) -> SectionResult:
        query = scope.owned(
            select(
                func.count(DailyReport.id),
                func.count(DailyReport.submitted_at),
                func.count(
                    case((DailyReport.submitted_at.is_not(None) & DailyReport.reminded_at.is_(None), 1))
                ),
                func.count(case((DailyReport.status == ReportStatus.REVIEWED, 1))),
            ).where(DailyReport.day >= scope.date_from, DailyReport.day <= scope.date_to),
            DailyReport.employee_id,
        )
        total, submitted, in_time, reviewed = (await session.execute(query)).one()
        return SectionResult(
            key=self.key,
            title=self.title,
            measures={
                "reports": int(total),
                "submitted": int(submitted),
                "submitted_same_day": int(in_time),
                "with_feedback": int(reviewed),
                "submitted_same_day_share": _share(int(in_time), int(total)),
            },
        )


# The sections in the order they are shown; a new process appends its own.
SECTIONS: list[Section] = [
    OrdersSection(),
    ProposalsSection(),
    SpecsSection(),
    ReceivablesSection(),
    CollectionSection(),
    WarehouseChecksSection(),
    DailyReportsSection(),
]
