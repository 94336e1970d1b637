"""Delivery of an order and the client's feedback."""

from __future__ import annotations

from datetime import time
from typing import Annotated

from pydantic import Field, StringConstraints

from app.models.deliveries import DeliveryMethod
from app.schemas.common import IsoDate, ReadModel, StrictModel, Timestamp


class DeliveryAgree(StrictModel):
    method: DeliveryMethod
    planned_on: IsoDate = Field(description="Today or later")
    window_from: time | None = None
    window_to: time | None = None
    address: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)] | None = (
        Field(default=None, description="The client's delivery address is taken when omitted")
    )
    carrier: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = (
        Field(
            default=None,
            description="The transport company (ask the manager); required for transport_company",
        )
    )


class ChecklistItem(ReadModel):
    key: str
    title: str
    done_by: int | None
    done_at: Timestamp | None


class DeliveryRead(ReadModel):
    id: int
    order_id: int
    method: DeliveryMethod
    carrier: str | None
    planned_on: IsoDate
    window_from: time | None
    window_to: time | None
    address: str | None
    checklist: list[ChecklistItem]
    received_on: IsoDate | None
    rating: int | None
    feedback: str | None
    driver_message: str | None = Field(
        default=None,
        description="The message to the driver as it is posted to the chat «Доставка» when its checklist "
        "item is ticked; none for a pickup",
    )
    version: int


class OrderReceived(StrictModel):
    received_on: IsoDate | None = Field(default=None, description="Today if omitted; never in the future")


class OrderFeedback(StrictModel):
    rating: int = Field(ge=1, le=5, description="How the client rates the order, 1–5")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=5000)] | None = None
