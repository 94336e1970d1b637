"""Tasks: the regulation's calls, reminders and checks, with deadlines on the business calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, case, func, select, update

from app.core.errors import FieldError, Forbidden, InvalidTransition, NotFound
from app.models.directory import Employee
from app.models.outbox import MessageAbout, OutboundKind
from app.models.tasks import Task, TaskKind, TaskPurpose, TaskStatus, TaskSubject
from app.schemas.tasks import TaskComplete, TaskCreate, TaskUpdate
from app.services.kernel.common import ensure_version, within_window
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.permissions import Permission, has
from app.services.kernel.scope import Scope
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork

DEFAULT_DUE_TIME = time(18, 0)
# A deadline given outright: one already passed is recorded late, but not by more than a year; none
# is set more than two years ahead.
DEADLINES_BACK = timedelta(days=366)
DEADLINES_AHEAD = timedelta(days=2 * 366)

# The task state machine, as data: action -> (states it is allowed from, state it leads to).
TRANSITIONS: dict[str, tuple[frozenset[TaskStatus], TaskStatus]] = {
    "start": (frozenset({TaskStatus.OPEN}), TaskStatus.IN_PROGRESS),
    "complete": (frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS}), TaskStatus.DONE),
    "cancel": (frozenset({TaskStatus.OPEN, TaskStatus.IN_PROGRESS}), TaskStatus.CANCELLED),
    "reopen": (frozenset({TaskStatus.DONE, TaskStatus.CANCELLED}), TaskStatus.OPEN),
}
ACTIVE = (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)


ACTIONS = StateMachine("task", TRANSITIONS, kind="task")


def allowed_actions(status: TaskStatus) -> list[str]:
    return ACTIONS.allowed(status)


@dataclass(frozen=True)
class NewTask:
    """A task to create, as ``TaskService.add`` takes it."""

    kind: TaskKind
    title: str
    assignee_id: int
    due_at: datetime
    subject_type: TaskSubject = TaskSubject.NONE
    subject_id: int | None = None
    description: str | None = None
    purpose: TaskPurpose | None = None


@dataclass(frozen=True)
class TaskCounts:
    overdue: int
    today: int
    upcoming: int


@dataclass
class TaskBuckets:
    overdue: list[Task]
    today: list[Task]
    upcoming: list[Task]


class TaskService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    # --- reading --------------------------------------------------------------------------------

    def _visible(self, query: Select[Any]) -> Select[Any]:
        actor = self.uow.actor
        if actor is None or has(actor, Permission.TASKS_READ_ALL):
            return query
        return query.where((Task.assignee_id == actor.id) | (Task.created_by_id == actor.id))

    async def get(self, task_id: int) -> Task:
        task: Task | None = await self.uow.session.scalar(
            self._visible(select(Task).where(Task.id == task_id))
        )
        if task is None:
            raise NotFound("task", task_id)
        return task

    async def page(
        self,
        *,
        assignee_id: int | None,
        status: TaskStatus | None,
        kind: TaskKind | None,
        subject_type: TaskSubject | None,
        subject_id: int | None,
        due_before: datetime | None,
        cursor: str | None,
        limit: int,
    ) -> Page[Task]:
        query = self._visible(select(Task))
        for column, value in (
            (Task.assignee_id, assignee_id),
            (Task.status, status),
            (Task.kind, kind),
            (Task.subject_type, subject_type),
            (Task.subject_id, subject_id),
        ):
            if value is not None:
                query = query.where(column == value)
        if due_before is not None:
            query = query.where(Task.due_at < due_before)
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(Task.id > after_id)
        rows = (await self.uow.session.scalars(query.order_by(Task.id).limit(limit + 1))).all()
        return page_of(rows, limit, lambda t: [t.id])

    def _bounds(self) -> tuple[datetime, datetime]:
        """Now and the end of today on the business calendar: the edges of my buckets."""
        now = self.uow.clock.now()
        cal = self.uow.calendar
        return now, cal.at(cal.local_date(now) + timedelta(days=1), time(0, 0))

    async def mine(self, limit: int) -> TaskBuckets:
        """My tasks: overdue, due today (local day), upcoming — each ordered by deadline."""
        actor = self.uow.actor
        assert actor is not None
        now, end_of_today = self._bounds()
        base = (
            select(Task)
            .where(Task.assignee_id == actor.id, Task.status.in_(ACTIVE))
            .order_by(Task.due_at, Task.id)
        )
        session = self.uow.session
        overdue = (await session.scalars(base.where(Task.due_at < now).limit(limit))).all()
        today_rows = (
            await session.scalars(base.where(Task.due_at >= now, Task.due_at < end_of_today).limit(limit))
        ).all()
        upcoming = (await session.scalars(base.where(Task.due_at >= end_of_today).limit(limit))).all()
        return TaskBuckets(list(overdue), list(today_rows), list(upcoming))

    async def my_counts(self) -> TaskCounts:
        """How many of my open tasks are in each of ``mine``'s buckets, counted in one query."""
        actor = self.uow.actor
        assert actor is not None
        now, end_of_today = self._bounds()
        query = select(
            func.count(case((Task.due_at < now, 1))),
            func.count(case(((Task.due_at >= now) & (Task.due_at < end_of_today), 1))),
            func.count(case((Task.due_at >= end_of_today, 1))),
        ).where(Task.assignee_id == actor.id, Task.status.in_(ACTIVE))
        overdue, today, upcoming = (await self.uow.session.execute(query)).one()
        return TaskCounts(overdue, today, upcoming)

    # --- writing --------------------------------------------------------------------------------

    async def _check_assignee(self, assignee_id: int, field: str = "assignee_id") -> None:
        employee = await self.uow.session.get(Employee, assignee_id)
        if employee is None:
            raise FieldError(field, f"employee {assignee_id} does not exist")
        if not employee.is_active:
            raise FieldError(field, f"employee {assignee_id} is not active")

    async def _check_subject(self, subject_type: TaskSubject, subject_id: int | None) -> None:
        """A task names only a subject the caller may see (404 otherwise, as a read would)."""
        if subject_id is None:
            return
        scope = Scope(self.uow)
        lookups = {
            TaskSubject.CLIENT: scope.client,
            TaskSubject.ORDER: scope.order,
            TaskSubject.INVOICE: scope.invoice,
            TaskSubject.PROPOSAL: scope.proposal,
        }
        lookup = lookups.get(subject_type)
        if lookup is not None:
            await lookup(subject_id)

    def deadline(self, *, due_at: datetime | None, working_days: int | None, at: time | None) -> datetime:
        if due_at is not None:
            return due_at
        assert working_days is not None
        return self.uow.calendar.due_after(self.uow.clock.now(), working_days, at or DEFAULT_DUE_TIME)

    def _check_deadline(self, due_at: datetime | None) -> None:
        if due_at is not None:
            today = self.uow.calendar.local_date(self.uow.clock.now())
            within_window(due_at, "due_at", today, back=DEADLINES_BACK, ahead=DEADLINES_AHEAD)

    async def create(self, data: TaskCreate) -> Task:
        if (data.due_at is None) == (data.due_in_working_days is None):
            raise FieldError("due_at", "give exactly one of due_at and due_in_working_days")
        self._check_deadline(data.due_at)
        if data.due_time is not None and data.due_in_working_days is None:
            raise FieldError("due_time", "only goes with due_in_working_days")
        if (data.subject_type == TaskSubject.NONE) != (data.subject_id is None):
            raise FieldError("subject_id", "is required with a subject_type, and only then")
        await self._check_subject(data.subject_type, data.subject_id)
        await self._check_assignee(data.assignee_id)
        return await self.add(
            kind=data.kind,
            title=data.title,
            description=data.description,
            subject_type=data.subject_type,
            subject_id=data.subject_id,
            assignee_id=data.assignee_id,
            due_at=self.deadline(due_at=data.due_at, working_days=data.due_in_working_days, at=data.due_time),
        )

    async def add(
        self,
        *,
        kind: TaskKind,
        title: str,
        assignee_id: int,
        due_at: datetime,
        subject_type: TaskSubject = TaskSubject.NONE,
        subject_id: int | None = None,
        description: str | None = None,
        purpose: TaskPurpose | None = None,
    ) -> Task:
        """Create a task; the entry point later processes use for the regulation's deadlines."""
        (task,) = await self.add_many(
            [NewTask(kind, title, assignee_id, due_at, subject_type, subject_id, description, purpose)]
        )
        return task

    async def add_many(self, drafts: Sequence[NewTask]) -> list[Task]:
        """Create tasks in one flush (the sweep makes hundreds at a time), each with its history."""
        now = self.uow.clock.now()
        author = self.uow.actor.id if self.uow.actor else None
        tasks = [
            Task(
                kind=d.kind,
                purpose=d.purpose,
                title=d.title,
                description=d.description,
                subject_type=d.subject_type,
                subject_id=d.subject_id,
                assignee_id=d.assignee_id,
                created_by_id=author,
                due_at=d.due_at,
                status=TaskStatus.OPEN,
                created_at=now,
                updated_at=now,
            )
            for d in drafts
        ]
        if not tasks:
            return tasks
        self.uow.session.add_all(tasks)
        await self.uow.session.flush()
        for task in tasks:
            self.history.record("task", task.id, "created", None, snapshot(task))
        return tasks

    def _check_may_change(self, task: Task) -> None:
        actor = self.uow.actor
        if actor is None or has(actor, Permission.TASKS_READ_ALL):
            return
        if actor.id not in (task.assignee_id, task.created_by_id):
            raise Forbidden("only the assignee, the author or a head may change this task")

    async def update(self, task_id: int, data: TaskUpdate, if_match: int | None) -> Task:
        task = await self.get(task_id)
        ensure_version(task, if_match, "task")
        self._check_may_change(task)
        changes = data.model_dump(exclude_unset=True)
        for required in ("title", "assignee_id", "due_at"):
            if required in changes and changes[required] is None:
                raise FieldError(required, "cannot be null")
        self._check_deadline(data.due_at)
        if task.status not in ACTIVE and changes:
            raise InvalidTransition("task", task.status, "update", allowed_actions(task.status))
        if "assignee_id" in changes:
            await self._check_assignee(changes["assignee_id"])
        before = snapshot(task)
        for key, value in changes.items():
            setattr(task, key, value)
        if {"due_at", "assignee_id"} & changes.keys():
            task.notified_at = None  # a moved deadline or a new assignee deserves a new notice
        if changes:
            task.updated_at = self.uow.clock.now()
            await self.uow.session.flush()
            self.history.record_change("task", task.id, before, snapshot(task))
        return task

    async def reassign(self, task: Task, assignee_id: int) -> None:
        """Hand an open task to another employee (its subject changed hands), with its history."""
        if task.assignee_id == assignee_id:
            return
        before = snapshot(task)
        task.assignee_id = assignee_id
        task.notified_at = None  # a new assignee deserves a new notice
        task.updated_at = self.uow.clock.now()
        await self.uow.session.flush()
        self.history.record_change("task", task.id, before, snapshot(task))

    async def transition(
        self, task_id: int, action: str, if_match: int | None, outcome: TaskComplete | None = None
    ) -> Task:
        task = await self.get(task_id)
        ensure_version(task, if_match, "task")
        self._check_may_change(task)
        ACTIONS.check(task.status, action)
        if action == "complete":
            assert outcome is not None
            if task.kind == TaskKind.CALL and outcome.reached is None:
                raise FieldError("reached", "a call's outcome says whether the person was reached")
            task.reached, task.result, task.next_step = outcome.reached, outcome.result, outcome.next_step
        if action == "reopen":
            task.reached = task.result = task.next_step = None
        target = TRANSITIONS[action][1]
        task.completed_at = self.uow.clock.now() if target == TaskStatus.DONE else None
        ACTIONS.move(task, action, self.history, outcome.model_dump(exclude_none=True) if outcome else None)
        await self.uow.session.flush()
        return task

    # --- the worker's sweep ---------------------------------------------------------------------

    async def notify_due(self, batch: int) -> list[int]:
        """Tasks that have fallen due get one chat notice to their assignee (never two)."""
        now = self.uow.clock.now()
        rows = (
            await self.uow.session.execute(
                select(Task, Employee)
                .join(Employee, Employee.id == Task.assignee_id)
                .where(Task.status.in_(ACTIVE), Task.notified_at.is_(None), Task.due_at <= now)
                .order_by(Task.due_at)
                .limit(batch)
            )
        ).all()
        outbox = OutboxService(self.uow)
        created: list[int] = []
        for task, employee in rows:
            local_due = task.due_at.astimezone(self.uow.calendar.tz).strftime("%d.%m.%Y %H:%M")
            text = f"Срок задачи наступил: «{task.title}» (до {local_due}). Задача №{task.id}."
            if employee.chat_handle:
                # One notice per task, assignee and deadline: a new assignee or a moved deadline
                # gets its own notice, a repeated sweep gets none.
                due_key = task.due_at.astimezone(UTC).isoformat()
                message, new = await outbox.add(
                    kind=OutboundKind.CHAT,
                    channel="personal",
                    recipient=employee.chat_handle,
                    body=text,
                    dedupe_key=f"task-due:{task.id}:{task.assignee_id}:{due_key}",
                    about=(MessageAbout.TASK, task.id),
                )
                if new:
                    created.append(message.id)
            await self.uow.session.execute(update(Task).where(Task.id == task.id).values(notified_at=now))
        return created

    async def end_open(
        self,
        subject_type: TaskSubject,
        subject_id: int,
        status: TaskStatus,
        result: str,
        *,
        kind: TaskKind | None = None,
    ) -> list[Task]:
        """End a subject's open tasks (of ``kind``, or all): done with ``result`` when what they
        asked for happened, or cancelled when it no longer will; each with its history entry."""
        query = select(Task).where(
            Task.subject_type == subject_type, Task.subject_id == subject_id, Task.status.in_(ACTIVE)
        )
        if kind is not None:
            query = query.where(Task.kind == kind)
        return await self._end(query, status, result)

    async def end_ids(self, task_ids: Select[Any], status: TaskStatus, result: str) -> list[Task]:
        """End the open tasks among ``task_ids`` (a query of ids), as ``end_open`` does."""
        query = select(Task).where(Task.id.in_(task_ids), Task.status.in_(ACTIVE))
        return await self._end(query, status, result)

    async def _end(self, query: Select[Any], status: TaskStatus, result: str) -> list[Task]:
        tasks = list((await self.uow.session.scalars(query.order_by(Task.id))).all())
        self.end(tasks, status, result)
        return tasks

    def end(
        self, tasks: Iterable[Task], status: TaskStatus, result: str | None, *, reached: bool | None = None
    ) -> None:
        """End these open tasks: done with ``result`` (and, for a call, whether the person was
        reached) when what they asked for happened, or cancelled when it no longer will."""
        now = self.uow.clock.now()
        action = "complete" if status == TaskStatus.DONE else "cancel"
        for task in tasks:
            changes: dict[str, Any] = {
                "result": result,
                "completed_at": now if status == TaskStatus.DONE else None,
            }
            if reached is not None:
                changes["reached"] = reached
            ACTIONS.move(task, action, self.history, {"result": result}, changes=changes)

    async def for_subject(self, subject_type: TaskSubject, subject_id: int) -> Sequence[Task]:
        query = select(Task).where(Task.subject_type == subject_type, Task.subject_id == subject_id)
        return (await self.uow.session.scalars(query.order_by(Task.id))).all()
