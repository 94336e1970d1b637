"""The invoice number format: «2026-000015» — the year, then a six-digit sequence within it.

Only the format lives here; the gapless per-year allocation belongs to the database.
"""

from __future__ import annotations

import re
from typing import NamedTuple

MAX_SEQ = 999_999
# [0-9], not \d: \d would also accept non-ASCII digits such as «٣».
_PATTERN = re.compile(r"([0-9]{4})-([0-9]{6})")


class InvoiceNumber(NamedTuple):
    year: int
    seq: int


def _check(year: int, seq: int) -> None:
    for name, value in (("year", year), ("seq", seq)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name}: expected int, got {type(value).__name__}")
    if not 2000 <= year <= 9999:
        raise ValueError(f"year: must be from 2000 to 9999, got {year}")
    if not 1 <= seq <= MAX_SEQ:
        raise ValueError(f"seq: must be from 1 to {MAX_SEQ}, got {seq}")


def format_invoice_number(year: int, seq: int) -> str:
    """format_invoice_number(2026, 15) → "2026-000015"."""
    _check(year, seq)
    return f"{year:04d}-{seq:06d}"


def parse_invoice_number(number: str) -> InvoiceNumber:
    """parse_invoice_number("2026-000015") → InvoiceNumber(year=2026, seq=15)."""
    match = _PATTERN.fullmatch(number)
    if match is None:
        raise ValueError(f"number: {number!r} is not an invoice number like 2026-000015")
    parsed = InvoiceNumber(int(match[1]), int(match[2]))
    _check(parsed.year, parsed.seq)
    return parsed
