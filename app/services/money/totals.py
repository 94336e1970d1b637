"""Invoice line and totals arithmetic.

Prices are per unit and include VAT (Russian B2B practice: «Цена с НДС», «в т.ч. НДС»). The rule,
applied line by line as 1C:Управление торговлей does it:

- price = unit_price × (100 − discount) / 100, rounded to the kopeck (ROUND_HALF_UP);
- amount = price × quantity (exact: the price already is whole kopecks);
- VAT of the line = amount × rate / (100 + rate), rounded to the kopeck (ROUND_HALF_UP);
- total = Σ amounts, VAT total = Σ line VATs, total without VAT = total − VAT total.

Intermediate values are exact fractions, so the only rounding is the one named above and no
Decimal context precision can shift a half-kopeck.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

KOPECK = Decimal("0.01")
_HUNDRED = Fraction(100)


def round_kopecks(value: Fraction | Decimal) -> Decimal:
    """Round a non-negative exact value to whole kopecks, half up; the result has two places."""
    exact = Fraction(value)
    if exact < 0:
        raise ValueError("value: money rounding here is defined for non-negative amounts only")
    kopecks = exact * 100
    whole = kopecks.numerator // kopecks.denominator
    if kopecks - whole >= Fraction(1, 2):
        whole += 1
    return Decimal(whole).scaleb(-2)


def _check_decimal(name: str, value: object) -> Decimal:
    # float and bool are refused: a float price is already inexact, a bool is a bug.
    if not isinstance(value, Decimal):
        raise TypeError(f"{name}: expected Decimal, got {type(value).__name__}")
    if not value.is_finite():
        raise ValueError(f"{name}: must be a finite number, got {value}")
    return value


def check_vat_rate(vat_rate: Decimal) -> Decimal:
    """Validate a VAT rate in percent (0 ≤ rate < 100)."""
    _check_decimal("vat_rate", vat_rate)
    if not Decimal(0) <= vat_rate < Decimal(100):
        raise ValueError(f"vat_rate: must be from 0 to less than 100 percent, got {vat_rate}")
    return vat_rate


@dataclass(frozen=True, slots=True)
class LineInput:
    """One invoice line as ordered: unit price includes VAT, discount in percent."""

    name: str
    unit: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal = field(default=Decimal(0))

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise ValueError("name: must not be empty")
        if not self.unit.strip():
            raise ValueError("unit: must not be empty")
        if isinstance(self.quantity, bool) or not isinstance(self.quantity, int):
            raise TypeError(f"quantity: expected int, got {type(self.quantity).__name__}")
        if self.quantity < 1:
            raise ValueError(f"quantity: must be at least 1, got {self.quantity}")
        if _check_decimal("unit_price", self.unit_price) < 0:
            raise ValueError(f"unit_price: must not be negative, got {self.unit_price}")
        discount = _check_decimal("discount_percent", self.discount_percent)
        if not Decimal(0) <= discount < Decimal(100):
            raise ValueError(
                f"discount_percent: must be from 0 to less than 100 percent, got {self.discount_percent}"
            )


@dataclass(frozen=True, slots=True)
class LineTotal:
    """A computed invoice line. `price` is the unit price after discount, VAT included."""

    name: str
    unit: str
    quantity: int
    unit_price: Decimal
    discount_percent: Decimal
    price: Decimal
    amount: Decimal
    vat_amount: Decimal


@dataclass(frozen=True, slots=True)
class InvoiceTotals:
    """Lines and totals of one invoice; all money in roubles with two places."""

    lines: tuple[LineTotal, ...]
    total: Decimal
    vat_total: Decimal
    total_without_vat: Decimal
    vat_rate: Decimal


def compute_line(line: LineInput, vat_rate: Decimal) -> LineTotal:
    """Price after discount, amount and VAT (included in the amount) of one line."""
    check_vat_rate(vat_rate)
    price = round_kopecks(Fraction(line.unit_price) * (_HUNDRED - Fraction(line.discount_percent)) / 100)
    amount = round_kopecks(Fraction(price) * line.quantity)  # exact; no context precision involved
    rate = Fraction(vat_rate)
    vat_amount = round_kopecks(Fraction(amount) * rate / (_HUNDRED + rate))
    return LineTotal(
        name=line.name,
        unit=line.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        discount_percent=line.discount_percent,
        price=price,
        amount=amount,
        vat_amount=vat_amount,
    )


def compute_totals(lines: Iterable[LineInput], vat_rate: Decimal) -> InvoiceTotals:
    """Totals of an invoice whose prices include VAT at `vat_rate` percent.

    The total is the sum of the line amounts and the VAT total the sum of the line VATs, so the
    printed columns always add up to the printed totals, kopeck for kopeck.
    """
    check_vat_rate(vat_rate)
    computed = tuple(compute_line(line, vat_rate) for line in lines)
    if not computed:
        raise ValueError("lines: an invoice needs at least one line")
    total = sum((line.amount for line in computed), Decimal("0.00"))
    vat_total = sum((line.vat_amount for line in computed), Decimal("0.00"))
    return InvoiceTotals(
        lines=computed,
        total=total,
        vat_total=vat_total,
        total_without_vat=total - vat_total,
        vat_rate=vat_rate,
    )
