"""The roles that are the company's management come from the settings: configured as the
accountant here, the accountant decides credit terms and discounts and the director no longer does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models.directory import Role
from app.services.kernel.permissions import configure_management
from app.services.seed import inn10
from tests.api.test_invoices import _accepted_order
from tests.support.helpers import problem


@pytest.fixture
def settings(settings: Settings, db_url: str) -> Iterator[Settings]:
    settings.approvals.management_roles = ["accountant"]
    yield settings
    configure_management(Settings().approvals.management_roles)  # as every other test has it


async def test_the_configured_management_decides_credit_terms(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    lawyer = await make_user(Role.LAWYER, department="administration")
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Орион»", "inn": inn10("352522255"), "kpp": "352501001"},
    )
    assert card.status_code == 201, card.text
    ask = {"client_id": card.json()["id"], "deferment_days": 10, "justification": "Постоянный клиент"}
    made = await client.post("/api/v1/credit-requests", headers=head.headers, json=ask)
    url = f"/api/v1/credit-requests/{made.json()['id']}"
    await client.post(
        f"{url}/verdict", headers=lawyer.headers, json={"verdict": "reliable", "comment": "Чисто"}
    )
    other_head = await make_user(Role.HEAD)
    recommend = {"recommendation": "approve", "comment": "Да"}
    assert (
        await client.post(f"{url}/recommend", headers=other_head.headers, json=recommend)
    ).status_code == 200
    problem(await client.post(f"{url}/approve", headers=director.headers, json={"comment": "Да"}), 403)
    approved = await client.post(f"{url}/approve", headers=accountant.headers, json={"comment": "Да"})
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by_id"] == accountant.id


async def test_a_management_role_that_does_not_price_sees_no_purchase_price(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    """The accountant decides the discount as management, but sees what goods cost us only if its
    role prices: the margin and the purchase price stay hidden from it."""
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804655"))
    created = await client.post(
        f"/api/v1/orders/{order['id']}/invoice",
        headers=assistant.headers,
        json={"discounts": [{"position": 1, "discount_percent": "15"}]},
    )
    assert created.json()["discount_approval"] == "pending", created.text
    url = f"/api/v1/invoices/{created.json()['id']}/discount-approval"
    problem(await client.get(url, headers=director.headers), 403)
    view = (await client.get(url, headers=accountant.headers)).json()
    assert view["lines"][0]["beyond_approved_discount"] is True
    assert [(x["purchase_price"], x["margin"]) for x in view["lines"]] == [(None, None), (None, None)]
    assert view["margin_total"] is None
    decide = url.removesuffix("/discount-approval") + "/approve-discount"
    approved = await client.post(decide, headers=accountant.headers, json={})
    assert approved.json()["status"] == "approved", approved.text
