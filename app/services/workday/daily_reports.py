"""The assistant's daily report (regulation, process 6: «Отчёт о проделанной работе за день»).

At the end of each working day the report is filled from the day's orders and sent to the manager;
the manager gives feedback. The figures are compiled in SQL from the history of the day; the
assistant adds their own words. A process built later adds its own section to ``REPORT_SECTIONS``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Protocol

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.core.errors import FieldError, Forbidden, NotFound
from app.models.directory import Employee, Role
from app.models.events import Event
from app.models.invoices import Invoice
from app.models.orders import Order
from app.models.outbox import MessageAbout, OutboundKind
from app.models.payments import Payment, PaymentAllocation
from app.models.proposals import Proposal
from app.models.reports import DailyReport, ReportStatus
from app.models.specs import Spec
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.services.directory.tasks import ACTIVE, TaskService
from app.services.documents.daily_report import CallView, ReportView, render_report_pdf, render_reports_xlsx
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.permissions import Permission, has
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.statistics.sql import kopecks, roubles

# "В конце рабочего дня": a report not submitted by 18:00 local becomes a reminder task.
END_OF_DAY = time(18, 0)
# "Feedback on the report" (process 6): the manager answers by the end of the next working day.
FEEDBACK_WORKING_DAYS = 1
# The service keeps no history before this day.
FIRST_DAY = date(2000, 1, 1)
# An export covers at most a quarter.
MAX_EXPORT_DAYS = 92

order_owner = func.coalesce(Order.assistant_id, Order.taken_by_id, Order.manager_id)

TRANSITIONS: dict[str, tuple[frozenset[ReportStatus], ReportStatus]] = {
    "submit": (frozenset({ReportStatus.DRAFT}), ReportStatus.SUBMITTED),
    "feedback": (frozenset({ReportStatus.SUBMITTED, ReportStatus.REVIEWED}), ReportStatus.REVIEWED),
}


# A report is submitted by POST /daily-reports (the day's report, made or replaced), not an action of it.
ACTIONS = StateMachine("daily_report", TRANSITIONS, {"submit": None}, kind="daily_report")


def report_actions(status: ReportStatus) -> list[str]:
    return ACTIONS.allowed(status)


def may_answer(actor: Employee, report: DailyReport) -> bool:
    """The manager the report was sent to, or a head, answers it; never its author."""
    return actor.id != report.employee_id and (
        actor.id == report.manager_id or bool(actor.role_set & {Role.HEAD, Role.DIRECTOR})
    )


@dataclass(frozen=True)
class Window:
    employee_id: int
    day: date
    start: datetime
    end: datetime
    now: datetime


Figures = dict[str, int | Decimal]


class ReportSection(Protocol):
    key: ClassVar[str]

    async def compute(self, session: AsyncSession, w: Window) -> Figures: ...


def _in_day(column: Any, w: Window) -> Any:
    return (column >= w.start) & (column < w.end)


async def _owned_events(
    session: AsyncSession, w: Window, entity_type: str, join: Any, on: Any, owner: Any, actions: Sequence[str]
) -> dict[str, int]:
    query = (
        select(Event.action, func.count(func.distinct(Event.entity_id)))
        .join(join, on)
        .where(
            Event.entity_type == entity_type,
            Event.action.in_(actions),
            _in_day(Event.occurred_at, w),
            owner == w.employee_id,
        )
        .group_by(Event.action)
    )
    counts = {r[0]: r[1] for r in (await session.execute(query)).all()}
    return {a: int(counts.get(a, 0)) for a in actions}


class OrdersFigures:
    key: ClassVar[str] = "orders"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        on = (Event.entity_type == "order") & (Event.entity_id == Order.id)
        c = await _owned_events(
            session, w, "order", Order, on, order_owner, ("received", "accepted", "clarification_requested")
        )
        return {
            "received": c["received"],
            "accepted": c["accepted"],
            "sent_for_clarification": c["clarification_requested"],
        }


class InvoicesFigures:
    key: ClassVar[str] = "invoices"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        on = (Event.entity_type == "invoice") & (Event.entity_id == Invoice.id)
        query = (
            select(Event.action, func.count(func.distinct(Event.entity_id)))
            .join(Invoice, on)
            .join(Order, Order.id == Invoice.order_id)
            .where(
                Event.entity_type == "invoice",
                Event.action.in_(("issued", "approve")),
                _in_day(Event.occurred_at, w),
                order_owner == w.employee_id,
            )
            .group_by(Event.action)
        )
        counts = {r[0]: r[1] for r in (await session.execute(query)).all()}
        return {"issued": int(counts.get("issued", 0)), "approved": int(counts.get("approve", 0))}


class ProposalsFigures:
    key: ClassVar[str] = "proposals"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        on = (Event.entity_type == "proposal") & (Event.entity_id == Proposal.id)
        c = await _owned_events(
            session, w, "proposal", Proposal, on, Proposal.assistant_id, ("send_to_client",)
        )
        return {"sent": c["send_to_client"]}


class SpecsFigures:
    key: ClassVar[str] = "specs"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        actions = ("sign", "upload_signed_scan", "send_to_workshop")
        query = (
            select(Event.action, func.count(func.distinct(Event.entity_id)))
            .join(Spec, (Event.entity_type == "spec") & (Event.entity_id == Spec.id))
            .join(Order, Order.id == Spec.order_id)
            .where(
                Event.entity_type == "spec",
                Event.action.in_(actions),
                _in_day(Event.occurred_at, w),
                order_owner == w.employee_id,
            )
            .group_by(Event.action)
        )
        counts = {r[0]: int(r[1]) for r in (await session.execute(query)).all()}
        return {
            "signed": counts.get("sign", 0) + counts.get("upload_signed_scan", 0),
            "sent": counts.get("send_to_workshop", 0),
        }


class CallsFigures:
    key: ClassVar[str] = "calls"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        row = (
            await session.execute(
                select(
                    func.count(case((Task.reached.is_(True), 1))),
                    func.count(case((Task.reached.is_(False), 1))),
                ).where(
                    Task.assignee_id == w.employee_id,
                    Task.kind == TaskKind.CALL,
                    Task.status == TaskStatus.DONE,
                    _in_day(Task.completed_at, w),
                )
            )
        ).one()
        # A call closed by what happened (the client accepted before the call) was never made:
        # it has no outcome, and the calls made are those that reached someone and those that did not.
        reached, not_reached = int(row[0]), int(row[1])
        return {"made": reached + not_reached, "reached": reached, "not_reached": not_reached}


class TasksFigures:
    key: ClassVar[str] = "tasks"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        # Overdue: still open at the end of the day (or now, while the day runs) past their deadline.
        cutoff = min(w.end, w.now)
        row = (
            await session.execute(
                select(
                    func.count(case((Task.status == TaskStatus.DONE, 1))),
                    func.count(case((Task.status.in_(ACTIVE) & (Task.due_at < cutoff), 1))),
                ).where(
                    Task.assignee_id == w.employee_id,
                    (_in_day(Task.completed_at, w)) | Task.status.in_(ACTIVE),
                )
            )
        ).one()
        return {"done": int(row[0]), "overdue": int(row[1])}


class PaymentsFigures:
    key: ClassVar[str] = "payments"

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        row = (
            await session.execute(
                select(
                    func.coalesce(func.sum(kopecks(PaymentAllocation.amount)), 0),
                    func.count(func.distinct(PaymentAllocation.payment_id)),
                )
                .join(Payment, Payment.id == PaymentAllocation.payment_id)
                .join(Invoice, Invoice.id == PaymentAllocation.invoice_id)
                .join(Order, Order.id == Invoice.order_id)
                .where(Payment.paid_on == w.day, order_owner == w.employee_id)
            )
        ).one()
        return {"collected": roubles(row[0]), "payments": int(row[1])}


class LettersFigures:
    key: ClassVar[str] = "letters"
    # The emails the regulation's steps send: the invoice to the client, the proposal to the
    # manager and to the client, a reconciliation act, a claim letter.
    SENDING = (
        ("invoice", "send"),
        ("proposal", "send_to_manager"),
        ("proposal", "send_to_client"),
        ("reconciliation_act", "send"),
        ("collection_case", "send_claim"),
    )

    async def compute(self, session: AsyncSession, w: Window) -> Figures:
        sent = await session.scalar(
            select(func.count(Event.id)).where(
                Event.actor_id == w.employee_id,
                _in_day(Event.occurred_at, w),
                or_(*[(Event.entity_type == t) & (Event.action == a) for t, a in self.SENDING]),
            )
        )
        return {"sent": int(sent or 0)}


REPORT_SECTIONS: list[ReportSection] = [
    OrdersFigures(),
    InvoicesFigures(),
    ProposalsFigures(),
    SpecsFigures(),
    CallsFigures(),
    TasksFigures(),
    PaymentsFigures(),
    LettersFigures(),
]


def _jsonable(figures: dict[str, Figures]) -> dict[str, dict[str, Any]]:
    return {k: {m: str(v) if isinstance(v, Decimal) else v for m, v in s.items()} for k, s in figures.items()}


def figures_of(stored: dict[str, Any]) -> dict[str, Figures]:
    return {
        k: {m: Decimal(v) if isinstance(v, str) else int(v) for m, v in s.items()} for k, s in stored.items()
    }


class DailyReportService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    def _actor(self) -> Employee:
        actor = self.uow.actor
        assert actor is not None
        return actor

    def _may_read(self, employee_id: int) -> None:
        actor = self._actor()
        if actor.id != employee_id and not has(actor, Permission.REPORTS_READ_ALL):
            raise Forbidden("only the assistant themself, a manager or a head reads this report")

    def _today(self) -> date:
        return self.uow.calendar.local_date(self.uow.clock.now())

    def _check_day(self, day: date) -> None:
        if day > self._today():
            raise FieldError("day", "is in the future")
        if day < FIRST_DAY:
            raise FieldError("day", f"is before {FIRST_DAY.isoformat()}")

    async def compile(self, employee_id: int, day: date) -> dict[str, Figures]:
        """The day's figures of one person, compiled now from the history."""
        self._may_read(employee_id)
        self._check_day(day)
        if await self.uow.session.get(Employee, employee_id) is None:
            raise FieldError("employee_id", f"employee {employee_id} does not exist")
        cal = self.uow.calendar
        window = Window(
            employee_id,
            day,
            cal.at(day, time(0)),
            cal.at(day + timedelta(days=1), time(0)),
            self.uow.clock.now(),
        )
        return {section.key: await section.compute(self.uow.session, window) for section in REPORT_SECTIONS}

    async def get(self, report_id: int) -> DailyReport:
        report = await self.uow.session.get(DailyReport, report_id)
        if report is None:
            raise NotFound("daily_report", report_id)
        actor = self._actor()
        if actor.id not in (report.employee_id, report.manager_id) and not has(
            actor, Permission.REPORTS_READ_ALL
        ):
            raise NotFound("daily_report", report_id)
        return report

    async def page(
        self, *, employee_id: int | None, day: date | None, cursor: str | None, limit: int
    ) -> Page[DailyReport]:
        query = select(DailyReport)
        actor = self._actor()
        if not has(actor, Permission.REPORTS_READ_ALL):
            query = query.where((DailyReport.employee_id == actor.id) | (DailyReport.manager_id == actor.id))
        if employee_id is not None:
            query = query.where(DailyReport.employee_id == employee_id)
        if day is not None:
            query = query.where(DailyReport.day == day)
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(DailyReport.id > after_id)
        rows = (await self.uow.session.scalars(query.order_by(DailyReport.id).limit(limit + 1))).all()
        return page_of(rows, limit, lambda r: [r.id])

    async def submit(self, day: date, text: str | None, manager_id: int) -> DailyReport:
        """The assistant submits the day's report to their manager: the figures are kept as they
        are now, with the assistant's own words; the manager is told in the chat."""
        actor = self._actor()
        self._check_day(day)
        manager = await self.uow.session.scalar(
            select(Employee).options(selectinload(Employee.roles)).where(Employee.id == manager_id)
        )
        if (
            manager is None
            or not manager.is_active
            or not (manager.role_set & {Role.MANAGER, Role.HEAD, Role.DIRECTOR})
        ):
            raise FieldError("manager_id", f"employee {manager_id} is not an active manager or head")
        figures = await self.compile(actor.id, day)
        now = self.uow.clock.now()
        report = await self.uow.session.scalar(
            select(DailyReport).where(DailyReport.employee_id == actor.id, DailyReport.day == day)
        )
        if report is None:
            report = DailyReport(
                employee_id=actor.id,
                day=day,
                status=ReportStatus.DRAFT,
                figures={},
                created_at=now,
                updated_at=now,
            )
            self.uow.session.add(report)
        ACTIONS.check(report.status, "submit")
        await self.uow.session.flush()
        changes = {"figures": _jsonable(figures), "text": text, "manager_id": manager_id, "submitted_at": now}
        await ACTIONS.take(report, "submit", self.history, changes=changes)
        notice = f"Отчёт помощника {actor.full_name} за {day:%d.%m.%Y} отправлен. Отчёт №{report.id}."
        # The manager is told in the chat, or by e-mail without a chat handle, and gets the answer
        # to give as a task: the feedback closes it.
        if manager.chat_handle:
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel="personal",
                recipient=manager.chat_handle,
                body=notice,
                dedupe_key=f"daily-report:{report.id}:submitted",
                about=(MessageAbout.DAILY_REPORT, report.id),
            )
        elif manager.email:
            await OutboxService(self.uow).add(
                kind=OutboundKind.EMAIL,
                channel="email",
                recipient=manager.email,
                subject=f"Отчёт помощника {actor.full_name} за {day:%d.%m.%Y}",
                body="\n\n".join(
                    part for part in (notice, text, "Дайте обратную связь по отчёту в «Помощнике».") if part
                ),
                dedupe_key=f"daily-report:{report.id}:submitted",
                about=(MessageAbout.DAILY_REPORT, report.id),
            )
        await TaskService(self.uow).add(
            kind=TaskKind.CHECK,
            title=f"Обратная связь по отчёту: {actor.full_name}, {day:%d.%m.%Y}",
            description=f"Прочитайте отчёт №{report.id} и ответьте помощнику.",
            assignee_id=manager.id,
            due_at=self.uow.calendar.due_after(now, FEEDBACK_WORKING_DAYS),
            subject_type=TaskSubject.DAILY_REPORT,
            subject_id=report.id,
        )
        return report

    async def feedback(self, report_id: int, text: str, if_match: int | None) -> DailyReport:
        """The manager's answer to the report, kept with it."""
        report = await self.get(report_id)
        ensure_version(report, if_match, "daily_report")
        actor = self._actor()
        if not may_answer(actor, report):
            if actor.id == report.employee_id:
                raise Forbidden("a report is answered by the manager, not by its author")
            raise Forbidden("only the manager the report was sent to, or a head, answers it")
        changes = {"feedback": text, "feedback_by_id": actor.id, "feedback_at": self.uow.clock.now()}
        await ACTIONS.take(report, "feedback", self.history, {"feedback": text}, changes=changes)
        tasks = TaskService(self.uow)
        await tasks.end_open(TaskSubject.DAILY_REPORT, report.id, TaskStatus.DONE, "Ответ дан")
        return report

    # --- the worker's sweep ---------------------------------------------------------------------

    async def remind_unsubmitted(self, batch: int) -> int:
        """From the end of a working day: every active assistant without a submitted report gets
        a reminder task, once (recorded on the day's report row)."""
        now = self.uow.clock.now()
        cal = self.uow.calendar
        today = cal.local_date(now)
        if not cal.is_working_day(today) or now < cal.at(today, END_OF_DAY):
            return 0
        done = select(DailyReport.employee_id).where(
            DailyReport.day == today,
            (DailyReport.submitted_at.is_not(None)) | (DailyReport.reminded_at.is_not(None)),
        )
        assistants = (
            await self.uow.session.scalars(
                select(Employee.id)
                .where(
                    Employee.is_active.is_(True),
                    Employee.roles.any(role=Role.ASSISTANT),
                    Employee.id.not_in(done),
                )
                .order_by(Employee.id)
                .limit(batch)
            )
        ).all()
        tasks = TaskService(self.uow)
        for employee_id in assistants:
            report = await self.uow.session.scalar(
                select(DailyReport).where(DailyReport.employee_id == employee_id, DailyReport.day == today)
            )
            if report is None:
                report = DailyReport(
                    employee_id=employee_id,
                    day=today,
                    status=ReportStatus.DRAFT,
                    figures={},
                    created_at=now,
                    updated_at=now,
                )
                self.uow.session.add(report)
            report.reminded_at = now
            report.updated_at = now
            await self.uow.session.flush()
            task = await tasks.add(
                kind=TaskKind.REMIND,
                title=f"Отчёт за {today:%d.%m.%Y} не отправлен",
                description="Заполните отчёт помощника за день и отправьте его своему менеджеру.",
                assignee_id=employee_id,
                due_at=now,
            )
            self.history.record("daily_report", report.id, "reminded", None, {"task_id": task.id})
        return len(assistants)

    # --- exports --------------------------------------------------------------------------------

    async def _views(self, reports: Sequence[DailyReport]) -> list[ReportView]:
        ids = {r.employee_id for r in reports} | {r.manager_id for r in reports if r.manager_id}
        names = {
            e.id: e.full_name
            for e in await self.uow.session.scalars(select(Employee).where(Employee.id.in_(ids)))
        }
        return [
            ReportView(
                employee=names.get(r.employee_id, "—"),
                day=r.day,
                status=r.status.value,
                figures=figures_of(r.figures),
                text=r.text,
                manager=names.get(r.manager_id or 0),
                feedback=r.feedback,
            )
            for r in reports
        ]

    async def _calls(self, employee_id: int, day: date) -> tuple[CallView, ...]:
        """The day's calls with their outcomes, in the order they were made."""
        cal = self.uow.calendar
        rows = (
            await self.uow.session.execute(
                select(Task.title, Task.reached, Task.result)
                .where(
                    Task.assignee_id == employee_id,
                    Task.kind == TaskKind.CALL,
                    Task.status == TaskStatus.DONE,
                    Task.completed_at >= cal.at(day, time(0)),
                    Task.completed_at < cal.at(day + timedelta(days=1), time(0)),
                )
                .order_by(Task.completed_at, Task.id)
            )
        ).all()
        return tuple(CallView(title, reached, result) for title, reached, result in rows)

    async def pdf(self, report_id: int) -> tuple[DailyReport, bytes]:
        """The report as printed, with the day's calls and their outcomes."""
        report = await self.get(report_id)
        (view,) = await self._views([report])
        view = replace(view, calls=await self._calls(report.employee_id, report.day))
        return report, await self.uow.renderer.render(render_report_pdf, view)

    async def export(self, date_from: date, date_to: date, employee_id: int | None) -> bytes:
        """Submitted reports of the period as the department's spreadsheet: a sheet per person."""
        if date_from < FIRST_DAY:
            raise FieldError("date_from", f"is before {FIRST_DAY.isoformat()}")
        if date_to < date_from:
            raise FieldError("date_to", "is before date_from")
        if (date_to - date_from).days >= MAX_EXPORT_DAYS:
            raise FieldError("date_to", f"an export covers at most {MAX_EXPORT_DAYS} days")
        if employee_id is not None:
            self._may_read(employee_id)
        elif not has(self._actor(), Permission.REPORTS_READ_ALL):
            employee_id = self._actor().id
        query = select(DailyReport).where(
            DailyReport.day >= date_from, DailyReport.day <= date_to, DailyReport.submitted_at.is_not(None)
        )
        if employee_id is not None:
            query = query.where(DailyReport.employee_id == employee_id)
        reports = (
            await self.uow.session.scalars(query.order_by(DailyReport.employee_id, DailyReport.day))
        ).all()
        views = await self._views(reports)
        return await self.uow.renderer.render(render_reports_xlsx, views, [s.key for s in REPORT_SECTIONS])
