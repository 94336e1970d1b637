"""Reading key-rate files and turning the Bank of Russia's daily series into change points."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.models.rates import RateStatus
from app.services.kernel.ports import KeyRateObservation
from app.services.receivables.rates import (
    RateRow,
    RatesFileError,
    change_points,
    packaged_rates,
    parse_rates_csv,
)

D = Decimal


def test_the_packaged_file_is_complete_from_2016_and_ordered() -> None:
    rows = packaged_rates()
    assert rows[0] == RateRow(date(2016, 6, 14), D("10.50"), RateStatus.CONFIRMED)
    assert [r.effective_from for r in rows] == sorted(r.effective_from for r in rows)
    # the decisions of 2020, as in the Bank of Russia's history
    of_2020 = [
        (r.effective_from.isoformat(), str(r.rate_percent)) for r in rows if r.effective_from.year == 2020
    ]
    assert of_2020 == [
        ("2020-02-10", "6.00"),
        ("2020-04-27", "5.50"),
        ("2020-06-22", "4.50"),
        ("2020-07-27", "4.25"),
    ]
    assert {r.status for r in rows if r.effective_from < date(2026, 3, 1)} == {RateStatus.CONFIRMED}


def test_a_file_without_status_and_with_comments_reads() -> None:
    rows = parse_rates_csv("# note\n\neffective_from,rate_percent\n2026-09-14,13.5\n2026-07-27, 14.00\n")
    assert rows == [RateRow(date(2026, 7, 27), D("14.00")), RateRow(date(2026, 9, 14), D("13.5"))]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("date,rate\n2026-01-01,1\n", "the header must be"),
        ("effective_from,rate_percent\n", "no rows"),
        ("effective_from,rate_percent\n2026-13-01,1\n", "row 2: effective_from"),
        ("effective_from,rate_percent\n2026-01-01,1\n2026-02-01,-1\n", "row 3: rate_percent must be"),
        ("effective_from,rate_percent\n2026-01-01,7.125\n", "at most two decimals"),
        ("effective_from,rate_percent,status\n2026-01-01,7,maybe\n", "status must be one of"),
        ("effective_from,rate_percent\n2026-01-01,7\n2026-01-01,8\n", "given twice"),
    ],
)
def test_bad_files_name_the_row(text: str, message: str) -> None:
    with pytest.raises(RatesFileError, match=message):
        parse_rates_csv(text)


def test_change_points_of_a_daily_series() -> None:
    series = [
        KeyRateObservation(date(2025, 10, 28), D("16.50")),
        KeyRateObservation(date(2025, 10, 24), D("17.00")),
        KeyRateObservation(date(2025, 10, 27), D("16.50")),
        KeyRateObservation(date(2025, 10, 23), D("17.00")),
    ]
    assert change_points(series) == [(date(2025, 10, 23), D("17.00")), (date(2025, 10, 27), D("16.50"))]
    assert change_points([]) == []
