"""The assistant's daily report."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from app.models.reports import ReportStatus
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

ReportText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Figures = dict[str, dict[str, int | Decimal]]


class DailyFigures(ReadModel):
    employee_id: int
    day: IsoDate
    figures: Figures = Field(description="Per section of the report (orders, invoices, ...), its counts")


class DailyReportSubmit(StrictModel):
    day: IsoDate
    manager_id: Id = Field(description="The manager the report goes to")
    text: ReportText | None = Field(default=None, description="The assistant's own words about the day")


class DailyReportFeedback(StrictModel):
    feedback: ReportText


class DailyReportRead(ReadModel):
    id: int
    employee_id: int
    day: IsoDate
    status: ReportStatus
    allowed_actions: AllowedActions
    figures: Figures
    text: str | None
    manager_id: int | None
    submitted_at: Timestamp | None
    feedback: str | None
    feedback_by_id: int | None
    feedback_at: Timestamp | None
    reminded_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp
