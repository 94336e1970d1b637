"""Money rules of the invoice: VAT by date, line and invoice totals, amount in words, formats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from app.services.invoices.numbering import InvoiceNumber, format_invoice_number, parse_invoice_number
from app.services.money.format import format_date_ru, format_quantity, format_rub
from app.services.money.totals import LineInput, compute_line, compute_totals, round_kopecks
from app.services.money.vat import RUSSIA_VAT, VatSchedule
from app.services.money.words import amount_in_words

D = Decimal
NBSP = "\u00a0"

# --- VAT by date --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "rate"),
    [
        (date(2019, 1, 1), D("20")),
        (date(2025, 12, 31), D("20")),
        (date(2026, 1, 1), D("22")),
        (date(2031, 6, 1), D("22")),
    ],
)
def test_russia_vat_by_date(day: date, rate: Decimal) -> None:
    assert RUSSIA_VAT.rate_on(day) == rate


def test_vat_before_first_row_is_unknown() -> None:
    with pytest.raises(ValueError, match="2019-01-01"):
        RUSSIA_VAT.rate_on(date(2018, 12, 31))


def test_vat_refuses_a_datetime() -> None:
    # Its calendar day depends on the time zone; the caller must pass the Moscow date.
    with pytest.raises(TypeError, match="day"):
        RUSSIA_VAT.rate_on(datetime(2026, 1, 1, 0, 30))


def test_vat_schedule_from_settings_mapping_and_pairs() -> None:
    settings: dict[date | str, Decimal | int | str] = {"2026-01-01": "22", date(2019, 1, 1): 20}
    from_mapping = VatSchedule.from_rows(settings)
    assert from_mapping == RUSSIA_VAT
    from_pairs = VatSchedule.from_rows([("2027-07-01", D("25.5")), ("2019-01-01", "20")])
    assert from_pairs.rate_on(date(2027, 6, 30)) == D("20")
    assert from_pairs.rate_on(date(2027, 7, 1)) == D("25.5")


@pytest.mark.parametrize(
    ("rows", "error", "field"),
    [
        ((), ValueError, "rows"),
        (((date(2026, 1, 1), D("22")), (date(2019, 1, 1), D("20"))), ValueError, "rows"),
        (((date(2019, 1, 1), D("20")), (date(2019, 1, 1), D("22"))), ValueError, "rows"),
        (((date(2019, 1, 1), D("100")),), ValueError, "rate"),
        (((date(2019, 1, 1), 0.2),), TypeError, "rate"),
    ],
)
def test_vat_schedule_rejects_bad_rows(rows: object, error: type[Exception], field: str) -> None:
    with pytest.raises(error, match=field):
        VatSchedule(rows)  # type: ignore[arg-type]


def test_vat_schedule_from_rows_rejects_float() -> None:
    with pytest.raises(TypeError, match="rate"):
        VatSchedule.from_rows({"2019-01-01": 0.2})  # type: ignore[arg-type]


# --- line and invoice totals --------------------------------------------------------------------


def _order() -> list[LineInput]:
    return [
        # 1 234,56 − 5% = 1 172,832 → 1 172,83; × 3 = 3 518,49
        LineInput("Костюм рабочий «Механик»", "шт", 3, D("1234.56"), D("5")),
        # no discount: 3 490,00 × 10 = 34 900,00
        LineInput("Ботинки кожаные с подноском", "пар", 10, D("3490.00")),
        # 38,90 − 10% = 35,01; × 250 = 8 752,50
        LineInput("Перчатки х/б с ПВХ", "пар", 250, D("38.90"), D("10")),
    ]


def test_totals_with_discounts_at_22_percent() -> None:
    totals = compute_totals(_order(), D("22"))

    assert [(line.price, line.amount, line.vat_amount) for line in totals.lines] == [
        (D("1172.83"), D("3518.49"), D("634.48")),  # 3 518,49 × 22/122 = 634,4818…
        (D("3490.00"), D("34900.00"), D("6293.44")),  # 34 900 × 22/122 = 6 293,4426…
        (D("35.01"), D("8752.50"), D("1578.32")),  # 8 752,50 × 22/122 = 1 578,3196…
    ]
    assert totals.total == D("47170.99")
    assert totals.vat_total == D("8506.24")
    assert totals.total_without_vat == D("38664.75")
    assert totals.vat_rate == D("22")
    # Every printed sum has exactly two places.
    assert {amount.as_tuple().exponent for amount in (totals.total, totals.vat_total)} == {-2}


def test_vat_total_is_the_sum_of_line_vats_not_vat_of_the_total() -> None:
    totals = compute_totals(_order(), D("20"))

    # 586,415 → 586,42 (an exact half kopeck); 5 816,666… → 5 816,67; 1 458,75
    assert [line.vat_amount for line in totals.lines] == [D("586.42"), D("5816.67"), D("1458.75")]
    assert totals.vat_total == D("7861.84")
    # VAT taken from the total would be 47 170,99 / 6 = 7 861,83: the columns would not add up.
    assert totals.vat_total == sum(line.vat_amount for line in totals.lines)
    assert totals.total == sum(line.amount for line in totals.lines)
    assert totals.total_without_vat == D("39309.15")


@pytest.mark.parametrize(
    ("unit_price", "discount", "price"),
    [
        (D("10.25"), D("10"), D("9.23")),  # 9,225 → up (half-even would give 9,22)
        (D("10.2499"), D("10"), D("9.22")),  # 9,22491 → down
        (D("0.05"), D("50"), D("0.03")),  # 0,025 → up
        (D("0.01"), D("50"), D("0.01")),  # 0,005 → up, not to zero
        (D("0.009"), D("0"), D("0.01")),
        (D("0"), D("0"), D("0.00")),
    ],
)
def test_price_rounds_half_up_at_half_a_kopeck(
    unit_price: Decimal, discount: Decimal, price: Decimal
) -> None:
    line = compute_line(LineInput("Каска", "шт", 1, unit_price, discount), D("22"))
    assert line.price == price
    assert str(line.price) == str(price)


@pytest.mark.parametrize(
    ("amount", "vat"),
    [
        (D("0.75"), D("0.13")),  # 0,125 → up (half-even would give 0,12)
        (D("1.47"), D("0.25")),  # 0,245 → up
        (D("1.46"), D("0.24")),  # 0,24333… → down
    ],
)
def test_line_vat_rounds_half_up(amount: Decimal, vat: Decimal) -> None:
    assert compute_line(LineInput("Жилет", "шт", 1, amount), D("20")).vat_amount == vat


def test_round_kopecks_is_exact_beyond_decimal_precision() -> None:
    # 28 significant digits are not enough to see this is just below a half kopeck.
    from fractions import Fraction

    just_below_half = Fraction(5, 1000) - Fraction(1, 10**40)
    assert round_kopecks(just_below_half) == D("0.00")
    assert round_kopecks(Fraction(5, 1000)) == D("0.01")


@pytest.mark.parametrize(
    ("kwargs", "error", "field"),
    [
        ({"quantity": 0}, ValueError, "quantity"),
        ({"quantity": -3}, ValueError, "quantity"),
        ({"quantity": 1.5}, TypeError, "quantity"),
        ({"quantity": True}, TypeError, "quantity"),
        ({"unit_price": D("-0.01")}, ValueError, "unit_price"),
        ({"unit_price": 100.0}, TypeError, "unit_price"),
        ({"unit_price": D("NaN")}, ValueError, "unit_price"),
        ({"discount_percent": D("100")}, ValueError, "discount_percent"),
        ({"discount_percent": D("-1")}, ValueError, "discount_percent"),
        ({"discount_percent": 5}, TypeError, "discount_percent"),
        ({"name": "  "}, ValueError, "name"),
        ({"unit": ""}, ValueError, "unit"),
    ],
)
def test_invalid_line_names_the_field(kwargs: dict[str, object], error: type[Exception], field: str) -> None:
    values: dict[str, object] = {"name": "Костюм", "unit": "шт", "quantity": 1, "unit_price": D("100.00")}
    values.update(kwargs)
    with pytest.raises(error, match=rf"^{field}: "):
        LineInput(**values)  # type: ignore[arg-type]


def test_discount_just_below_100_is_allowed() -> None:
    line = compute_line(LineInput("Костюм", "шт", 2, D("100.00"), D("99.99")), D("22"))
    assert (line.price, line.amount, line.vat_amount) == (D("0.01"), D("0.02"), D("0.00"))


@pytest.mark.parametrize("rate", [D("-1"), D("100"), D("Infinity")])
def test_invalid_vat_rate(rate: Decimal) -> None:
    with pytest.raises(ValueError, match=r"^vat_rate: "):
        compute_totals(_order(), rate)


def test_an_invoice_needs_lines() -> None:
    with pytest.raises(ValueError, match=r"^lines: "):
        compute_totals([], D("22"))


# --- amount in words ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        (D("0"), "Ноль рублей 00 копеек"),
        (D("1"), "Один рубль 00 копеек"),
        (D("2"), "Два рубля 00 копеек"),
        (D("5"), "Пять рублей 00 копеек"),
        (D("11"), "Одиннадцать рублей 00 копеек"),
        (D("21"), "Двадцать один рубль 00 копеек"),
        (D("101.01"), "Сто один рубль 01 копейка"),
        (
            D("1234567.89"),
            "Один миллион двести тридцать четыре тысячи пятьсот шестьдесят семь рублей 89 копеек",
        ),
        (D("0.02"), "Ноль рублей 02 копейки"),
        (D("3.14"), "Три рубля 14 копеек"),
        (D("112.22"), "Сто двенадцать рублей 22 копейки"),
        (D("2001.50"), "Две тысячи один рубль 50 копеек"),
        (D("123.45"), "Сто двадцать три рубля 45 копеек"),
        (D("2000000000"), "Два миллиарда рублей 00 копеек"),
        (
            D("999999999999.99"),
            "Девятьсот девяносто девять миллиардов девятьсот девяносто девять миллионов "
            "девятьсот девяносто девять тысяч девятьсот девяносто девять рублей 99 копеек",
        ),
    ],
)
def test_amount_in_words(amount: Decimal, words: str) -> None:
    assert amount_in_words(amount) == words


@pytest.mark.parametrize("amount", [D("-1"), D("1.005"), D("NaN")])
def test_amount_in_words_refuses(amount: Decimal) -> None:
    with pytest.raises(ValueError, match=r"^amount: "):
        amount_in_words(amount)


# --- formats ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (D("0"), "0,00"),
        (D("7.5"), "7,50"),
        (D("999.99"), "999,99"),
        (D("1234.56"), f"1{NBSP}234,56"),
        (D("100000"), f"100{NBSP}000,00"),
        (D("1234567.89"), f"1{NBSP}234{NBSP}567,89"),
        (D("-1234.5"), f"-1{NBSP}234,50"),
    ],
)
def test_format_rub(amount: Decimal, text: str) -> None:
    assert format_rub(amount) == text


def test_format_rub_refuses_fractions_of_a_kopeck() -> None:
    with pytest.raises(ValueError, match="kopecks"):
        format_rub(D("1.005"))


def test_format_quantity_and_date() -> None:
    assert format_quantity(12500) == f"12{NBSP}500"
    assert format_quantity(3) == "3"
    assert format_date_ru(date(2026, 1, 15)) == "15 января 2026 г."
    assert format_date_ru(date(2025, 12, 1)) == "1 декабря 2025 г."


# --- invoice number -----------------------------------------------------------------------------


def test_invoice_number_format() -> None:
    assert format_invoice_number(2026, 15) == "2026-000015"
    assert format_invoice_number(2025, 999_999) == "2025-999999"


@pytest.mark.parametrize(("year", "seq"), [(2026, 1), (2026, 15), (2027, 123_456), (2099, 999_999)])
def test_invoice_number_round_trip(year: int, seq: int) -> None:
    assert parse_invoice_number(format_invoice_number(year, seq)) == InvoiceNumber(year, seq)


@pytest.mark.parametrize(
    "text",
    ["2026-15", "26-000015", "2026-0000015", " 2026-000015", "2026-000015\n", "2026-000000", "٢٠٢٦-000015"],
)
def test_parse_invoice_number_rejects(text: str) -> None:
    with pytest.raises(ValueError, match=r"^(number|seq): "):
        parse_invoice_number(text)


@pytest.mark.parametrize(
    ("year", "seq", "field"), [(2026, 0, "seq"), (2026, 1_000_000, "seq"), (99, 1, "year")]
)
def test_format_invoice_number_rejects(year: int, seq: int, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}: "):
        format_invoice_number(year, seq)
