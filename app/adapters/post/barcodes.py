"""Russian Post item identifiers (ШПИ): 14 digits for domestic items, UPU S10 for international.

Domestic (``10100087654329``): the 6-digit index of the accepting office, the 2-digit month of
printing, a 5-digit serial and a check digit: the digits in odd places (1st, 3rd, ... 13th) count
three times, the others once, and the check digit brings the sum up to a multiple of ten.

S10 (``AA123456789RU``): two letters of service, an 8-digit serial, a check digit, the two-letter
ISO code of the posting country. The check digit: weights 8, 6, 4, 2, 3, 5, 9, 7 over the serial,
``11 - sum % 11``, where 10 becomes 0 and 11 becomes 5.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
_DOMESTIC = re.compile(r"[0-9]{14}")
_S10 = re.compile(r"([A-Z]{2})([0-9]{8})([0-9])([A-Z]{2})")
_SEPARATORS = re.compile(r"[\s-]+")


@dataclass(frozen=True)
class Barcode:
    value: str
    kind: Literal["domestic", "international"]

    @property
    def postal_index(self) -> str | None:
        """The index of the accepting post office (domestic ids start with it)."""
        return self.value[:6] if self.kind == "domestic" else None

    @property
    def country(self) -> str | None:
        """The ISO code of the posting country (international ids end with it)."""
        return self.value[-2:] if self.kind == "international" else None


def s10_check_digit(serial: str) -> int:
    """The UPU S10 check digit of an 8-digit serial number."""
    if not re.fullmatch(r"[0-9]{8}", serial):
        raise ValueError(f"an S10 serial number is 8 digits, not {serial!r}")
    total = sum(int(digit) * weight for digit, weight in zip(serial, S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def domestic_check_digit(digits: str) -> int:
    """The check digit of the first 13 digits of a domestic identifier."""
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise ValueError(f"a domestic identifier has 13 digits before its check digit, not {digits!r}")
    total = sum(int(d) * (3 if index % 2 == 0 else 1) for index, d in enumerate(digits))
    return (10 - total % 10) % 10


def normalize_barcode(barcode: str) -> str:
    """Upper case without spaces or dashes, as people type ids from a receipt (``RA 123 456 785 RU``)."""
    return _SEPARATORS.sub("", barcode).upper()


def parse_barcode(barcode: str) -> Barcode:
    """The validated identifier; ``ValueError`` with the reason when it is not a valid one."""
    value = normalize_barcode(barcode)
    if _DOMESTIC.fullmatch(value):
        expected = domestic_check_digit(value[:13])
        if int(value[13]) != expected:
            raise ValueError(f"wrong check digit in {value}: expected {expected}")
        return Barcode(value=value, kind="domestic")
    match = _S10.fullmatch(value)
    if match is not None:
        expected = s10_check_digit(match.group(2))
        if int(match.group(3)) != expected:
            raise ValueError(f"wrong check digit in {value}: expected {expected}")
        return Barcode(value=value, kind="international")
    raise ValueError(
        f"not a postal item id: {barcode!r} "
        "(14 digits, or 2 letters, 9 digits and 2 letters like RA123456785RU)"
    )


def validate_barcode(barcode: str) -> str:
    """The normalized identifier, or ``ValueError``."""
    return parse_barcode(barcode).value


def is_valid_barcode(barcode: str) -> bool:
    try:
        parse_barcode(barcode)
    except ValueError:
        return False
    return True
