"""Invoices."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import EmailStr, Field, StringConstraints, field_validator, model_validator

from app.models.invoices import DiscountApproval, InvoiceStatus
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
    due_on: IsoDate | None = Field(
        description="When payment is due: for payment in advance, set on issue; on a deferment, "
        "deferment_days after the shipment (moved to the next working day), none until the goods ship"
    )
    deferment_days: int | None = Field(
        description="The client's deferment on the day of issue; none: in advance"
    )
    shipped_on: IsoDate | None = Field(
        description="When the goods were shipped (the УПД): from then it is a debt"
    )
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
    discount_approval: DiscountApproval | None = Field(
        description="Management's word on a discount beyond the client's approved one or a price below "
        "cost (`pending`, `approved`, `refused`); null when none is needed. The invoice is sent only "
        "when it is null or `approved`"
    )
    discount_comment: str | None = Field(description="Management's comment on its decision")
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


class DiscountLineRead(ReadModel):
    position: int
    name: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    price: Decimal = Field(description="The unit price after the discount")
    amount: Decimal
    purchase_price: Decimal | None = Field(description="What the goods cost us (1C); only for who prices")
    margin: Decimal | None = Field(description="Per unit, price minus purchase price; only for who prices")
    margin_total: Decimal | None
    beyond_approved_discount: bool = Field(description="Discounted beyond the client's approved discount")
    below_cost: bool = Field(description="Priced below the purchase price")


class DiscountApprovalRead(ReadModel):
    invoice_id: int
    number: str
    client_id: int
    status: str = Field(description="`not_needed`, `pending`, `approved` or `refused`")
    allowed_actions: list[str]
    approved_discount_percent: Decimal = Field(description="The client's approved discount (0 without)")
    total: Decimal
    margin_total: Decimal | None = Field(description="The invoice's margin; only for who prices")
    margin_percent: Decimal | None = Field(description="The margin as a share of the total, in percent")
    requested_by_id: int | None
    decided_by_id: int | None
    decided_at: Timestamp | None
    comment: str | None
    lines: list[DiscountLineRead]


class DiscountApprove(StrictModel):
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None


class DiscountRefuse(StrictModel):
    comment: Comment = Field(description="Why: what discount management would accept")
