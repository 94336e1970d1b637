"""Commercial proposals."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import EmailStr, Field, StringConstraints, model_validator

from app.models.proposals import PriceSource, ProposalStage, ProposalStatus
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

Money = Annotated[Decimal, Field(ge=0, le=Decimal("100000000"), decimal_places=2)]
Markup = Annotated[Decimal, Field(ge=0, decimal_places=2, description="Percent added to purchase prices")]
LineName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Quantity = Annotated[int, Field(ge=1, le=1_000_000)]


class ProposalCreate(StrictModel):
    """A manager's request for a proposal (regulation, process 2, steps 1–2)."""

    client_id: Id
    contact_id: Id | None = Field(default=None, description="The client's contact it is meant for")
    manager_id: Id | None = Field(default=None, description="The requesting manager; you if omitted")
    assistant_id: Id | None = Field(
        default=None, description="Who prepares it; the client's assistant if omitted"
    )
    workwear_kind: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    models_count: int = Field(ge=1, le=200, description="How many models the manager wants offered")
    markup_percent: Markup
    price_category: Annotated[str, StringConstraints(max_length=100)] | None = Field(
        default=None, description="1C price category of catalogue lines (the configured default if omitted)"
    )
    deadline: IsoDate | None = Field(
        default=None, description="When it is due (a working day); next by default"
    )
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None


class ProposalUpdate(StrictModel):
    contact_id: Id | None = None
    workwear_kind: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None
    ) = None
    models_count: int | None = Field(default=None, ge=1, le=200)
    markup_percent: Markup | None = None
    valid_until: IsoDate | None = None
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None


class ProposalLineIn(StrictModel):
    product_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        default=None, description="A 1C catalogue item; leave out for a non-standard position"
    )
    name: LineName | None = Field(default=None, description="The catalogue name if omitted")
    description: Description | None = None
    quantity: Quantity
    price: Money | None = Field(
        default=None, description="A selling price by hand; otherwise the catalogue's or purchase + markup"
    )
    purchase_price: Money | None = Field(
        default=None, description="Known purchase price of a non-standard position (no request to supply)"
    )

    @model_validator(mode="after")
    def _named(self) -> ProposalLineIn:
        if self.product_id is None and self.name is None:
            raise ValueError("a line needs a product_id or a name")
        return self


class ProposalLineUpdate(StrictModel):
    name: LineName | None = None
    description: Description | None = None
    quantity: Quantity | None = None
    price: Money | None = None


class PurchasePriceAnswer(StrictModel):
    purchase_price: Money = Field(description="Supply's purchase price of the position")
    comment: Annotated[str, StringConstraints(max_length=2000)] | None = None


class BelowCostApproval(StrictModel):
    price: Money | None = Field(
        default=None,
        description="The selling price approved although it is below the purchase price; the price the "
        "line waits with if omitted",
    )
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class BelowCostRejection(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="Why the price is refused (kept in the proposal's history)"
    )


class ProposalSendToManager(StrictModel):
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None


class ProposalSendToClient(StrictModel):
    contact_id: Id | None = Field(default=None, description="A contact of the client with an email")
    email: EmailStr | None = Field(default=None, description="Another address the manager gave")
    valid_until: IsoDate | None = Field(
        default=None, description="Validity printed; the configured days if none"
    )
    note: Annotated[str, StringConstraints(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _one(self) -> ProposalSendToClient:
        if self.contact_id is not None and self.email is not None:
            raise ValueError("give a contact_id or an email, not both")
        return self


class ProposalComment(StrictModel):
    comment: Annotated[str, StringConstraints(max_length=5000)] | None = None


class ProposalLineRead(ReadModel):
    position: int
    product_id: str | None
    nonstandard: bool
    name: str
    description: str | None
    unit: str
    quantity: int
    has_photo: bool
    purchase_price: Decimal | None = Field(description="Staff only: never printed")
    price: Decimal | None
    price_source: PriceSource | None
    amount: Decimal | None
    margin: Decimal | None = Field(
        description="Per unit, price minus purchase price: staff only, never printed"
    )
    margin_total: Decimal | None
    below_cost_approved_by_id: int | None
    below_cost_pending: bool = Field(
        description="Priced by hand below the purchase price and waiting for a head's approval"
    )
    allowed_actions: AllowedActions
    price_requested_at: Timestamp | None
    price_answered_at: Timestamp | None


class ProposalRead(ReadModel):
    id: int
    client_id: int
    contact_id: int | None
    manager_id: int
    assistant_id: int
    workwear_kind: str
    models_count: int
    markup_percent: Decimal
    price_category: str | None
    due_at: Timestamp
    valid_until: IsoDate | None
    status: ProposalStatus
    allowed_actions: AllowedActions
    revision: int
    sent_revision: int | None
    sent_to: str | None
    comment: str | None
    total: Decimal | None = Field(description="Null while a line has no price")
    margin_total: Decimal | None
    unpriced_positions: list[int]
    below_cost_pending_positions: list[int] = Field(
        description="Lines priced below the purchase price waiting for a head: until none waits, the "
        "proposal goes neither to the manager nor to the client"
    )
    order_id: int | None = Field(description="The order it was converted into")
    invoice_id: int | None = Field(description="The invoice of that order")
    lines: list[ProposalLineRead]
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ProposalDocumentRead(ReadModel):
    id: int
    revision: int
    stage: ProposalStage
    recipient: str
    total: Decimal
    created_at: Timestamp
    stored_at: Timestamp | None


class PriceRequestRead(ReadModel):
    """A non-standard position waiting for supply's purchase price."""

    proposal_id: int
    proposal_version: int = Field(description="The proposal's version: the If-Match of the answer")
    proposal_due_at: Timestamp = Field(description="When the proposal itself is due")
    client_id: int
    client_name: str
    position: int
    name: str
    description: str | None
    quantity: int
    unit: str
    has_photo: bool
    requested_at: Timestamp
    reminders: int = Field(description="How many times the chat was reminded")
    due_at: Timestamp = Field(description="When a reminder goes to the chat if it is still unanswered")
    overdue: bool = Field(description="Past `due_at` and still unanswered")
