"""How money, quantities and dates are printed on Russian documents.

Money: «1 234 567,89» — digits grouped by three with a no-break space (U+00A0, the separator CLDR
gives for Russian; it also keeps a number from wrapping inside a table cell), comma as the decimal
mark, always two kopeck digits.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from app.services.money.totals import KOPECK

THOUSANDS_SEPARATOR = "\u00a0"

_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def _group(digits: str) -> str:
    head = len(digits) % 3 or 3
    groups = [digits[:head]] + [digits[i : i + 3] for i in range(head, len(digits), 3)]
    return THOUSANDS_SEPARATOR.join(groups)


def whole_kopecks(amount: Decimal, name: str = "amount") -> Decimal:
    """`amount` with exactly two places; refuses fractions of a kopeck instead of hiding them."""
    if not isinstance(amount, Decimal):
        raise TypeError(f"{name}: expected Decimal, got {type(amount).__name__}")
    if not amount.is_finite():
        raise ValueError(f"{name}: must be a finite number, got {amount}")
    quantized = amount.quantize(KOPECK)
    if quantized != amount:
        raise ValueError(f"{name}: {amount} is not a whole number of kopecks; round it first")
    return quantized


def format_rub(amount: Decimal) -> str:
    """Money in the Russian style: Decimal("1234.5") → «1 234,50» (no-break space, comma)."""
    value = whole_kopecks(amount)
    sign = "-" if value < 0 else ""
    roubles, kopecks = f"{abs(value):.2f}".split(".")
    return f"{sign}{_group(roubles)},{kopecks}"


def format_quantity(quantity: int) -> str:
    """A whole quantity grouped like money: 12500 → «12 500»."""
    sign = "-" if quantity < 0 else ""
    return f"{sign}{_group(str(abs(quantity)))}"


def format_number(value: Decimal | float | int, places: int = 0) -> str:
    """A number in the Russian style with ``places`` decimals (ROUND_HALF_UP): 1234.56 at one
    place → «1 234,6», thousands grouped with a no-break space, a comma as the decimal mark."""
    exact = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    rounded = exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    whole, _, fraction = f"{abs(rounded):.{places}f}".partition(".")
    return f"{sign}{_group(whole)}{',' + fraction if fraction else ''}"


def format_share(share: Decimal | float) -> str:
    """A share of one as whole percent, the sign after a no-break space: 0.333 → «33 %»."""
    return f"{format_number(Decimal(str(share)) * 100)}\u00a0%"


def format_date_ru(day: date) -> str:
    """A date as printed in a document heading: «15 января 2026 г.»."""
    return f"{day.day} {_MONTHS_GENITIVE[day.month - 1]} {day.year} г."


def item_title(name: str, model: str | None, color: str | None, size: str | None, height: str | None) -> str:
    """An item as a document names it, with what the order required of it: «Костюм рабочий зимний
    „Север“, тёмно-синий, 52-54/182-188». The model is quoted, the colour follows in lower case and
    the size and height (ростовка) go together; what is missing, or already in the name, is left out."""

    def given(value: str | None) -> str:
        value = (value or "").strip()
        return "" if value.casefold() in name.casefold() else value

    title = name.strip()
    model, color = given(model), given(color)
    if model:
        title += f" „{model}“"
    parts = [title]
    if color:
        parts.append(color[0].lower() + color[1:])
    measures = "/".join(v for v in (given(size), given(height)) if v)
    if measures:
        parts.append(measures)
    return ", ".join(parts)
