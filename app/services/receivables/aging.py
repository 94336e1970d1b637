"""Receivables reports: aging of the open debt (current, 1–30, 31–60, 61–90, over 90 days past the
due date) and DSO, by client, manager or department.

Each report is one SQL query that aggregates in the database (never rows loaded into Python). The
day boundaries are computed here, so the database only compares dates: the same query runs on
SQLite and PostgreSQL. The manager is the client's manager; the department is that manager's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, func, literal, select, type_coerce, union_all

from app.core.errors import FieldError
from app.models.clients import Client
from app.models.directory import Department, Employee
from app.models.invoices import Invoice, InvoiceStatus, receivable
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.unit_of_work import UnitOfWork

BUCKETS = ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")
DSO_DEFAULT_DAYS = 90


class GroupBy(StrEnum):
    CLIENT = "client"
    MANAGER = "manager"
    DEPARTMENT = "department"


class DsoGroupBy(StrEnum):
    COMPANY = "company"
    MANAGER = "manager"
    DEPARTMENT = "department"


@dataclass(frozen=True, slots=True)
class AgingRow:
    key: int | None
    name: str | None
    buckets: dict[str, Decimal]
    total: Decimal
    invoices: int


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    group_by: GroupBy
    rows: list[AgingRow]
    totals: dict[str, Decimal]
    total: Decimal
    groups: int


@dataclass(frozen=True, slots=True)
class AgingInvoice:
    id: int
    number: str
    order_id: int
    client_id: int
    client_name: str
    issued_on: date
    due_on: date
    days_past_due: int
    outstanding: Decimal
    bucket: str


@dataclass(frozen=True, slots=True)
class DsoRow:
    key: int | None
    name: str | None
    receivables: Decimal
    sales: Decimal
    dso: Decimal | None  # None when nothing was sold in the period


@dataclass(frozen=True, slots=True)
class DsoReport:
    as_of: date
    days: int
    date_from: date
    group_by: DsoGroupBy
    rows: list[DsoRow]


def _rub(kopecks: Any) -> Decimal:
    return (Decimal(int(kopecks or 0)) / 100).quantize(Decimal("0.01"))


def _kopecks(expression: ColumnElement[Any]) -> ColumnElement[Any]:
    """A sum of money columns as the integer kopecks they are stored as (not converted to roubles)."""
    return type_coerce(func.sum(expression), BigInteger())


def _outstanding() -> ColumnElement[Any]:
    return Invoice.total - Invoice.paid_total


def _open() -> ColumnElement[bool]:
    """The open debt: shipped goods not paid for (an invoice whose goods have not left is none)."""
    return receivable()


def bucket_conditions(today: date) -> list[ColumnElement[bool]]:
    """Days past due = today − due date; due today is current."""
    day = timedelta(days=1)
    return [
        Invoice.due_on >= today,
        and_(Invoice.due_on < today, Invoice.due_on >= today - 30 * day),
        and_(Invoice.due_on < today - 30 * day, Invoice.due_on >= today - 60 * day),
        and_(Invoice.due_on < today - 60 * day, Invoice.due_on >= today - 90 * day),
        Invoice.due_on < today - 90 * day,
    ]


def _bucket_of(days_past_due: int) -> str:
    if days_past_due <= 0:
        return "current"
    if days_past_due <= 30:
        return "days_1_30"
    if days_past_due <= 60:
        return "days_31_60"
    if days_past_due <= 90:
        return "days_61_90"
    return "over_90"


class AgingService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    def _today(self) -> date:
        return self.uow.calendar.local_date(self.uow.clock.now())

    async def aging(self, group_by: GroupBy, limit: int) -> AgingReport:
        """The open debt by days past due, largest debtors first; totals over every group."""
        today = self._today()
        sums = [
            _kopecks(case((condition, _outstanding()), else_=0)).label(name)
            for name, condition in zip(BUCKETS, bucket_conditions(today), strict=True)
        ]
        key, name_query = self._grouping(group_by)
        grouped = (
            select(key.label("key"), *sums, func.count().label("invoices"))
            .select_from(Invoice)
            .where(_open())
        )
        if group_by != GroupBy.CLIENT:
            grouped = grouped.join(Client, Client.id == Invoice.client_id)
        if group_by == GroupBy.DEPARTMENT:
            grouped = grouped.outerjoin(Employee, Employee.id == Client.manager_id)
        inner = grouped.group_by(key).subquery()
        total = sum((inner.c[name] for name in BUCKETS), literal(0))
        # The totals over every group ride along as window sums; the names are looked up only for
        # the rows shown (after the limit), not for every debtor.
        shown = (
            select(
                inner.c.key,
                *(inner.c[name] for name in BUCKETS),
                total.label("total"),
                inner.c.invoices,
                *(func.sum(inner.c[name]).over().label(f"all_{name}") for name in BUCKETS),
                func.count().over().label("groups"),
            )
            .order_by(total.desc(), inner.c.key)
            .limit(limit)
            .subquery()
        )
        report = select(
            shown.c.key,
            name_query(shown.c.key),
            *(shown.c[name] for name in BUCKETS),
            shown.c.total,
            shown.c.invoices,
            *(shown.c[f"all_{name}"] for name in BUCKETS),
            shown.c.groups,
        ).order_by(shown.c.total.desc(), shown.c.key)
        result = (await self.uow.session.execute(report)).all()
        rows = [
            AgingRow(
                key=row[0],
                name=row[1],
                buckets={name: _rub(row[2 + i]) for i, name in enumerate(BUCKETS)},
                total=_rub(row[7]),
                invoices=int(row[8]),
            )
            for row in result
        ]
        totals = {
            name: _rub(result[0][9 + i]) if result else Decimal("0.00") for i, name in enumerate(BUCKETS)
        }
        return AgingReport(
            as_of=today,
            group_by=group_by,
            rows=rows,
            totals=totals,
            total=sum(totals.values(), Decimal("0.00")),
            groups=int(result[0][14]) if result else 0,
        )

    async def invoices(
        self,
        group_by: GroupBy,
        key: int | None,
        bucket: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[AgingInvoice]:
        """The open invoices behind one row of the aging report (``key`` None: the group with none
        set), optionally of one bucket; the longest overdue first."""
        today = self._today()
        group_key, _ = self._grouping(group_by)
        query = (
            select(
                Invoice.id,
                Invoice.number,
                Invoice.order_id,
                Invoice.client_id,
                Client.name,
                Invoice.issued_on,
                Invoice.due_on,
                Invoice.total,
                Invoice.paid_total,
            )
            .join(Client, Client.id == Invoice.client_id)
            .where(_open(), Invoice.due_on.is_not(None))
        )
        if group_by == GroupBy.DEPARTMENT:
            query = query.outerjoin(Employee, Employee.id == Client.manager_id)
        query = query.where(group_key.is_(None) if key is None else group_key == key)
        conditions = bucket_conditions(today)
        if bucket is not None:
            query = query.where(conditions[BUCKETS.index(bucket)])
        if cursor is not None:
            after_due, after_id = decode_cursor(cursor, [str, int])
            try:
                after = date.fromisoformat(after_due)
            except ValueError:
                raise FieldError("cursor", "is not a cursor returned by this list") from None
            query = query.where(
                (Invoice.due_on > after) | and_(Invoice.due_on == after, Invoice.id > after_id)
            )
        rows = (
            await self.uow.session.execute(query.order_by(Invoice.due_on, Invoice.id).limit(limit + 1))
        ).all()
        items = []
        for row in rows:
            due: date = row.due_on
            past = (today - due).days
            items.append(
                AgingInvoice(
                    id=row.id,
                    number=row.number,
                    order_id=row.order_id,
                    client_id=row.client_id,
                    client_name=row.name,
                    issued_on=row.issued_on,
                    due_on=due,
                    days_past_due=max(past, 0),
                    outstanding=(row.total - row.paid_total).quantize(Decimal("0.01")),
                    bucket=_bucket_of(past),
                )
            )
        return page_of(items, limit, lambda i: [i.due_on.isoformat(), i.id])

    async def dso(self, group_by: DsoGroupBy, days: int) -> DsoReport:
        """Days sales outstanding over the last ``days`` days: the open debt now divided by the
        sales (approved invoices shipped) in the period, times its days."""
        today = self._today()
        start = today - timedelta(days=days - 1)
        if group_by == DsoGroupBy.COMPANY:
            key: Any = literal(None)
        else:
            key, name_query = self._grouping(GroupBy(group_by.value))

        def part(owed: Any, sales: Any, *where: ColumnElement[bool]) -> Any:
            # Two index-friendly halves (the open debt, the period's sales) instead of one OR.
            query = select(key.label("key"), owed.label("owed"), sales.label("sales")).select_from(Invoice)
            if group_by != DsoGroupBy.COMPANY:
                query = query.join(Client, Client.id == Invoice.client_id)
            if group_by == DsoGroupBy.DEPARTMENT:
                query = query.outerjoin(Employee, Employee.id == Client.manager_id)
            return query.where(*where)

        both = union_all(
            part(type_coerce(_outstanding(), BigInteger()), literal(0), _open()),
            part(
                literal(0),
                type_coerce(Invoice.total, BigInteger()),
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.shipped_on >= start,
                Invoice.shipped_on <= today,
            ),
        ).subquery()
        sums = (
            select(
                both.c.key,
                type_coerce(func.sum(both.c.owed), BigInteger()).label("owed"),
                type_coerce(func.sum(both.c.sales), BigInteger()).label("sales"),
            )
            .group_by(both.c.key)
            .subquery()
        )
        if group_by == DsoGroupBy.COMPANY:
            query = select(sums.c.key, literal(None), sums.c.owed, sums.c.sales)
        else:
            query = select(sums.c.key, name_query(sums.c.key), sums.c.owed, sums.c.sales).order_by(
                sums.c.owed.desc(), sums.c.key
            )
        rows = []
        for row in (await self.uow.session.execute(query)).all():
            owed, sales = _rub(row[2]), _rub(row[3])
            dso = (owed / sales * days).quantize(Decimal("0.1"), ROUND_HALF_UP) if sales > 0 else None
            rows.append(DsoRow(key=row[0], name=row[1], receivables=owed, sales=sales, dso=dso))
        if group_by == DsoGroupBy.COMPANY and not rows:  # nothing owed, nothing sold
            rows.append(DsoRow(None, None, Decimal("0.00"), Decimal("0.00"), None))
        return DsoReport(as_of=today, days=days, date_from=start, group_by=group_by, rows=rows)

    @staticmethod
    def _grouping(group_by: GroupBy) -> tuple[Any, Any]:
        """The grouping key, and how to name a key (a scalar subquery, after the aggregation)."""
        if group_by == GroupBy.CLIENT:
            return (
                Invoice.client_id,
                lambda k: select(Client.name).where(Client.id == k).scalar_subquery().label("name"),
            )
        if group_by == GroupBy.MANAGER:
            return (
                Client.manager_id,
                lambda k: select(Employee.full_name).where(Employee.id == k).scalar_subquery().label("name"),
            )
        return (
            Employee.department_id,
            lambda k: select(Department.name).where(Department.id == k).scalar_subquery().label("name"),
        )
