"""The "useful" section: links, terms, abbreviations."""

from __future__ import annotations

from datetime import date

from pydantic import AnyHttpUrl, Field

from app.models.reference import LinkKind, TermKind
from app.schemas.common import LongText, Name, ReadModel, StrictModel, Timestamp


class LinkCreate(StrictModel):
    kind: LinkKind
    title: Name
    url: AnyHttpUrl
    description: LongText | None = None
    position: int = Field(default=0, ge=0, le=10_000)


class LinkUpdate(StrictModel):
    kind: LinkKind | None = None
    title: Name | None = None
    url: AnyHttpUrl | None = None
    description: LongText | None = None
    position: int | None = Field(default=None, ge=0, le=10_000)


class LinkRead(ReadModel):
    id: int
    kind: LinkKind
    title: str
    url: str
    description: str | None
    position: int
    version: int
    updated_at: Timestamp


class TermCreate(StrictModel):
    kind: TermKind
    term: Name
    definition: LongText = Field(min_length=1)


class TermUpdate(StrictModel):
    kind: TermKind | None = None
    term: Name | None = None
    definition: LongText | None = Field(default=None, min_length=1)


class TermRead(ReadModel):
    id: int
    kind: TermKind
    term: str
    definition: str
    version: int
    updated_at: Timestamp


class Reference(ReadModel):
    links: list[LinkRead]
    terms: list[TermRead]


class CompanyRead(ReadModel):
    """The company's calendar as its people live it: read once by a client to show dates and times."""

    name: str
    time_zone: str = Field(description="The tz database zone of the department's days and deadlines")
    currency: str = Field(description="ISO 4217 code of every sum the API sends (as a decimal string)")
    today: date = Field(description="Today's date in that zone")
    working_day: bool = Field(
        description="Whether today is a working day of the Russian production calendar (holidays and "
        "transferred days included)"
    )
    next_working_day: date = Field(description="Today when it is a working day, else the next one")
