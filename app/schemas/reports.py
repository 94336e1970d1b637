"""The assistant's daily report."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from app.models.reports import ReportStatus
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

ReportText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
Figures = dict[str, dict[str, int | Decimal]]
FigureLabels = Annotated[
    dict[str, str],
    Field(
        description="The Russian name of each section (`orders`) and each figure (`orders.received`), "
        "as the printed report names them"
    ),
]


class DailyFigures(ReadModel):
    employee_id: int
    day: IsoDate
    figures: Figures = Field(description="Per section of the report (orders, invoices, ...), its counts")
    labels: FigureLabels


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
    labels: FigureLabels
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
