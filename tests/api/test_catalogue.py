"""The catalogue: the purchase price only to the roles that price."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx

from app.models.directory import Role


async def test_purchase_price_is_shown_only_to_who_prices(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    assert suit.purchase_price > 0
    for role, department, sees in (
        (Role.MANAGER, "service", True),
        (Role.ASSISTANT, "service", True),
        (Role.SUPPLY, "supply", True),
        (Role.HEAD, "service", True),
        (Role.DRIVER, "warehouse", False),
        (Role.WAREHOUSE, "warehouse", False),
        (Role.WORKSHOP, "workshop", False),
        (Role.ACCOUNTANT, "finance", False),
    ):
        user = await make_user(role, department=department)
        one = await client.get(f"/api/v1/catalogue/products/{suit.id}", headers=user.headers)
        found = await client.get("/api/v1/catalogue/products", params={"q": "Костюм"}, headers=user.headers)
        assert one.status_code == found.status_code == 200, (one.text, found.text)
        assert found.json()["items"], role
        expected = str(suit.purchase_price) if sees else None
        assert one.json()["purchase_price"] == expected, role
        assert one.json()["prices"], role  # the selling prices stay for everyone
        listed = {p["purchase_price"] is not None for p in found.json()["items"]}
        assert listed == {sees}, role
        if sees:
            assert Decimal(one.json()["purchase_price"]) == suit.purchase_price
