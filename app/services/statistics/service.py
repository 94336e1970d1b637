"""The statistics by period, employee and department, as data and as a PDF report with charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import select

from app.core.errors import FieldError, Forbidden
from app.models.directory import Department, Employee
from app.services.documents.statistics import StatisticsView, render_statistics_pdf
from app.services.kernel.permissions import Permission, has
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.statistics.sections import SECTIONS, Scope, SectionResult

MAX_PERIOD_DAYS = 366
# The days a period may cover: the service keeps no history before 2000 and none after 2100.
FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2100, 12, 31)


@dataclass
class Statistics:
    date_from: date
    date_to: date
    employee_id: int | None
    department_id: int | None
    sections: list[SectionResult]


class StatisticsService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def compute(
        self, date_from: date, date_to: date, employee_id: int | None, department_id: int | None
    ) -> Statistics:
        """Every process's measures over [date_from, date_to] (local days), for one employee, one
        department or everybody. Without the permission to read everybody's, one's own."""
        if date_from < FIRST_DAY:
            raise FieldError("date_from", f"is before {FIRST_DAY.isoformat()}")
        if date_to > LAST_DAY:
            raise FieldError("date_to", f"is after {LAST_DAY.isoformat()}")
        if date_to < date_from:
            raise FieldError("date_to", "is before date_from")
        if (date_to - date_from).days >= MAX_PERIOD_DAYS:
            raise FieldError("date_to", f"a period is at most {MAX_PERIOD_DAYS} days")
        if employee_id is not None and department_id is not None:
            raise FieldError("department_id", "give an employee or a department, not both")
        actor = self.uow.actor
        assert actor is not None
        if not has(actor, Permission.STATISTICS_READ_ALL):
            if department_id is not None or (employee_id is not None and employee_id != actor.id):
                raise Forbidden("only your own statistics may be read")
            employee_id = actor.id
        employees = None
        if employee_id is not None:
            if await self.uow.session.get(Employee, employee_id) is None:
                raise FieldError("employee_id", f"employee {employee_id} does not exist")
            employees = select(Employee.id).where(Employee.id == employee_id)
        if department_id is not None:
            if await self.uow.session.get(Department, department_id) is None:
                raise FieldError("department_id", f"department {department_id} does not exist")
            employees = select(Employee.id).where(Employee.department_id == department_id)
        cal = self.uow.calendar
        now = self.uow.clock.now()
        scope = Scope(
            date_from=date_from,
            date_to=date_to,
            start=cal.at(date_from, time(0)),
            end=cal.at(date_to + timedelta(days=1), time(0)),
            now=now,
            today=cal.local_date(now),
            employees=employees,
        )
        sections = [await section.compute(self.uow.session, scope) for section in SECTIONS]
        return Statistics(date_from, date_to, employee_id, department_id, sections)

    async def pdf(
        self, date_from: date, date_to: date, employee_id: int | None, department_id: int | None
    ) -> bytes:
        stats = await self.compute(date_from, date_to, employee_id, department_id)
        names = {e.id: e.full_name for e in await self.uow.session.scalars(select(Employee))}
        scope = "все сотрудники"
        if stats.employee_id is not None:
            scope = names.get(stats.employee_id, "—")
        elif stats.department_id is not None:
            department = await self.uow.session.get(Department, stats.department_id)
            scope = f"отдел «{department.name}»" if department else "—"
        view = StatisticsView(
            date_from=stats.date_from,
            date_to=stats.date_to,
            scope=scope,
            sections=stats.sections,
            names=names,
        )
        return await self.uow.renderer.render(render_statistics_pdf, view)
