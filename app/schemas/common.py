"""Shared pieces of the API contract: strict input models, pages, problems, validated scalars."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from types import UnionType
from typing import Annotated, Any, Generic, TypeVar, Union, get_args, get_origin

import phonenumbers
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
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


def _hidden_character(value: object) -> str | None:
    """The first text-direction control or invisible character in a text (or in a list or dict of
    them): U+202E turns «счёт 1002» into what reads as another number, a zero-width space makes two
    names that look the same differ."""
    if isinstance(value, str):
        if value.isascii():
            return None
        return next((c for c in value if unicodedata.category(c) == "Cf"), None)
    if isinstance(value, list | tuple | set | frozenset):
        return next((h for v in value if (h := _hidden_character(v)) is not None), None)
    if isinstance(value, dict):
        return next(
            (h for k, v in value.items() if (h := _hidden_character(k) or _hidden_character(v)) is not None),
            None,
        )
    return None


def visible(text: str) -> str:
    """Text from another system (amoCRM, 1C) without its text-direction controls and invisible
    characters: nobody is there to be told, and an order or a payment must not be lost for them."""
    return text if text.isascii() else "".join(c for c in text if unicodedata.category(c) != "Cf")


_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")
_DECIMAL_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def strict_integer(value: object) -> object:
    """An integer as JSON writes one (or as ASCII digits in a string): not true or false."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str) and not _INTEGER_TEXT.fullmatch(value.strip()):
        raise ValueError("must be a whole number in ASCII digits, e.g. 12")
    return value


def strict_decimal(value: object) -> object:
    """A decimal as a JSON number or a string of ASCII digits with an optional point: no exponent
    («1e3»), no other digits (Arabic-Indic «١٠٠٠»), no separators, not true or false."""
    if isinstance(value, bool):
        raise ValueError("must be a number, not true or false")
    if isinstance(value, str) and not _DECIMAL_TEXT.fullmatch(value.strip()):
        raise ValueError("must be a decimal number in ASCII digits with an optional point, e.g. 1450.50")
    return value


# The rule comes after the bounds, so that the OpenAPI document states them as JSON Schema does.
StrictInteger = Annotated[int, BeforeValidator(strict_integer)]
StrictDecimal = Annotated[Decimal, BeforeValidator(strict_decimal)]
Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(strict_integer)]


def number_rule(annotation: Any) -> Callable[[object], object] | None:
    """The number rule for a field's type: integers and decimals (optional, or listed); None for
    anything else (booleans, text, nested models, which check their own fields)."""
    if annotation is bool:
        return None
    if annotation is int:
        return strict_integer
    if annotation is Decimal or annotation is float:
        return strict_decimal
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        return number_rule(args[0])
    if origin in (list, tuple, set, frozenset) and args:
        inner = number_rule(args[0])
        return None if inner is None else _each(inner)
    if origin in (Union, UnionType):
        rules = [r for a in args if a is not type(None) and (r := number_rule(a)) is not None]
        return rules[0] if len(rules) == 1 else None
    return None


def _each(rule: Callable[[object], object]) -> Callable[[object], object]:
    def each(value: object) -> object:
        if isinstance(value, list | tuple):
            for item in value:
                rule(item)
        return value

    return each


class StrictVariant(BaseModel):
    """An input model that is one variant of a discriminated union (its discriminator field may
    not have a before-validator): the rules of ``StrictModel`` but the number rule, so its numbers
    are typed ``StrictInteger`` or ``StrictDecimal`` themselves (tests/unit/test_strict_types.py
    checks it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # Every field of every input passes here: the usual values leave at once. A printable text
        # has no format character (Cf is not printable), so it is not looked at character by
        # character.
        kind = type(value)
        if value is None or kind is int or (kind is str and "\x00" not in value and value.isprintable()):
            return value
        if kind is list and all(isinstance(item, BaseModel) for item in value):
            return value  # nested models (an order's lines) have checked their own fields
        if _has_nul(value):
            raise ValueError("must not contain the NUL character (U+0000)")
        hidden = _hidden_character(value)
        if hidden is not None:
            raise ValueError(
                f"must not contain invisible or text-direction characters (U+{ord(hidden):04X}"
                f" {unicodedata.name(hidden, 'format character')})"
            )
        return value


class StrictModel(StrictVariant):
    """Input models: unknown fields are an error, strings are trimmed, no text carries a NUL
    character (PostgreSQL cannot store one in text; it would be a 500 instead of a 422) nor a
    text-direction control or invisible character, and numbers are numbers: an integer field takes
    an integer (never `true`), a decimal field ASCII digits with an optional point (never «1e3» or
    «١٠٠٠»).

    The rules live here, once, so that every input field has them, those added later included.
    Hidden characters are refused, not removed: what is stored is what the caller sent, and the 422
    names the field and the character, almost always a paste from elsewhere or a name made to look
    like another."""

    @field_validator("*", mode="before")
    @classmethod
    def _numbers_are_numbers(cls, value: Any, info: ValidationInfo) -> Any:
        if info.field_name is None or (
            isinstance(value, int | float | Decimal) and not isinstance(value, bool)
        ):
            return value
        rule = _number_rules(cls).get(info.field_name)
        return value if rule is None else rule(value)


_RULES: dict[type[BaseModel], dict[str, Callable[[object], object]]] = {}


def _number_rules(model: type[BaseModel]) -> dict[str, Callable[[object], object]]:
    rules = _RULES.get(model)
    if rules is None:
        rules = {
            name: rule
            for name, field in model.model_fields.items()
            if (rule := number_rule(field.annotation))
        }
        _RULES[model] = rules
    return rules


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page; null on the last")


AllowedActions = Annotated[
    list[str],
    Field(
        description=(
            "What you may do to it now: each name is the last path segment of the endpoint that "
            "does it, under this resource's path (`send-to-warehouse` → "
            "`POST …/{id}/send-to-warehouse`); only the actions the state allows, whose "
            "preconditions hold and that your permissions admit"
        )
    ),
]


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
    allowed_actions: list[str] | None = Field(
        default=None,
        description=(
            "With an action the state does not allow: the actions it allows, named as in `allowed_actions`"
        ),
    )


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


def _utc(value: datetime) -> datetime:
    # A time computed in Moscow time (a deadline at 18:00) or given with the caller's offset is
    # answered in UTC; a naive one is UTC already (SQLite gives them so).
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# Every timestamp the API answers: in UTC, written with `Z` (e.g. 2026-12-03T15:00:00Z).
UTC_SERIALIZER = PlainSerializer(_utc, return_type=datetime, when_used="json")
Timestamp = Annotated[datetime, UTC_SERIALIZER]
AwareDatetime = Annotated[datetime, BeforeValidator(_iso_only), AfterValidator(_aware), UTC_SERIALIZER]


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
