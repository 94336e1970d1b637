"""The roles that are the company's management come from the settings: configured as the
accountant here, the accountant decides credit terms and the director no longer does."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models.directory import Role
from app.services.permissions import configure_management
from app.services.seed import inn10
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
