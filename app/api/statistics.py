"""The statistics of every process: as data, and as a PDF report with charts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

from app.api.deps import QueryId, UowDep, allowed, pdf_response
from app.api.routing import api_router
from app.schemas.common import IsoDate, problems
from app.schemas.statistics import StatisticsRead
from app.services.documents.statistics import label
from app.services.kernel.permissions import Permission
from app.services.statistics import StatisticsService

router = api_router(prefix="/api/v1/statistics", tags=["statistics"])

READ = allowed(Permission.STATISTICS_READ)


async def statistics_service(uow: UowDep) -> StatisticsService:
    return StatisticsService(uow)


StatisticsDep = Annotated[StatisticsService, Depends(statistics_service)]
DateFrom = Annotated[IsoDate, Query(description="First local day of the period")]
DateTo = Annotated[IsoDate, Query(description="Last local day of the period (included)")]


@router.get("", dependencies=READ)
async def get_statistics(
    statistics: StatisticsDep,
    date_from: DateFrom,
    date_to: DateTo,
    employee_id: QueryId = None,
    department_id: QueryId = None,
) -> StatisticsRead:
    """Each process's measures for the period: throughput, cycle times, the share needing
    clarification, steps done on time, receivables (collected, overdue share, DSO), the morning
    checks and the daily reports; for one employee, one department or everybody."""
    stats = await statistics.compute(date_from, date_to, employee_id, department_id)
    return StatisticsRead.model_validate(
        {
            "date_from": stats.date_from,
            "date_to": stats.date_to,
            "employee_id": stats.employee_id,
            "department_id": stats.department_id,
            "sections": [
                {
                    "key": s.key,
                    "title": s.title,
                    "measures": s.measures,
                    "cycle_hours": s.cycle_hours,
                    "labels": {k: label(k) for k in [*s.measures, *s.cycle_hours]},
                    "on_time": None
                    if s.on_time is None
                    else {
                        "done_on_time": s.on_time.done_on_time,
                        "done_late": s.on_time.done_late,
                        "overdue_open": s.on_time.overdue_open,
                        "share_on_time": s.on_time.share_on_time,
                    },
                    "by_employee": s.by_employee,
                }
                for s in stats.sections
            ],
        }
    )


@router.get(
    "/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The report with charts"},
        **problems(503),
    },
    dependencies=READ,
)
async def statistics_pdf(
    statistics: StatisticsDep,
    date_from: DateFrom,
    date_to: DateTo,
    employee_id: QueryId = None,
    department_id: QueryId = None,
) -> Response:
    """The same statistics as a PDF report, a table and charts per process."""
    pdf = await statistics.pdf(date_from, date_to, employee_id, department_id)
    filename = f"statistics-{date_from.isoformat()}-{date_to.isoformat()}.pdf"
    return pdf_response(pdf, filename)
