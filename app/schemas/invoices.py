"""Invoices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import EmailStr, Field, StringConstraints, field_validator, model_validator

from app.models.invoices import InvoiceStatus
from app.schemas.common import AllowedActions, IsoDate, ReadModel, StrictModel, Timestamp
from app.schemas.flags import FlagRead


class InvoiceLineRead(ReadModel):
    position: int
    product_id: str | None
    name: str
    unit: str
    price_category: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    price: Decimal = Field(description="The unit price after the discount")
    amount: Decimal
    vat_amount: Decimal


class InvoiceRead(ReadModel):
    id: int
    number: str
    order_id: int
    client_id: int
    issued_on: IsoDate
    due_on: IsoDate
    vat_rate: int
    total: Decimal
    vat_total: Decimal
    paid_total: Decimal
    outstanding: Decimal = Field(description="What is still owed")
    paid_at: Timestamp | None
    status: InvoiceStatus
    allowed_actions: AllowedActions
    revision: int
    sent_to: str | None
    client_comment: str | None
    approved_at: Timestamp | None
    open_flags: list[FlagRead] = Field(description="Mistakes flagged in this invoice and not fixed yet")
    lines: list[InvoiceLineRead]
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class InvoiceRevisionRead(ReadModel):
    revision: int
    reason: str | None
    lines: list[dict[str, Any]]
    total: Decimal
    vat_total: Decimal
    created_at: Timestamp


Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class InvoiceSend(StrictModel):
    email: EmailStr | None = Field(
        default=None, description="Where to send; the client's contact email if omitted"
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class InvoiceChangesRequested(StrictModel):
    comment: Comment = Field(description="What the client wants changed")


class InvoiceLineChange(StrictModel):
    position: int = Field(ge=1, le=1000)
    quantity: int | None = Field(default=None, ge=1, le=100_000)
    discount_percent: Decimal | None = Field(default=None, ge=0, lt=100, decimal_places=2)

    @model_validator(mode="after")
    def _something(self) -> InvoiceLineChange:
        if self.quantity is None and self.discount_percent is None:
            raise ValueError("give a new quantity or discount_percent")
        return self


class LineDiscount(StrictModel):
    position: int = Field(ge=1, le=1000, description="The order line's position")
    discount_percent: Decimal = Field(gt=0, lt=100, decimal_places=2)


class InvoiceCreate(StrictModel):
    discounts: list[LineDiscount] = Field(
        default_factory=list, max_length=200, description="Discounts agreed for some lines, in percent"
    )

    @field_validator("discounts")
    @classmethod
    def _once_each(cls, discounts: list[LineDiscount]) -> list[LineDiscount]:
        positions = [d.position for d in discounts]
        if len(set(positions)) != len(positions):
            raise ValueError("names a line twice")
        return discounts


class FieldChange(ReadModel):
    before: Any
    after: Any


class LineComparison(ReadModel):
    position: int
    name: str
    change: str = Field(description="`added`, `removed`, `changed` or `same`")
    fields: dict[str, FieldChange] = Field(description="What changed: quantity, discount, prices, amount")


class RevisionComparison(ReadModel):
    invoice_id: int
    from_revision: int
    to_revision: int
    reason: str | None = Field(description="Why the later revision was made")
    lines: list[LineComparison]
    total: FieldChange
    vat_total: FieldChange


class InvoiceRevise(StrictModel):
    reason: Comment
    lines: list[InvoiceLineChange] = Field(min_length=1, max_length=200)


class InvoiceApprove(StrictModel):
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None
