"""Orders and their lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from app.models.orders import OrderChannel, OrderStatus
from app.schemas.common import AllowedActions, Id, ReadModel, StrictModel, Timestamp

Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class OrderLineIn(StrictModel):
    product_id: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = Field(default=None, description="A 1C catalogue item; its characteristics fill the line")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = (
        Field(default=None, description="Free text when the item is not (yet) matched in the catalogue")
    )
    model: Short | None = None
    color: Short | None = None
    size: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = None
    height: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)] | None = (
        Field(default=None, description="Ростовка, e.g. 170-176")
    )
    price_category: Short | None = None
    quantity: int = Field(ge=1, le=100_000)


class OrderCreate(StrictModel):
    channel: OrderChannel
    client_id: Id | None = None
    manager_id: Id | None = None
    assistant_id: Id | None = None
    raw_text: Annotated[str, StringConstraints(max_length=20_000)] | None = Field(
        default=None, description="The order as it arrived (message text, call notes, …)"
    )
    lines: list[OrderLineIn] = Field(default_factory=list, max_length=200)

    @field_validator("channel")
    @classmethod
    def _not_from_proposal(cls, value: OrderChannel) -> OrderChannel:
        if value == OrderChannel.PROPOSAL:
            raise ValueError("an order from a proposal is made by converting the accepted proposal")
        return value


class OrderClarify(StrictModel):
    """What the manager answered: the client, and/or the lines in full."""

    client_id: Id | None = None
    lines: list[OrderLineIn] | None = Field(default=None, max_length=200)


class OrderCancel(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class OrderAssign(StrictModel):
    assistant_id: Annotated[Id, Field(description="The assistant who works the order")]
    manager_id: Annotated[Id, Field(description="The manager the order is from")]


class CreditApproval(StrictModel):
    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)] = Field(
        description="Why the order is taken despite the debt (a promise, a guarantee letter, …)"
    )


class OrderLineRead(ReadModel):
    position: int
    product_id: str | None
    name: str
    model: str | None
    color: str | None
    size: str | None
    height: str | None
    price_category: str | None
    quantity: int
    fulfilment: str | None = Field(description="reserve (from stock) or procure (requisition book)")
    reserved_ref: str | None = Field(description="The 1C reservation, once the worker has made it")
    missing: list[str] = Field(description="What the line still lacks to be accepted")
    suggestions: list[dict[str, Any]] = Field(description="Catalogue items that may be what the line means")
    agreed_price: Decimal | None = Field(default=None, description="The price agreed in a proposal, if any")


class OrderRead(ReadModel):
    id: int
    channel: OrderChannel
    source: str
    external_id: str | None
    client_id: int | None
    manager_id: int | None
    assistant_id: int | None
    taken_by_id: int | None
    raw_text: str | None
    status: OrderStatus
    allowed_actions: AllowedActions
    problems: list[str] = Field(description="Order-level gaps (no client, no lines, the client's credit)")
    credit_hold: str | None = Field(
        description="Why the client's credit stops the order (overdue debt, over the limit) until a head "
        "approves it"
    )
    credit_approved: dict[str, Any] | None = Field(description="The head's approval: by, at, reason")
    cancel_reason: str | None
    proposal_id: int | None = Field(default=None, description="The commercial proposal it was made from")
    lines: list[OrderLineRead]
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class WebhookAccepted(ReadModel):
    delivery_id: int
    status: str


class ChatUpdateHandled(ReadModel):
    delivery_id: int
    outcome: str = Field(description="What was done: `done: …`, or `ignored: ` and the reason")


class OrderAttachmentRead(ReadModel):
    id: int
    order_id: int
    filename: str
    content_type: str
    size: int
    uploaded_by_id: int | None
    created_at: Timestamp
