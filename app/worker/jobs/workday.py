"""The working day's part of the minute sweep: the morning check sheets at 8:30, a reminder for a
sheet not started by 9:00, and one for a daily report not submitted by the end of the day."""

from __future__ import annotations

from app.services.workday.daily_reports import DailyReportService
from app.services.workday.warehouse_checks import WarehouseCheckService
from app.worker.context import JobContext
from app.worker.jobs.base import Swept


async def swept(app: JobContext, minute: str) -> Swept:
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        sheets, unstarted = await WarehouseCheckService(uow, app.erp).make_due(batch)
        unreported = await DailyReportService(uow).remind_unsubmitted(batch)
    return Swept(
        counts={"check_sheets": sheets, "check_reminders": unstarted, "report_reminders": unreported}
    )
