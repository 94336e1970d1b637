"""The collection case: what the department sees and sends."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import EmailStr, Field, StringConstraints

from app.models.clients import ContactLevel
from app.models.collection import CaseFileKind, CaseStage, CloseReason
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=50000)]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]


class GuaranteeReceived(StrictModel):
    promised_on: IsoDate = Field(description="The date the letter promises; at most 7 calendar days ahead")
    file_id: Id = Field(description="The scan, uploaded first as a `guarantee_letter` file of the case")


class GuaranteeRefused(StrictModel):
    comment: Text = Field(description="What the client said")


class CallCreate(StrictModel):
    level: ContactLevel = Field(description="Whom: from the buyer up to the director")
    contact_id: Id | None = None
    reached: bool
    result: Text
    promised_on: IsoDate | None = Field(default=None, description="A new date the client promised, if any")


class NegotiationDone(StrictModel):
    comment: Text


class ClaimEdit(StrictModel):
    text: LongText | None = Field(
        default=None, description="The letter's body; paragraphs split by a blank line"
    )
    contract: Short | None = Field(
        default=None, description="E.g. «договора поставки № 12/2026 от 10.01.2026»"
    )


class ClaimSend(StrictModel):
    tracking_number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)] = (
        Field(description="The registered letter's 14-digit postal identifier (ШПИ), check digit verified")
    )
    email: EmailStr | None = Field(
        default=None, description="Where the PDF goes; the client's contact if omitted"
    )


class DeliveryReceipt(StrictModel):
    file_id: Id = Field(description="The scan, uploaded first as a `delivery_receipt` file of the case")


class Hearing(StrictModel):
    on: IsoDate
    note: Text


class CourtUpdate(StrictModel):
    court_case_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = None
    court_name: Short | None = None
    hearing: Hearing | None = None
    judgment: Text | None = None
    enforcement: Text | None = None


class CaseClose(StrictModel):
    reason: CloseReason
    comment: Text


DeadlineStep = Literal[
    "guarantee_answer",
    "confirmation_call",
    "promise_breach",
    "claim_request",
    "claim_prepared",
    "tracking_check",
    "claim_payment",
    "court_allowed",
]


class CaseDeadline(ReadModel):
    step: DeadlineStep = Field(
        description="`guarantee_answer`: with no guarantee letter by then the case escalates; "
        "`confirmation_call`: the call before the promised date; `promise_breach`: the promise counts as "
        "broken if no money came; `claim_request`: the wait after the negotiations ends and the lawyer is "
        "asked for the claim; `claim_prepared`: the claim is due from the lawyer; `tracking_check`: an "
        "undelivered letter is followed up at the post office; `claim_payment`: the term the claim gives "
        "to pay; `court_allowed`: the first day the case may go to the arbitration court (30 days after "
        "sending)"
    )
    due_on: date


class CaseRead(ReadModel):
    id: int
    client_id: int
    episode: int
    stage: CaseStage
    allowed_actions: AllowedActions
    assignee_id: int | None
    opened_on: date
    debt_at_open: Decimal
    overdue_debt: Decimal = Field(description="The client's overdue debt now")
    days_overdue: int = Field(description="Days the case's oldest unpaid invoice is overdue today")
    deadlines: list[CaseDeadline] = Field(
        description="The regulation's deadlines the case's facts so far fix, in the regulation's order"
    )
    invoice_ids: list[int]
    promised_on: IsoDate | None
    guarantee_file_id: int | None
    guarantee_refused: bool
    breached_on: date | None
    negotiated_on: date | None
    wait_ends_on: date | None = Field(
        description="After the negotiations: the day the lawyer is asked for the claim letter if no "
        "money came (2 working days, or the working day after the latest date promised in the calls)"
    )
    claim_requested_on: date | None
    claim_view: dict[str, Any] | None
    claim_text: str | None
    claim_drafted_at: Timestamp | None
    claim_error: str | None
    claim_approved_by_id: int | None
    claim_approved_at: Timestamp | None
    claim_sent_on: date | None
    claim_message_id: int | None
    claim_pdf_sha256: str | None
    tracking_number: str | None
    tracking: list[dict[str, Any]]
    tracking_checked_at: Timestamp | None
    delivered_on: date | None
    receipt_file_id: int | None
    court_allowed_on: date | None
    court_case_number: str | None
    court_name: str | None
    hearings: list[dict[str, Any]]
    judgment: str | None
    enforcement: str | None
    closed_at: Timestamp | None
    close_reason: CloseReason | None
    close_comment: str | None
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class CallRead(ReadModel):
    id: int
    case_id: int
    level: str
    contact_id: int | None
    reached: bool
    result: str
    promised_on: IsoDate | None
    called_by_id: int | None
    created_at: Timestamp


class CaseFileRead(ReadModel):
    id: int
    case_id: int
    kind: CaseFileKind
    filename: str
    content_type: str
    size: int
    created_at: Timestamp


class CourtDocument(ReadModel):
    kind: str
    title: str
    date: str
    url: str | None = None
    sha256: str | None = None
    tracking: list[dict[str, Any]] | None = None


class StageCount(ReadModel):
    stage: CaseStage
    cases: int
    overdue_debt: Decimal = Field(description="The overdue debt of the open cases at this stage")
