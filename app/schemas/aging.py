"""Receivables reports: aging and DSO."""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field

from app.schemas.common import IsoDate, ReadModel


class AgingBuckets(ReadModel):
    current: Decimal = Field(description="Not yet due (due today included)")
    days_1_30: Decimal
    days_31_60: Decimal
    days_61_90: Decimal
    over_90: Decimal


class AgingRowRead(ReadModel):
    key: int | None = Field(description="The client's, manager's or department's id; null: none set")
    name: str | None
    buckets: AgingBuckets
    total: Decimal
    invoices: int = Field(description="Open invoices in the group")


class AgingReportRead(ReadModel):
    as_of: IsoDate
    group_by: str
    rows: list[AgingRowRead] = Field(description="The largest debts first, at most `limit`")
    totals: AgingBuckets = Field(description="Over every group, not only the rows shown")
    total: Decimal
    groups: int = Field(description="How many groups have an open debt")


AgingBucket = Literal["current", "days_1_30", "days_31_60", "days_61_90", "over_90"]


class AgingInvoiceRead(ReadModel):
    id: int
    number: str
    order_id: int
    client_id: int
    client_name: str
    issued_on: IsoDate
    due_on: IsoDate
    days_past_due: int = Field(description="Days since the due date; 0 when not yet overdue")
    outstanding: Decimal = Field(description="What is still owed")
    bucket: AgingBucket


class DsoRowRead(ReadModel):
    key: int | None
    name: str | None
    receivables: Decimal = Field(description="The open debt now")
    sales: Decimal = Field(description="Approved invoices issued in the period")
    dso: Decimal | None = Field(description="receivables / sales × days; null when nothing was sold")


class DsoReportRead(ReadModel):
    as_of: IsoDate
    days: int
    date_from: IsoDate
    group_by: str
    rows: list[DsoRowRead]
