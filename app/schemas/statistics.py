"""The statistics of every process."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, Field

from app.schemas.common import IsoDate


class OnTimeRead(BaseModel):
    done_on_time: int
    done_late: int
    overdue_open: int
    share_on_time: float | None


class EmployeeThroughput(BaseModel):
    employee_id: int
    received: int
    invoiced: int
    delivered: int


class SectionRead(BaseModel):
    key: str = Field(
        description="The process: orders, proposals, receivables, warehouse_checks, daily_reports, ..."
    )
    title: str
    measures: dict[str, int | float | Decimal | None] = Field(
        description="Counts, shares (0..1) and money (decimal strings)"
    )
    cycle_hours: dict[str, float | None] = Field(description="Average hours between the process's steps")
    labels: dict[str, str] = Field(
        description="The Russian name of each measure and cycle, as the printed report names them"
    )
    on_time: OnTimeRead | None = Field(description="Steps with the regulation's deadlines that fell due")
    by_employee: list[EmployeeThroughput]


class StatisticsRead(BaseModel):
    date_from: IsoDate
    date_to: IsoDate
    employee_id: int | None
    department_id: int | None
    sections: list[SectionRead]
