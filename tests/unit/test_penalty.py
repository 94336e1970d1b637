"""The penalty calculator on hand-computed cases. Each figure is worked out in the comments:
debt × rate × days / days in the year, each period rounded half-up to the kopeck."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from app.core.calendar import BusinessCalendar
from app.core.errors import FieldError
from app.schemas.penalties import PenaltyCalculate
from app.services.receivables.penalty.calculator import (
    Method,
    Payment,
    RateTimeline,
    Request,
    Result,
    accrues_from,
    calculate,
    days_in_year,
)
from app.services.receivables.rates import packaged_rates

D = Decimal
CAL = BusinessCalendar()
RATES = RateTimeline.of((row.effective_from, row.rate_percent) for row in packaged_rates())


def key_rate(principal: str, due: date, until: date, *payments: Payment, moratorium: bool = True) -> Result:
    request = Request(Method.KEY_RATE, D(principal), due, until, tuple(payments), moratorium_2022=moratorium)
    return calculate(request, CAL, RATES)


def rows(result: Result) -> list[tuple[str, str, int, str, str, int | None, str]]:
    return [
        (
            p.start.isoformat(),
            p.end.isoformat(),
            p.days,
            str(p.principal),
            str(p.rate_percent),
            p.days_in_year,
            str(p.amount),
        )
        for p in result.periods
    ]


def test_days_in_year() -> None:
    assert [days_in_year(y) for y in (2023, 2024, 2100, 2000)] == [365, 366, 365, 366]


def test_the_packaged_rates_start_before_2016_08_01_and_change_on_the_known_days() -> None:
    assert RATES.first_day == date(2016, 6, 14)
    assert RATES.rate_on(date(2016, 8, 1)) == D("10.50")
    assert RATES.rate_on(date(2016, 9, 19)) == D("10.00")
    assert RATES.rate_on(date(2021, 10, 25)) == D("7.50")
    assert RATES.rate_on(date(2022, 2, 28)) == D("20.00")
    assert RATES.rate_on(date(2016, 6, 13)) is None


def test_across_a_year_end_and_a_rate_change() -> None:
    # Due Monday 2023-12-11, so interest from 2023-12-12; the rate goes 15 % -> 16 % on 2023-12-18.
    result = key_rate("100000.00", date(2023, 12, 11), date(2024, 1, 15))
    assert rows(result) == [
        # 100000 × 15 % × 6 / 365 = 90000 / 365 = 246.5753… -> 246.58
        ("2023-12-12", "2023-12-17", 6, "100000.00", "15.00", 365, "246.58"),
        # 100000 × 16 % × 14 / 365 = 224000 / 365 = 613.6986… -> 613.70
        ("2023-12-18", "2023-12-31", 14, "100000.00", "16.00", 365, "613.70"),
        # 2024 is a leap year: 100000 × 16 % × 15 / 366 = 240000 / 366 = 655.7377… -> 655.74
        ("2024-01-01", "2024-01-15", 15, "100000.00", "16.00", 366, "655.74"),
    ]
    assert result.total == D("1516.02")  # 246.58 + 613.70 + 655.74
    assert result.days == 35


def test_leap_year_with_rate_changes_and_a_partial_payment() -> None:
    # 500 000 due Monday 2024-07-01; 200 000 paid on 2024-09-20 (the debt is 300 000 from 09-21).
    result = key_rate(
        "500000.00", date(2024, 7, 1), date(2024, 11, 5), Payment(date(2024, 9, 20), D("200000.00"))
    )
    assert rows(result) == [
        # 500000 × 16 % × 27 / 366 = 2160000 / 366 = 5901.6393… -> 5901.64
        ("2024-07-02", "2024-07-28", 27, "500000.00", "16.00", 366, "5901.64"),
        # 3 + 31 + 15 = 49 days; 500000 × 18 % × 49 / 366 = 4410000 / 366 = 12049.1803… -> 12049.18
        ("2024-07-29", "2024-09-15", 49, "500000.00", "18.00", 366, "12049.18"),
        # the payment day still bears interest: 500000 × 19 % × 5 / 366 = 475000 / 366 = 1297.8142… -> 1297.81
        ("2024-09-16", "2024-09-20", 5, "500000.00", "19.00", 366, "1297.81"),
        # 10 + 27 = 37 days; 300000 × 19 % × 37 / 366 = 2109000 / 366 = 5762.2950… -> 5762.30
        ("2024-09-21", "2024-10-27", 37, "300000.00", "19.00", 366, "5762.30"),
        # 4 + 5 = 9 days; 300000 × 21 % × 9 / 366 = 567000 / 366 = 1549.1803… -> 1549.18
        ("2024-10-28", "2024-11-05", 9, "300000.00", "21.00", 366, "1549.18"),
    ]
    # 5901.64 + 12049.18 + 1297.81 + 5762.30 + 1549.18
    assert result.total == D("26560.11")
    assert result.days == 127


def test_a_due_date_on_a_saturday_moves_to_monday() -> None:
    # Due Saturday 2023-09-16 -> the term ends Monday 09-18 (art. 193) -> interest from Tuesday 09-19,
    # so the 12 % of 09-17 is never used: 100000 × 13 % × 12 / 365 = 156000 / 365 = 427.3972… -> 427.40
    result = key_rate("100000.00", date(2023, 9, 16), date(2023, 9, 30))
    assert result.accrues_from == date(2023, 9, 19)
    assert rows(result) == [("2023-09-19", "2023-09-30", 12, "100000.00", "13.00", 365, "427.40")]
    assert result.total == D("427.40")


def test_a_due_date_in_the_new_year_holidays_moves_past_them() -> None:
    # Due 2025-01-01; 1-8 January are days off, so the term ends 01-09 and interest runs from 01-10:
    # 22 days; 100000 × 21 % × 22 / 365 = 462000 / 365 = 1265.7534… -> 1265.75
    assert accrues_from(date(2025, 1, 1), CAL) == date(2025, 1, 10)
    result = key_rate("100000.00", date(2025, 1, 1), date(2025, 1, 31))
    assert rows(result) == [("2025-01-10", "2025-01-31", 22, "100000.00", "21.00", 365, "1265.75")]


def test_the_2022_moratorium_on_and_off() -> None:
    due, until = date(2022, 3, 15), date(2022, 10, 10)
    on = key_rate("100000.00", due, until)
    assert rows(on) == [
        # 100000 × 20 % × 16 / 365 = 320000 / 365 = 876.7123… -> 876.71
        ("2022-03-16", "2022-03-31", 16, "100000.00", "20.00", 365, "876.71"),
        # 100000 × 7.5 % × 9 / 365 = 67500 / 365 = 184.9315… -> 184.93
        ("2022-10-02", "2022-10-10", 9, "100000.00", "7.50", 365, "184.93"),
    ]
    assert on.total == D("1061.64")  # 876.71 + 184.93
    assert on.days == 25
    # 04-01..10-01: 30 + 31 + 30 + 31 + 31 + 30 + 1 = 184 days, shown as one stretch
    assert [(e.start, e.end, e.days, e.reason) for e in on.excluded] == [
        (date(2022, 4, 1), date(2022, 10, 1), 184, "moratorium_2022")
    ]

    off = key_rate("100000.00", due, until, moratorium=False)
    assert rows(off) == [
        ("2022-03-16", "2022-04-10", 26, "100000.00", "20.00", 365, "1424.66"),  # 520000/365 = 1424.657…
        ("2022-04-11", "2022-05-03", 23, "100000.00", "17.00", 365, "1071.23"),  # 391000/365 = 1071.232…
        ("2022-05-04", "2022-05-26", 23, "100000.00", "14.00", 365, "882.19"),  # 322000/365 = 882.191…
        ("2022-05-27", "2022-06-13", 18, "100000.00", "11.00", 365, "542.47"),  # 198000/365 = 542.465…
        ("2022-06-14", "2022-07-24", 41, "100000.00", "9.50", 365, "1067.12"),  # 389500/365 = 1067.123…
        ("2022-07-25", "2022-09-18", 56, "100000.00", "8.00", 365, "1227.40"),  # 448000/365 = 1227.397…
        ("2022-09-19", "2022-10-10", 22, "100000.00", "7.50", 365, "452.05"),  # 165000/365 = 452.054…
    ]
    assert off.total == D("6667.12")
    assert off.days == 209  # 16 + 30 + 31 + 30 + 31 + 31 + 30 + 10: every day 03-16..10-10
    assert off.excluded == ()


def test_a_debt_paid_during_the_moratorium_shows_it_only_until_the_payment() -> None:
    result = key_rate(
        "100000.00", date(2022, 3, 15), date(2022, 12, 1), Payment(date(2022, 5, 1), D("100000.00"))
    )
    # 03-16..03-31 at 20 % = 876.71 (as above); nothing after: the debt is paid on 05-01
    assert rows(result) == [("2022-03-16", "2022-03-31", 16, "100000.00", "20.00", 365, "876.71")]
    assert [(e.start, e.end, e.days) for e in result.excluded] == [(date(2022, 4, 1), date(2022, 5, 1), 31)]


def test_the_moratorium_spares_only_debts_that_arose_before_it() -> None:
    # Due 2022-05-16: the debt arose during the moratorium, so interest runs from 05-17.
    result = key_rate("100000.00", date(2022, 5, 16), date(2022, 5, 26))
    # 100000 × 14 % × 10 / 365 = 140000 / 365 = 383.5616… -> 383.56
    assert rows(result) == [("2022-05-17", "2022-05-26", 10, "100000.00", "14.00", 365, "383.56")]
    assert result.excluded == ()


def test_full_payment_stops_interest_after_the_payment_day() -> None:
    result = key_rate(
        "100000.00", date(2024, 3, 1), date(2024, 4, 30), Payment(date(2024, 3, 11), D("100000.00"))
    )
    # 03-02..03-11 = 10 days; 100000 × 16 % × 10 / 366 = 160000 / 366 = 437.1584… -> 437.16
    assert rows(result) == [("2024-03-02", "2024-03-11", 10, "100000.00", "16.00", 366, "437.16")]
    assert result.days == 10


def test_paid_on_the_due_date_leaves_only_the_rest() -> None:
    result = key_rate(
        "100000.00", date(2024, 3, 1), date(2024, 3, 10), Payment(date(2024, 3, 1), D("40000.00"))
    )
    # 60000 × 16 % × 9 / 366 = 86400 / 366 = 236.0655… -> 236.07
    assert rows(result) == [("2024-03-02", "2024-03-10", 9, "60000.00", "16.00", 366, "236.07")]


def test_nothing_is_due_before_the_delay_begins() -> None:
    result = key_rate("100000.00", date(2025, 1, 1), date(2025, 1, 5))
    assert (result.total, result.days, result.periods) == (D("0.00"), 0, ())


def test_contractual_penalty_with_a_cap() -> None:
    request = Request(
        Method.CONTRACTUAL,
        D("200000.00"),
        date(2025, 3, 3),
        date(2025, 7, 1),
        (Payment(date(2025, 4, 15), D("50000.00")),),
        rate_per_day_percent=D("0.1"),
        cap_percent=D("10"),
    )
    result = calculate(request, CAL)
    assert rows(result) == [
        # 03-04..04-15 = 28 + 15 = 43 days × 200000 × 0.1 % (200.00 a day) = 8600.00
        ("2025-03-04", "2025-04-15", 43, "200000.00", "0.1", None, "8600.00"),
        # 04-16..07-01 = 15 + 31 + 30 + 1 = 77 days × 150000 × 0.1 % (150.00 a day) = 11550.00
        ("2025-04-16", "2025-07-01", 77, "150000.00", "0.1", None, "11550.00"),
    ]
    assert result.uncapped_total == D("20150.00")
    assert result.cap_amount == D("20000.00")  # 10 % of 200000
    assert result.total == D("20000.00")


def test_contractual_penalty_under_its_cap_and_the_moratorium() -> None:
    request = Request(
        Method.CONTRACTUAL,
        D("10000.00"),
        date(2022, 3, 28),
        date(2022, 10, 3),
        rate_per_day_percent=D("0.5"),
        cap_percent=D("50"),
    )
    result = calculate(request, CAL)
    # 03-29..03-31 = 3 days × 50.00; 10-02..10-03 = 2 days × 50.00; the moratorium between
    assert rows(result) == [
        ("2022-03-29", "2022-03-31", 3, "10000.00", "0.5", None, "150.00"),
        ("2022-10-02", "2022-10-03", 2, "10000.00", "0.5", None, "100.00"),
    ]
    assert result.total == D("250.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principal": D("0")}, "principal"),
        ({"due_date": date(2016, 7, 31), "until": date(2016, 9, 1)}, "due_date"),
        ({"until": date(2024, 2, 1)}, "until"),
        ({"payments": (Payment(date(2024, 3, 5), D("-1")),)}, "payments.0.amount"),
        ({"payments": (Payment(date(2024, 5, 5), D("1")),)}, "payments.0.date"),
        ({"payments": (Payment(date(2024, 2, 5), D("1")),)}, "payments.0.date"),
        (
            {"payments": (Payment(date(2024, 3, 5), D("60")), Payment(date(2024, 3, 6), D("50")))},
            "payments",
        ),
        ({"cap_percent": D("10")}, "cap_percent"),
        ({"rate_per_day_percent": D("0.1")}, "rate_per_day_percent"),
        ({"method": Method.CONTRACTUAL}, "rate_per_day_percent"),
        ({"method": Method.CONTRACTUAL, "rate_per_day_percent": D("1.5")}, "rate_per_day_percent"),
        (
            {"method": Method.CONTRACTUAL, "rate_per_day_percent": D("0.1"), "cap_percent": D("101")},
            "cap_percent",
        ),
    ],
)
def test_bad_requests_name_the_field(changes: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "method": Method.KEY_RATE,
        "principal": D("100"),
        "due_date": date(2024, 3, 1),
        "until": date(2024, 4, 1),
    }
    request = Request(**(base | changes))  # type: ignore[arg-type]
    with pytest.raises(FieldError) as caught:
        calculate(request, CAL, RATES)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"principal": "0"}, "principal"),
        ({"principal": "-5"}, "principal"),
        ({"principal": "10.001"}, "principal"),
        ({"due_date": "2024-02-30"}, "due_date"),
        ({"method": "penalty"}, "method"),
        ({"payments": [{"date": "2024-03-05", "amount": "0"}]}, "payments.0.amount"),
        ({"method": "contractual", "rate_per_day_percent": "2"}, "rate_per_day_percent"),
        ({"method": "contractual", "rate_per_day_percent": "0.1", "cap_percent": "0"}, "cap_percent"),
        ({"method": "contractual", "rate_per_day_percent": "0.1", "cap_percent": "150"}, "cap_percent"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_the_request_bounds_name_the_field(changes: dict[str, object], field: str) -> None:
    """The API's request schema refuses what is out of its bounds before any rule runs (the API
    answers 422 naming the field, tests/api/test_penalties.py)."""
    body = {"method": "key_rate", "principal": "100000", "due_date": "2024-03-01", "until": "2024-04-01"}
    with pytest.raises(ValidationError) as caught:
        PenaltyCalculate.model_validate_json(json.dumps(body | changes))
    assert [".".join(str(part) for part in error["loc"]) for error in caught.value.errors()] == [field]


def test_a_date_before_the_first_known_rate_is_refused_not_guessed() -> None:
    later = RateTimeline.of([(date(2023, 1, 1), D("7.50"))])
    request = Request(Method.KEY_RATE, D("100"), date(2022, 12, 1), date(2023, 2, 1))
    with pytest.raises(FieldError, match="no key rate is known for 2022-12-01") as caught:
        calculate(request, CAL, later)
    assert caught.value.field == "due_date"
    with pytest.raises(FieldError):
        calculate(request, CAL, RateTimeline(()))
