"""Tasks: my list, the team's list, and the actions of the task state machine."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.actions import offered
from app.api.deps import (
    ErpDep,
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    UowDep,
    allowed,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.models.tasks import Task, TaskKind, TaskStatus, TaskSubject
from app.schemas.common import AwareDatetime, Page, problems
from app.schemas.events import EventRead
from app.schemas.tasks import MyTaskCounts, MyTasks, TaskComplete, TaskCreate, TaskRead, TaskUpdate
from app.services.directory.tasks import TaskService, allowed_actions
from app.services.kernel.permissions import Permission
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.task_completion import TaskCompletion

router = api_router(prefix="/api/v1/tasks", tags=["tasks"])

READ = allowed(Permission.TASKS_READ_OWN)
WRITE = allowed(Permission.TASKS_WRITE)


async def task_service(uow: UowDep) -> TaskService:
    return TaskService(uow)


TaskDep = Annotated[TaskService, Depends(task_service)]


def to_read(task: Task, now: datetime) -> TaskRead:
    active = task.status in (TaskStatus.OPEN, TaskStatus.IN_PROGRESS)
    return TaskRead.model_validate(
        {
            **{c: getattr(task, c) for c in TaskRead.model_fields if c not in ("overdue", "allowed_actions")},
            "overdue": active and task.due_at < now,
            "allowed_actions": offered("/api/v1/tasks/{task_id}", allowed_actions(task.status)),
        }
    )


def _one(task: Task, uow: UnitOfWork, response: Response) -> TaskRead:
    set_etag(response, task.version)
    return to_read(task, uow.clock.now())


@router.get("/mine", dependencies=READ)
async def my_tasks(
    tasks: TaskDep,
    uow: UowDep,
    limit: Annotated[int, Query(ge=1, le=500, description="At most this many per bucket")] = 100,
) -> MyTasks:
    """My open tasks: overdue, due today (Moscow time) and upcoming, each by deadline."""
    buckets = await tasks.mine(limit)
    now = uow.clock.now()
    return MyTasks(
        overdue=[to_read(t, now) for t in buckets.overdue],
        today=[to_read(t, now) for t in buckets.today],
        upcoming=[to_read(t, now) for t in buckets.upcoming],
    )


@router.get("/mine/counts", dependencies=READ)
async def my_task_counts(tasks: TaskDep) -> MyTaskCounts:
    """How many open tasks I have overdue, due today (Moscow time) and upcoming: the same buckets as
    `GET /tasks/mine`, without the tasks themselves (for a badge or a navigation count)."""
    counts = await tasks.my_counts()
    return MyTaskCounts(overdue=counts.overdue, today=counts.today, upcoming=counts.upcoming)


@router.get("", dependencies=READ)
async def list_tasks(
    tasks: TaskDep,
    uow: UowDep,
    page: PageDep,
    assignee_id: QueryId = None,
    status_: Annotated[TaskStatus | None, Query(alias="status")] = None,
    kind: TaskKind | None = None,
    subject_type: TaskSubject | None = None,
    subject_id: QueryId = None,
    due_before: AwareDatetime | None = None,
) -> Page[TaskRead]:
    """Tasks you may see (yours and those you set; all of them for heads), oldest first."""
    result = await tasks.page(
        assignee_id=assignee_id,
        status=status_,
        kind=kind,
        subject_type=subject_type,
        subject_id=subject_id,
        due_before=due_before,
        cursor=page.cursor,
        limit=page.limit,
    )
    now = uow.clock.now()
    return Page(items=[to_read(t, now) for t in result.items], next_cursor=result.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(404, 409), dependencies=WRITE)
async def create_task(data: TaskCreate, tasks: TaskDep, uow: UowDep, response: Response) -> TaskRead:
    """Set a task. The deadline is exact (`due_at`) or counted in working days on the Russian
    business calendar (`due_in_working_days`, at `due_time` Moscow time, 18:00 by default)."""
    return _one(await tasks.create(data), uow, response)


@router.get("/{task_id:int}", dependencies=READ)
async def get_task(task_id: PathId, tasks: TaskDep, uow: UowDep, response: Response) -> TaskRead:
    """One task with the actions allowed now."""
    return _one(await tasks.get(task_id), uow, response)


@router.patch("/{task_id:int}", responses=problems(409), dependencies=WRITE)
async def update_task(
    task_id: PathId, data: TaskUpdate, tasks: TaskDep, uow: UowDep, version: IfMatchDep, response: Response
) -> TaskRead:
    """Change an open task: title, description, assignee, deadline."""
    return _one(await tasks.update(task_id, data, version), uow, response)


@router.post("/{task_id:int}/start", responses=problems(409), dependencies=WRITE)
async def start_task(
    task_id: PathId, tasks: TaskDep, uow: UowDep, version: IfMatchDep, response: Response
) -> TaskRead:
    """Take the task into work."""
    return _one(await tasks.transition(task_id, "start", version), uow, response)


@router.post("/{task_id:int}/complete", responses=problems(409), dependencies=WRITE)
async def complete_task(
    task_id: PathId, data: TaskComplete, uow: UowDep, erp: ErpDep, version: IfMatchDep, response: Response
) -> TaskRead:
    """Close the task with its outcome; a call says whether the person was reached. An order's
    feedback call reached, with what the client said (`result`, required then), records the order's
    feedback and closes the order, as `POST /orders/{order_id}/feedback` does (without a rating)."""
    return _one(await TaskCompletion(uow, erp).complete(task_id, data, version), uow, response)


@router.post("/{task_id:int}/cancel", responses=problems(409), dependencies=WRITE)
async def cancel_task(
    task_id: PathId, tasks: TaskDep, uow: UowDep, version: IfMatchDep, response: Response
) -> TaskRead:
    """Cancel the task."""
    return _one(await tasks.transition(task_id, "cancel", version), uow, response)


@router.post("/{task_id:int}/reopen", responses=problems(409), dependencies=WRITE)
async def reopen_task(
    task_id: PathId, tasks: TaskDep, uow: UowDep, version: IfMatchDep, response: Response
) -> TaskRead:
    """Open a done or cancelled task again (its outcome is cleared)."""
    return _one(await tasks.transition(task_id, "reopen", version), uow, response)


@router.get("/{task_id:int}/history", dependencies=READ)
async def task_history(task_id: PathId, tasks: TaskDep, events: HistoryDep, page: PageDep) -> Page[EventRead]:
    """Every change and transition of the task, oldest first."""
    await tasks.get(task_id)
    return await history_page(events, "task", task_id, page)
