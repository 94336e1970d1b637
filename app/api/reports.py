"""The assistant's daily report: the day's figures, submitting, the manager's feedback, exports."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.actions import offered
from app.api.deps import (
    ActorDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    UowDep,
    allowed,
    file_response,
    pdf_response,
    set_etag,
)
from app.api.routing import api_router
from app.models.reports import DailyReport
from app.schemas.common import IsoDate, Page, problems
from app.schemas.reports import DailyFigures, DailyReportFeedback, DailyReportRead, DailyReportSubmit
from app.services.documents.daily_report import figure_labels
from app.services.kernel.permissions import Permission
from app.services.workday.daily_reports import DailyReportService, figures_of, may_answer, report_actions

router = api_router(prefix="/api/v1/daily-reports", tags=["daily reports"])

WRITE = allowed(Permission.REPORTS_WRITE)


async def daily_report_service(uow: UowDep) -> DailyReportService:
    return DailyReportService(uow)


DailyReportDep = Annotated[DailyReportService, Depends(daily_report_service)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_read(report: DailyReport) -> DailyReportRead:
    figures = figures_of(report.figures)
    fields = {k: getattr(report, k) for k in DailyReportRead.model_fields if hasattr(report, k)}
    return DailyReportRead.model_validate(
        fields
        | {
            "allowed_actions": offered(
                "/api/v1/daily-reports/{report_id}",
                report_actions(report.status),
                lambda actor, action: action != "feedback" or may_answer(actor, report),
            ),
            "figures": figures,
            "labels": figure_labels(figures),
        }
    )


@router.get("/figures", dependencies=WRITE)
async def daily_report_figures(
    reports: DailyReportDep, actor: ActorDep, day: Annotated[IsoDate, Query()], employee_id: QueryId = None
) -> DailyFigures:
    """The day's figures as they are now, compiled from the history (one's own without
    `employee_id`)."""
    who = employee_id or actor.id
    figures = await reports.compile(who, day)
    return DailyFigures(employee_id=who, day=day, figures=figures, labels=figure_labels(figures))


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def submit_daily_report(
    data: DailyReportSubmit, reports: DailyReportDep, response: Response
) -> DailyReportRead:
    """Submit one's report for a day to a manager: the figures are kept as compiled now, with the
    text; the manager is told in the chat."""
    report = await reports.submit(data.day, data.text, data.manager_id)
    set_etag(response, report.version)
    return to_read(report)


@router.get("", dependencies=WRITE)
async def list_daily_reports(
    reports: DailyReportDep,
    page: PageDep,
    employee_id: QueryId = None,
    day: Annotated[IsoDate | None, Query()] = None,
) -> Page[DailyReportRead]:
    """Reports one may read: one's own and those sent to one; a manager or a head reads all."""
    result = await reports.page(employee_id=employee_id, day=day, cursor=page.cursor, limit=page.limit)
    return Page(items=[to_read(r) for r in result.items], next_cursor=result.next_cursor)


@router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "A sheet per person"}, **problems(503)},
    dependencies=WRITE,
)
async def export_daily_reports(
    reports: DailyReportDep,
    date_from: Annotated[IsoDate, Query()],
    date_to: Annotated[IsoDate, Query()],
    employee_id: QueryId = None,
) -> Response:
    """The submitted reports of a period as the department's spreadsheet (XLSX, a sheet per person)."""
    content = await reports.export(date_from, date_to, employee_id)
    filename = f"daily-reports-{date_from.isoformat()}-{date_to.isoformat()}.xlsx"
    return file_response(content, XLSX, filename)


@router.get("/{report_id:int}", dependencies=WRITE)
async def get_daily_report(report_id: PathId, reports: DailyReportDep, response: Response) -> DailyReportRead:
    """One report with its feedback."""
    report = await reports.get(report_id)
    set_etag(response, report.version)
    return to_read(report)


@router.get(
    "/{report_id:int}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The report"}, **problems(503)},
    dependencies=WRITE,
)
async def daily_report_pdf(report_id: PathId, reports: DailyReportDep) -> Response:
    """The report as a PDF."""
    report, pdf = await reports.pdf(report_id)
    filename = f"daily-report-{report.day.isoformat()}-{report.employee_id}.pdf"
    return pdf_response(pdf, filename)


@router.post("/{report_id:int}/feedback", responses=problems(409), dependencies=WRITE)
async def daily_report_feedback(
    report_id: PathId,
    data: DailyReportFeedback,
    reports: DailyReportDep,
    version: IfMatchDep,
    response: Response,
) -> DailyReportRead:
    """The manager's feedback on the report (kept with it)."""
    report = await reports.feedback(report_id, data.feedback, version)
    set_etag(response, report.version)
    return to_read(report)
