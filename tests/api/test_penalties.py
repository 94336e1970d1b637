"""POST /api/v1/penalties/calculate: each method's answer, money as decimal strings, a refusal a
422 problem naming its field, the roles that may ask. The arithmetic is in
tests/unit/test_penalty.py, the calculation over the seeded table in
tests/services/test_penalty_service.py, every refusal of the request's bounds and rules in the
unit tests."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models.directory import Role
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
        ({"principal": "10.001"}, "principal"),  # the schema's bound
        ({"until": "2024-02-01"}, "until"),  # the calculator's rule
        ({"surprise": 1}, "surprise"),  # a field the operation does not take
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
