"""POST /api/v1/penalties/calculate: the rates from the seeded table, money as decimal strings,
every refusal a 422 problem naming its field. The arithmetic itself is in tests/unit/test_penalty.py."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import delete

from app.models.directory import Role
from app.models.rates import KeyRate
from tests.support.helpers import problem

URL = "/api/v1/penalties/calculate"


async def test_key_rate_interest_across_a_year_end(client: httpx.AsyncClient, make_user: Any) -> None:
    user = await make_user(Role.MANAGER)
    response = await client.post(
        URL,
        headers=user.headers,
        json={
            "method": "key_rate",
            "principal": "100000.00",
            "due_date": "2023-12-11",
            "until": "2024-01-15",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["periods"] == [
        # 100000 × 15 % × 6 / 365 = 246.5753… -> 246.58
        {
            "from": "2023-12-12",
            "to": "2023-12-17",
            "days": 6,
            "principal": "100000.00",
            "rate_percent": "15.00",
            "days_in_year": 365,
            "amount": "246.58",
        },
        # 100000 × 16 % × 14 / 365 = 613.6986… -> 613.70
        {
            "from": "2023-12-18",
            "to": "2023-12-31",
            "days": 14,
            "principal": "100000.00",
            "rate_percent": "16.00",
            "days_in_year": 365,
            "amount": "613.70",
        },
        # 100000 × 16 % × 15 / 366 = 655.7377… -> 655.74
        {
            "from": "2024-01-01",
            "to": "2024-01-15",
            "days": 15,
            "principal": "100000.00",
            "rate_percent": "16.00",
            "days_in_year": 366,
            "amount": "655.74",
        },
    ]
    assert (body["total"], body["days"], body["accrues_from"]) == ("1516.02", 35, "2023-12-12")
    assert body["key_rate_total"] is None
    assert body["excluded"] == []
    assert body["unconfirmed_rates"] == []


async def test_partial_payment_in_a_leap_year(client: httpx.AsyncClient, make_user: Any) -> None:
    user = await make_user(Role.ACCOUNTANT)
    response = await client.post(
        URL,
        headers=user.headers,
        json={
            "method": "key_rate",
            "principal": 500000,
            "due_date": "2024-07-01",
            "until": "2024-11-05",
            "payments": [{"date": "2024-09-20", "amount": "200000"}],
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # 5901.64 + 12049.18 + 1297.81 + 5762.30 + 1549.18 (worked out in the unit test)
    assert [p["amount"] for p in body["periods"]] == ["5901.64", "12049.18", "1297.81", "5762.30", "1549.18"]
    assert [p["principal"] for p in body["periods"]][-2:] == ["300000.00", "300000.00"]
    assert body["total"] == "26560.11"


async def test_moratorium_is_on_by_default_and_can_be_switched_off(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    user = await make_user(Role.LAWYER)
    debt = {"method": "key_rate", "principal": "100000", "due_date": "2022-03-15", "until": "2022-10-10"}
    on = (await client.post(URL, headers=user.headers, json=debt)).json()
    assert on["total"] == "1061.64"  # 876.71 (03-16..03-31 at 20 %) + 184.93 (10-02..10-10 at 7.5 %)
    assert on["excluded"] == [
        {"from": "2022-04-01", "to": "2022-10-01", "days": 184, "reason": "moratorium_2022"}
    ]
    off = (await client.post(URL, headers=user.headers, json=debt | {"moratorium_2022": False})).json()
    assert off["total"] == "6667.12"
    assert off["days"] == 209


async def test_contractual_penalty_with_a_cap_and_the_395_amount_beside_it(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    user = await make_user(Role.HEAD)
    response = await client.post(
        URL,
        headers=user.headers,
        json={
            "method": "contractual",
            "principal": "200000.00",
            "due_date": "2025-03-03",
            "until": "2025-07-01",
            "payments": [{"date": "2025-04-15", "amount": "50000.00"}],
            "rate_per_day_percent": "0.1",
            "cap_percent": 10,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    # 43 days × 200.00 + 77 days × 150.00 = 8600.00 + 11550.00 = 20150.00, capped at 10 % = 20000.00
    assert [(p["days"], p["amount"], p["days_in_year"]) for p in body["periods"]] == [
        (43, "8600.00", None),
        (77, "11550.00", None),
    ]
    assert (body["uncapped_total"], body["cap_amount"], body["total"]) == ("20150.00", "20000.00", "20000.00")
    # Art. 395 on the same debt: 200000 × 21 % × 43 / 365 = 4947.95; 150000 × 21 % × 54 / 365 = 4660.27;
    # 150000 × 20 % × 23 / 365 = 1890.41 (the rate is 20 % from 2025-06-09); 4947.95 + 4660.27 + 1890.41
    assert body["key_rate_total"] == "11498.63"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_date": "2016-07-29", "until": "2016-09-01"}, "due_date"),
        ({"principal": "0"}, "principal"),
        ({"principal": "-5"}, "principal"),
        ({"principal": "10.001"}, "principal"),
        ({"until": "2024-02-01"}, "until"),
        ({"due_date": "2024-02-30"}, "due_date"),
        ({"method": "penalty"}, "method"),
        ({"payments": [{"date": "2024-03-05", "amount": "0"}]}, "payments.0.amount"),
        ({"payments": [{"date": "2024-05-05", "amount": "1"}]}, "payments.0.date"),
        ({"payments": [{"date": "2024-03-05", "amount": "100001"}]}, "payments"),
        ({"method": "contractual"}, "rate_per_day_percent"),
        ({"method": "contractual", "rate_per_day_percent": "2"}, "rate_per_day_percent"),
        ({"method": "contractual", "rate_per_day_percent": "0.1", "cap_percent": "0"}, "cap_percent"),
        ({"method": "contractual", "rate_per_day_percent": "0.1", "cap_percent": "150"}, "cap_percent"),
        ({"rate_per_day_percent": "0.1"}, "rate_per_day_percent"),
        ({"surprise": 1}, "surprise"),
    ],
)
async def test_bad_input_is_a_422_naming_the_field(
    client: httpx.AsyncClient, make_user: Any, changes: dict[str, Any], field: str
) -> None:
    user = await make_user(Role.ASSISTANT)
    body = {"method": "key_rate", "principal": "100000", "due_date": "2024-03-01", "until": "2024-04-01"}
    answer = problem(await client.post(URL, headers=user.headers, json=body | changes), 422, field)
    assert answer["code"] in ("invalid_input", "invalid_field")


async def test_only_roles_that_handle_debts_may_calculate(client: httpx.AsyncClient, make_user: Any) -> None:
    body = {"method": "key_rate", "principal": "1000", "due_date": "2024-03-01", "until": "2024-04-01"}
    assert (await client.post(URL, json=body)).status_code == 401
    for role in (Role.WAREHOUSE, Role.DRIVER, Role.SUPPLY, Role.WORKSHOP):
        user = await make_user(role)
        problem(await client.post(URL, headers=user.headers, json=body), 403)
    for role in (Role.MANAGER, Role.ASSISTANT, Role.HEAD, Role.DIRECTOR, Role.LAWYER, Role.ACCOUNTANT):
        user = await make_user(role)
        assert (await client.post(URL, headers=user.headers, json=body)).status_code == 200


async def test_rates_not_yet_confirmed_are_named(client: httpx.AsyncClient, make_user: Any) -> None:
    user = await make_user(Role.LAWYER)
    body = {"method": "key_rate", "principal": "100000", "due_date": "2026-03-02", "until": "2026-04-30"}
    response = await client.post(URL, headers=user.headers, json=body)
    assert response.status_code == 200, response.text
    # 15.50 % (2026-02-16, confirmed) until 03-22, then the unconfirmed 15.00 % and 14.50 % rows
    assert [p["rate_percent"] for p in response.json()["periods"]] == ["15.50", "15.00", "14.50"]
    assert response.json()["unconfirmed_rates"] == ["2026-03-23", "2026-04-27"]


async def test_a_day_the_table_has_no_rate_for_is_refused(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    async with session_factory() as session:
        await session.execute(delete(KeyRate).where(KeyRate.effective_from < date(2017, 1, 1)))
        await session.commit()
    user = await make_user(Role.ACCOUNTANT)
    body = {"method": "key_rate", "principal": "1000", "due_date": "2016-10-03", "until": "2017-02-01"}
    answer = problem(await client.post(URL, headers=user.headers, json=body), 422, "due_date")
    assert "no key rate is known for 2016-10-03 (the table has rates from 2017-03-27)" in answer["detail"]
