"""Credit terms requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import Field, StringConstraints

from app.models.credit import CreditFileKind, CreditRequestStatus, Recommendation, Reliability
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]


class CreditRequestCreate(StrictModel):
    client_id: Id
    deferment_days: int = Field(ge=1, le=365, description="The deferment asked for, calendar days")
    credit_limit: Decimal | None = Field(default=None, gt=0, le=Decimal("1000000000"), decimal_places=2)
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, lt=100, decimal_places=2)
    justification: Text = Field(description="Why the client should get it (history, volumes, promises)")


class CreditVerdict(StrictModel):
    verdict: Reliability
    comment: Text = Field(description="What the check found (courts, arrears, bankruptcy, founders)")


class CreditRecommendation(StrictModel):
    recommendation: Recommendation = Field(
        description="`approve`: the head recommends granting the terms; `refuse`: recommends refusal"
    )
    comment: Text = Field(description="The head's reasons, for management")


class CreditDecision(StrictModel):
    effective_from: IsoDate | None = Field(default=None, description="For an approval; today if omitted")
    comment: Text


class CreditRequestRead(ReadModel):
    id: int
    client_id: int
    requested_by_id: int | None
    deferment_days: int
    credit_limit: Decimal | None
    discount_percent: Decimal
    justification: str
    purchase_frequency: str | None
    headcount: int | None
    potential: str | None
    status: CreditRequestStatus
    allowed_actions: AllowedActions
    lawyer_verdict: Reliability | None
    lawyer_comment: str | None
    lawyer_id: int | None
    reviewed_at: Timestamp | None
    recommendation: Recommendation | None
    recommendation_comment: str | None
    recommended_by_id: int | None
    recommended_at: Timestamp | None
    decided_by_id: int | None
    decided_at: Timestamp | None
    decision_comment: str | None
    effective_from: IsoDate | None
    pushed_to_1c_at: Timestamp | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class CreditFileRead(ReadModel):
    id: int
    request_id: int
    kind: CreditFileKind = Field(
        description="`counterparty_card` (the card from 1C), `registry_extract` (ЕГРЮЛ/ЕГРИП), "
        "`financials` (the accounting statements), `other`"
    )
    filename: str
    content_type: str
    size: int
    uploaded_by_id: int | None
    created_at: Timestamp
