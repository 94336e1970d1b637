"""What 1C refused: a document the worker wrote that 1C answered with an error a retry cannot fix."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, str_enum
from app.models.tasks import TaskSubject


class OneCRefusal(Base):
    """1C refused to take a document for ``subject`` (an invoice, an order's reserves…) with
    ``message``, its own words; the order's assistant has ``task`` for it, and while that task is
    open the sweep leaves the subject alone instead of asking 1C again every minute."""

    __tablename__ = "onec_refusals"
    __table_args__ = (Index("ix_onec_refusals_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_type: Mapped[TaskSubject] = mapped_column(str_enum(TaskSubject))
    subject_id: Mapped[int] = mapped_column(Integer)
    task_id: Mapped[int] = mapped_column(ForeignKey("tasks.id", ondelete="CASCADE"), index=True)
    message: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]
