"""Receivables reports for the heads and finance: aging and DSO, computed in SQL."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import PageDep, UowDep, allowed
from app.api.routing import api_router
from app.core.db import MAX_ID
from app.schemas.aging import (
    AgingBucket,
    AgingBuckets,
    AgingInvoiceRead,
    AgingReportRead,
    AgingRowRead,
    DsoReportRead,
    DsoRowRead,
)
from app.schemas.common import Page
from app.services.kernel.permissions import Permission
from app.services.receivables.aging import DSO_DEFAULT_DAYS, AgingService, DsoGroupBy, GroupBy

router = api_router(prefix="/api/v1/reports", tags=["reports"])

REPORTS = allowed(Permission.RECEIVABLES_REPORTS)


async def aging_service(uow: UowDep) -> AgingService:
    return AgingService(uow)


AgingDep = Annotated[AgingService, Depends(aging_service)]


@router.get("/aging", dependencies=REPORTS)
async def aging_report(
    aging: AgingDep,
    group_by: GroupBy = GroupBy.CLIENT,
    limit: Annotated[int, Query(ge=1, le=1000, description="Groups shown, largest debt first")] = 100,
) -> AgingReportRead:
    """The open debt of approved invoices by days past the due date (current, 1–30, 31–60, 61–90,
    over 90) per client, manager (the client's) or department (the manager's), as of today."""
    report = await aging.aging(group_by, limit)
    return AgingReportRead(
        as_of=report.as_of,
        group_by=report.group_by.value,
        rows=[
            AgingRowRead(
                key=r.key,
                name=r.name,
                buckets=AgingBuckets.model_validate(r.buckets),
                total=r.total,
                invoices=r.invoices,
            )
            for r in report.rows
        ],
        totals=AgingBuckets.model_validate(report.totals),
        total=report.total,
        groups=report.groups,
    )


@router.get("/aging/invoices", dependencies=REPORTS)
async def aging_invoices(
    aging: AgingDep,
    page: PageDep,
    group_by: GroupBy = GroupBy.CLIENT,
    key: Annotated[
        int | None,
        Query(ge=1, le=MAX_ID, description="The row's key (client, manager or department); absent: none set"),
    ] = None,
    bucket: Annotated[AgingBucket | None, Query(description="Only the invoices of this bucket")] = None,
) -> Page[AgingInvoiceRead]:
    """The open invoices behind one row of the aging report (its drill-down), the longest overdue
    first, with the days past due and what is still owed."""
    result = await aging.invoices(group_by, key, bucket, page.cursor, page.limit)
    return Page(
        items=[AgingInvoiceRead.model_validate(i, from_attributes=True) for i in result.items],
        next_cursor=result.next_cursor,
    )


@router.get("/dso", dependencies=REPORTS)
async def dso_report(
    aging: AgingDep,
    group_by: DsoGroupBy = DsoGroupBy.COMPANY,
    days: Annotated[
        int, Query(ge=7, le=366, description="The period of sales, ending today")
    ] = DSO_DEFAULT_DAYS,
) -> DsoReportRead:
    """Days sales outstanding: the open debt now divided by the sales of the last `days` days, times
    `days`; for the company, per manager or per department."""
    report = await aging.dso(group_by, days)
    return DsoReportRead(
        as_of=report.as_of,
        days=report.days,
        date_from=report.date_from,
        group_by=report.group_by.value,
        rows=[
            DsoRowRead(key=r.key, name=r.name, receivables=r.receivables, sales=r.sales, dso=r.dso)
            for r in report.rows
        ],
    )
