"""Reconciliation acts and a client's ledger of settlements."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import EmailStr, Field, StringConstraints

from app.models.reconciliations import ActPeriodicity, ActStatus
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

Notes = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]


class LedgerEntryRead(ReadModel):
    on: IsoDate
    kind: Literal["invoice", "payment"]
    document_id: int
    number: str = Field(description="The invoice's number, or the payment order's reference")
    debit: Decimal
    credit: Decimal
    balance: Decimal = Field(description="After this document; positive: the client owes us")


class LedgerRead(ReadModel):
    client_id: int
    date_from: IsoDate
    date_to: IsoDate
    opening_balance: Decimal = Field(description="Positive: the client owes us; negative: its advance")
    entries: list[LedgerEntryRead]
    debit_total: Decimal
    credit_total: Decimal
    closing_balance: Decimal
    in_favour_of: Literal["company", "client"] | None = Field(
        description="Whose favour the closing balance is in; null when it is zero"
    )


class ActCreate(StrictModel):
    client_id: Id
    date_from: IsoDate
    date_to: IsoDate
    email: EmailStr | None = Field(
        default=None,
        description="Send it at once to this address (else to the client's contact with an e-mail, "
        "if any; with none the act waits as a draft)",
    )


class ActSend(StrictModel):
    email: EmailStr | None = Field(
        default=None, description="Where to send; the client's contact e-mail if omitted"
    )


class ActSign(StrictModel):
    signed_on: IsoDate = Field(description="The date the client signed the act")
    note: Notes | None = None


class ActDiscrepancy(StrictModel):
    notes: Notes = Field(description="What the client's figures differ in")


class ActRead(ReadModel):
    id: int
    client_id: int
    periodicity: ActPeriodicity
    period_start: IsoDate
    period_end: IsoDate
    status: ActStatus
    revision: int
    opening_balance: Decimal
    debit_total: Decimal
    credit_total: Decimal
    closing_balance: Decimal
    recipient: str | None
    sent_at: Timestamp | None
    signed_on: IsoDate | None
    discrepancy_notes: str | None
    created_at: Timestamp
    updated_at: Timestamp
    version: int
    allowed_actions: AllowedActions
