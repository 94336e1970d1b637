"""Shared pieces of the API contract: strict input models, pages, problems, validated scalars."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from app.core.db import MAX_ID

T = TypeVar("T")


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    return False  # numbers, dates, nested models (they check their own fields)


class StrictModel(BaseModel):
    """Input models: unknown fields are an error, strings are trimmed, and no text carries a NUL
    character (PostgreSQL cannot store one in text; it would be a 500 instead of a 422)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        return value


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last")


class FieldProblem(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. `body.contacts.0.phones.1`")
    reason: str
    code: str


class Problem(BaseModel):
    """RFC 9457 problem details, with a stable `code` and the request id."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str
    request_id: str | None = None
    errors: list[FieldProblem] | None = None
    allowed_actions: list[str] | None = None


def _phone(value: str) -> str:
    try:
        parsed = phonenumbers.parse(value, "RU")
    except phonenumbers.NumberParseException:
        raise ValueError("is not a phone number") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


Phone = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=5, max_length=32),
    AfterValidator(_phone),
    Field(examples=["+7 921 555-01-23"], description="Normalised to E.164"),
]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
LongText = Annotated[str, StringConstraints(max_length=10_000)]


def _iso_only(value: object) -> object:
    # pydantic would read a bare number as a Unix timestamp; the API speaks ISO 8601 only.
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.\d*)?\s*", value)
    ):
        raise ValueError("must be an ISO 8601 date-time, e.g. 2026-12-01T10:00:00+03:00")
    return value


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("needs a time zone offset, e.g. 2026-12-01T10:00:00+03:00")
    return value


AwareDatetime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware)]


def _iso_date_only(value: object) -> object:
    # As with date-times: a bare number would be read as a Unix timestamp (0 → 1970-01-01).
    if isinstance(value, int | float) or (
        isinstance(value, str) and re.fullmatch(r"\s*[-+]?\d+(\.\d*)?\s*", value)
    ):
        raise ValueError("must be an ISO 8601 date, e.g. 2026-12-01")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_only)]

PROBLEM_MEDIA = "application/problem+json"

_TITLES = {
    400: "Bad request",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict with the current state",
    412: "The resource has changed",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid input",
    428: "Precondition required",
    429: "Too many requests",
    503: "Service unavailable",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for the problems a route can answer with (served as problem+json)."""
    return {status: {"model": Problem, "description": _TITLES.get(status, "Problem")} for status in statuses}
