"""Payments and their allocation to invoices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from app.models.payments import PaymentSource
from app.schemas.common import Id, IsoDate, LongText, ReadModel, StrictModel, Timestamp

Reference = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Amount = Annotated[Decimal, Field(gt=0, le=Decimal("10000000000"), decimal_places=2)]


class AllocationCreate(StrictModel):
    invoice_id: Id
    amount: Amount


class PaymentCreate(StrictModel):
    client_id: Id
    amount: Amount
    paid_on: IsoDate = Field(description="The day the money came (the bank statement's date)")
    reference: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None
    ) = Field(default=None, description="The payment order's number and purpose")
    allocations: list[AllocationCreate] | None = Field(
        default=None,
        max_length=500,
        description="Which invoices it pays; if omitted, the oldest due first",
    )
    keep_overpayment: bool = Field(
        default=False, description="Keep what exceeds the debt as the client's advance"
    )
    comment: LongText | None = None

    @field_validator("allocations")
    @classmethod
    def _each_invoice_once(cls, value: list[AllocationCreate] | None) -> list[AllocationCreate] | None:
        if value is not None:
            ids = [a.invoice_id for a in value]
            if len(set(ids)) != len(ids):
                raise ValueError("names an invoice twice")
        return value


class AllocationRead(ReadModel):
    invoice_id: int
    amount: Decimal


class PaymentRead(ReadModel):
    id: int
    client_id: int
    amount: Decimal
    paid_on: IsoDate
    source: PaymentSource
    external_id: str | None
    reference: str | None
    unallocated: Decimal
    recorded_by_id: int | None
    comment: str | None
    allocations: list[AllocationRead]
    created_at: Timestamp
