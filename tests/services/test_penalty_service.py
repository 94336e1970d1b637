"""PenaltyService.calculate over the seeded key-rate table: the figures the calculator gives on the
table an installation starts with, the rates not yet confirmed, and a day the table has no rate
for. The arithmetic on hand-made tables is in tests/unit/test_penalty.py; the HTTP shape of an
answer in tests/api/test_penalties.py."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import delete

from app.core.errors import FieldError
from app.models.rates import KeyRate
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.penalty.calculator import Method, Payment, Request
from app.services.receivables.penalty.service import PenaltyService

D = Decimal


async def test_partial_payment_in_a_leap_year(uow: UnitOfWork) -> None:
    request = Request(
        Method.KEY_RATE,
        D("500000"),
        date(2024, 7, 1),
        date(2024, 11, 5),
        (Payment(date(2024, 9, 20), D("200000")),),
    )
    result = (await PenaltyService(uow).calculate(request)).result
    # 5901.64 + 12049.18 + 1297.81 + 5762.30 + 1549.18 (worked out in the unit test)
    assert [str(p.amount) for p in result.periods] == ["5901.64", "12049.18", "1297.81", "5762.30", "1549.18"]
    assert [p.principal for p in result.periods][-2:] == [D("300000"), D("300000")]
    assert result.total == D("26560.11")


async def test_moratorium_is_on_by_default_and_can_be_switched_off(uow: UnitOfWork) -> None:
    service = PenaltyService(uow)
    debt = Request(Method.KEY_RATE, D("100000"), date(2022, 3, 15), date(2022, 10, 10))
    on = (await service.calculate(debt)).result
    assert on.total == D("1061.64")  # 876.71 (03-16..03-31 at 20 %) + 184.93 (10-02..10-10 at 7.5 %)
    assert [(e.start, e.end, e.days, e.reason) for e in on.excluded] == [
        (date(2022, 4, 1), date(2022, 10, 1), 184, "moratorium_2022")
    ]
    off = Request(Method.KEY_RATE, D("100000"), date(2022, 3, 15), date(2022, 10, 10), moratorium_2022=False)
    result = (await service.calculate(off)).result
    assert (result.total, result.days) == (D("6667.12"), 209)


async def test_rates_not_yet_confirmed_are_named(uow: UnitOfWork) -> None:
    request = Request(Method.KEY_RATE, D("100000"), date(2026, 3, 2), date(2026, 4, 30))
    calculation = await PenaltyService(uow).calculate(request)
    # 15.50 % (2026-02-16, confirmed) until 03-22, then the unconfirmed 15.00 % and 14.50 % rows
    assert [str(p.rate_percent) for p in calculation.result.periods] == ["15.50", "15.00", "14.50"]
    assert calculation.unconfirmed_rates == (date(2026, 3, 23), date(2026, 4, 27))


async def test_a_day_the_table_has_no_rate_for_is_refused(uow: UnitOfWork) -> None:
    await uow.session.execute(delete(KeyRate).where(KeyRate.effective_from < date(2017, 1, 1)))
    request = Request(Method.KEY_RATE, D("1000"), date(2016, 10, 3), date(2017, 2, 1))
    with pytest.raises(FieldError) as caught:
        await PenaltyService(uow).calculate(request)
    assert caught.value.field == "due_date"
    assert "no key rate is known for 2016-10-03 (the table has rates from 2017-03-27)" in str(caught.value)
