"""The requisition book."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from app.models.requisitions import RequisitionStatus
from app.schemas.common import AllowedActions, IsoDate, ReadModel, StrictModel, Timestamp

Comment = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class RequisitionRead(ReadModel):
    id: int
    order_id: int
    invoice_id: int
    product_id: str | None
    name: str
    quantity: int
    requested_on: IsoDate
    expected_on: IsoDate | None
    arrived_on: IsoDate | None
    status: RequisitionStatus
    allowed_actions: AllowedActions
    onec_id: str | None
    comment: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class RequisitionOrdered(StrictModel):
    comment: Comment | None = None


class RequisitionExpected(StrictModel):
    expected_on: IsoDate = Field(description="When supply expects the goods (today or later)")


class RequisitionArrived(StrictModel):
    arrived_on: IsoDate | None = Field(default=None, description="Today if omitted; never in the future")


class RequisitionCancel(StrictModel):
    comment: Comment
