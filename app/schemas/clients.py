"""Clients (counterparties) and contacts."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, EmailStr, Field, StringConstraints
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ru import inn as stdnum_inn

from app.models.clients import ContactLevel, Potential, PurchaseFrequency
from app.schemas.common import (
    Id,
    IsoDate,
    LongText,
    Name,
    Phone,
    ReadModel,
    ShortText,
    StrictModel,
    Timestamp,
)


def _inn(value: str) -> str:
    try:
        return str(stdnum_inn.validate(value))
    except StdnumError as exc:
        raise ValueError(f"is not a valid INN: {exc}") from None


Inn = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=10, max_length=12, pattern=r"^\d+$"),
    AfterValidator(_inn),
    Field(
        examples=["7707083893"],
        description="10 digits (organisation) or 12 (entrepreneur), checksum verified",
    ),
]
Kpp = Annotated[
    str,
    StringConstraints(strip_whitespace=True, pattern=r"^\d{4}[0-9A-Z]{2}\d{3}$"),
    Field(examples=["773601001"], description="9 characters: 4 digits, 2 digits or capitals, 3 digits"),
]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]


class MessengerKind(StrEnum):
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    MAX = "max"
    VIBER = "viber"
    OTHER = "other"


class Messenger(StrictModel):
    kind: MessengerKind
    handle: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class ContactCreate(StrictModel):
    name: Name
    position: Name | None = None
    level: ContactLevel = ContactLevel.BUYER
    phones: list[Phone] = Field(default_factory=list, max_length=10)
    emails: list[EmailStr] = Field(default_factory=list, max_length=10)
    messengers: list[Messenger] = Field(default_factory=list, max_length=10)
    comment: LongText | None = None


class ContactRead(ReadModel):
    id: int
    name: str
    position: str | None
    level: ContactLevel
    phones: list[str]
    emails: list[str]
    messengers: list[Messenger]
    comment: str | None


class _ClientFields(StrictModel):
    kpp: Kpp | None = None
    legal_address: ShortText | None = None
    actual_address: ShortText | None = None
    delivery_addresses: list[ShortText] | None = Field(default=None, max_length=20)
    headcount: int | None = Field(default=None, ge=0, le=10_000_000)
    potential: Potential | None = None
    purchase_frequency: PurchaseFrequency | None = None
    payment_day: int | None = Field(
        default=None, ge=1, le=31, description="Day of the month the client pays on, if it has one"
    )
    manager_id: Id | None = None
    assistant_id: Id | None = None
    onec_id: ExternalId | None = None
    amocrm_id: ExternalId | None = None
    comment: LongText | None = None


class ClientCreate(_ClientFields):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
    inn: Inn
    contacts: list[ContactCreate] = Field(default_factory=list, max_length=50)


class CreditTerms(StrictModel):
    deferment_days: int = Field(ge=0, le=365, description="Payment deferment in calendar days; 0: prepayment")
    credit_limit: Decimal | None = Field(
        default=None, gt=0, le=Decimal("1000000000"), decimal_places=2, description="None: no limit"
    )
    discount_percent: Decimal | None = Field(default=None, ge=0, lt=100, decimal_places=2)
    effective_from: IsoDate = Field(description="The first day of invoices the terms apply to")
    reason: ShortText = Field(description="The decision: who approved, on what grounds")


class ContractTerms(StrictModel):
    """The supply contract and its penalty for late payment; send them all (null clears)."""

    contract_number: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)] | None
    ) = Field(default=None, examples=["17/2026"], description="The contract's number, without «№»")
    contract_date: IsoDate | None = Field(default=None, description="The day the contract was signed")
    penalty_rate_per_day_percent: Decimal | None = Field(
        default=None,
        gt=0,
        le=1,
        decimal_places=4,
        description="The contract's penalty (неустойка), percent of the overdue sum a day, e.g. 0.1; "
        "a claim letter charges it instead of the interest of art. 395. Needs the contract's number and date",
    )
    penalty_cap_percent: Decimal | None = Field(
        default=None,
        gt=0,
        le=100,
        decimal_places=2,
        description="The penalty is at most this percent of the overdue sum, e.g. 10; needs the rate",
    )


class ClientUpdate(_ClientFields):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)] | None = None
    inn: Inn | None = None


class ClientRead(ReadModel):
    id: int
    name: str
    inn: str
    kpp: str | None
    legal_address: str | None
    actual_address: str | None
    delivery_addresses: list[str]
    headcount: int | None
    potential: Potential | None
    purchase_frequency: PurchaseFrequency | None
    payment_day: int | None
    deferment_days: int | None = Field(description="Approved payment deferment, calendar days")
    credit_limit: Decimal | None
    discount_percent: Decimal | None = Field(description="The approved discount, applied to new invoices")
    terms_from: IsoDate | None = Field(description="The day the approved terms apply from")
    contract_number: str | None
    contract_date: IsoDate | None
    penalty_rate_per_day_percent: Decimal | None = Field(
        description="The contract's penalty, percent a day; a claim letter charges it instead of art. 395"
    )
    penalty_cap_percent: Decimal | None = Field(description="The penalty's cap, percent of the overdue sum")
    manager_id: int | None
    assistant_id: int | None
    onec_id: str | None
    amocrm_id: str | None
    comment: str | None
    contacts: list[ContactRead]
    version: int
    created_at: Timestamp
    updated_at: Timestamp
