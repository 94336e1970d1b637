"""Tasks: the regulation's calls, reminders and checks as first-class data."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class TaskKind(StrEnum):
    CALL = "call"
    REQUEST_DOCUMENT = "request_document"
    SEND_DOCUMENT = "send_document"
    ESCALATE = "escalate"
    CHECK = "check"
    CLARIFY = "clarify"
    REMIND = "remind"
    OTHER = "other"


class TaskSubject(StrEnum):
    CLIENT = "client"
    ORDER = "order"
    INVOICE = "invoice"
    PROPOSAL = "proposal"
    SPEC = "spec"
    DEBT = "debt"
    REQUISITION = "requisition"
    DAILY_REPORT = "daily_report"
    NONE = "none"


class TaskPurpose(StrEnum):
    """The rule a task was made for, where a later step must know it (the title is for people and
    may be anything)."""

    FEEDBACK_CALL = "feedback_call"  # the call after delivery whose outcome closes the order


class TaskStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class Task(Versioned, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_tasks_subject", "subject_type", "subject_id"),
        Index("ix_tasks_due_unnotified", "status", "notified_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[TaskKind] = mapped_column(str_enum(TaskKind))
    purpose: Mapped[TaskPurpose | None] = mapped_column(str_enum(TaskPurpose))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str | None] = mapped_column(Text)
    subject_type: Mapped[TaskSubject] = mapped_column(str_enum(TaskSubject))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    assignee_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    due_at: Mapped[datetime]
    status: Mapped[TaskStatus] = mapped_column(str_enum(TaskStatus))
    # Outcome (for calls: whether the person was reached, what was agreed, what comes next).
    reached: Mapped[bool | None] = mapped_column(Boolean)
    result: Mapped[str | None] = mapped_column(Text)
    next_step: Mapped[str | None] = mapped_column(Text)
    completed_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
