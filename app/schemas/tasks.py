"""Tasks: calls, reminders and checks with their outcome."""

from __future__ import annotations

from datetime import time

from pydantic import Field

from app.models.tasks import TaskKind, TaskPurpose, TaskStatus, TaskSubject
from app.schemas.common import (
    AllowedActions,
    AwareDatetime,
    Id,
    LongText,
    ReadModel,
    ShortText,
    StrictModel,
    Timestamp,
)


class TaskCreate(StrictModel):
    kind: TaskKind
    title: ShortText
    description: LongText | None = None
    subject_type: TaskSubject = TaskSubject.NONE
    subject_id: Id | None = None
    assignee_id: Id
    due_at: AwareDatetime | None = Field(
        default=None, description="Exact deadline; or use due_in_working_days"
    )
    due_in_working_days: int | None = Field(
        default=None, ge=0, le=250, description="Deadline in working days on the Russian business calendar"
    )
    due_time: time | None = Field(
        default=None, description="Local (Moscow) time for due_in_working_days; 18:00"
    )


class TaskUpdate(StrictModel):
    title: ShortText | None = None
    description: LongText | None = None
    assignee_id: Id | None = None
    due_at: AwareDatetime | None = None


class TaskComplete(StrictModel):
    reached: bool | None = Field(default=None, description="For calls: whether the person was reached")
    result: LongText | None = None
    next_step: LongText | None = None


class TaskRead(ReadModel):
    id: int
    kind: TaskKind
    purpose: TaskPurpose | None = Field(
        description="The rule the service made this task for, where a later step depends on it: "
        "`feedback_call` is the call after delivery whose outcome, reached, closes the order "
        "(not reached, the service sets the next one for the next working day)."
    )
    title: str
    description: str | None
    subject_type: TaskSubject
    subject_id: int | None
    assignee_id: int
    created_by_id: int | None
    due_at: Timestamp
    status: TaskStatus
    overdue: bool
    allowed_actions: AllowedActions
    reached: bool | None
    result: str | None
    next_step: str | None
    completed_at: Timestamp | None
    notified_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class MyTasks(ReadModel):
    overdue: list[TaskRead]
    today: list[TaskRead]
    upcoming: list[TaskRead]


class MyTaskCounts(ReadModel):
    """How many of my open tasks fall in each bucket of ``GET /tasks/mine``."""

    overdue: int = Field(description="Due before now")
    today: int = Field(description="Due from now to the end of today (Moscow time)")
    upcoming: int = Field(description="Due after today")
