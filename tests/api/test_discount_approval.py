"""A discount beyond the client's approved one, or a price below what the goods cost us, makes the
invoice wait for management's approval before it goes to the client («увеличение скидки
производится только по согласованию Руководства компании»)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.tasks import Task
from app.services.seed import inn10
from tests.api.test_invoices import _accepted_order, _price
from tests.support.helpers import problem


async def _tasks(app: Any, assignee_id: int) -> list[Task]:
    async with app.state.session_factory() as session:
        return list((await session.scalars(select(Task).where(Task.assignee_id == assignee_id))).all())


async def test_a_discount_beyond_the_approved_one_waits_for_management(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804633"))
    suit, glove = order["_products"]
    terms = {"deferment_days": 0, "discount_percent": "5", "effective_from": "2026-12-01", "reason": "РО"}
    card_url = f"/api/v1/clients/{order['client_id']}"
    assert (
        await client.put(f"{card_url}/credit-terms", headers=director.headers, json=terms)
    ).status_code == 200

    # 20 % on the suits (still above their cost), against the client's approved 5 %: the invoice
    # is made and waits.
    created = await client.post(
        f"/api/v1/orders/{order['id']}/invoice",
        headers=assistant.headers,
        json={"discounts": [{"position": 1, "discount_percent": "20"}]},
    )
    assert created.status_code == 201, created.text
    invoice = created.json()
    assert invoice["discount_approval"] == "pending"
    assert "send" not in invoice["allowed_actions"]
    assert all("purchase_price" not in line for line in invoice["lines"])
    url = f"/api/v1/invoices/{invoice['id']}"
    approval_url = f"{url}/discount-approval"
    decide_url = url
    assert "approve-discount" not in invoice["allowed_actions"]  # the assistant does not decide
    seen = (await client.get(url, headers=director.headers)).json()["allowed_actions"]
    assert {"approve-discount", "refuse-discount"} <= set(seen)
    said = problem(await client.post(f"{url}/send", headers=assistant.headers, json={"email": "a@b.ru"}), 409)
    assert said["code"] == "discount_not_approved"
    assert "waits for management's approval" in said["detail"]

    # Management gets the task; the margin and the purchase price are shown to management only.
    titles = [t.title for t in await _tasks(app, director.id)]
    assert f"Согласовать скидку по счёту № {invoice['number']} («ООО «Чистый Город»»)" in titles
    problem(await client.get(approval_url, headers=assistant.headers), 403)
    problem(await client.get(approval_url, headers=head.headers), 403)
    shown = await client.get(approval_url, headers=director.headers)
    assert shown.status_code == 200, shown.text
    view = shown.json()
    assert (view["status"], view["allowed_actions"]) == ("pending", ["approve-discount", "refuse-discount"])
    assert Decimal(view["approved_discount_percent"]) == 5
    first, second = view["lines"]
    price = (_price(suit, "Оптовая") * Decimal("0.8")).quantize(Decimal("0.01"))
    assert (Decimal(first["discount_percent"]), Decimal(first["price"])) == (20, price)
    assert Decimal(first["purchase_price"]) == suit.purchase_price
    assert Decimal(first["margin"]) == price - suit.purchase_price
    assert (first["beyond_approved_discount"], second["beyond_approved_discount"]) == (True, False)
    assert (first["below_cost"], Decimal(first["margin"]) > 0) == (False, True)
    assert Decimal(second["purchase_price"]) == glove.purchase_price
    margin = (price - suit.purchase_price) * 3 + (Decimal(second["price"]) - glove.purchase_price) * 12
    assert Decimal(view["margin_total"]) == margin
    assert Decimal(view["margin_percent"]) == (margin * 100 / Decimal(invoice["total"])).quantize(
        Decimal("0.01")
    )

    # The head cannot decide; the director refuses, and the assistant sees why.
    problem(await client.post(f"{decide_url}/approve-discount", headers=head.headers, json={}), 403)
    problem(
        await client.post(f"{decide_url}/refuse-discount", headers=director.headers, json={}), 422, "comment"
    )
    refused = await client.post(
        f"{decide_url}/refuse-discount", headers=director.headers, json={"comment": "Не больше 10 %"}
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["status"], refused.json()["decided_by_id"]) == ("refused", director.id)
    problem(await client.post(f"{decide_url}/approve-discount", headers=director.headers, json={}), 409)
    seen = (await client.get(url, headers=assistant.headers)).json()
    assert (seen["discount_approval"], seen["discount_comment"]) == ("refused", "Не больше 10 %")
    assert "не согласована" in " ".join(t.title for t in await _tasks(app, assistant.id))
    said = problem(await client.post(f"{url}/send", headers=assistant.headers, json={"email": "a@b.ru"}), 409)
    assert "refused by management" in said["detail"]

    # Below the purchase price the invoice always waits, whatever the client's discount.
    revised = await client.post(
        f"{url}/revise",
        headers=assistant.headers,
        json={"reason": "по просьбе клиента", "lines": [{"position": 1, "discount_percent": "99.99"}]},
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["discount_approval"] == "pending"
    view = (await client.get(approval_url, headers=director.headers)).json()
    assert (view["lines"][0]["below_cost"], view["lines"][1]["below_cost"]) == (True, False)
    assert Decimal(view["lines"][0]["margin"]) < 0
    approved = await client.post(
        f"{decide_url}/approve-discount", headers=director.headers, json={"comment": "Распродажа"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert "согласована руководством" in " ".join(t.title for t in await _tasks(app, assistant.id))
    sent = await client.post(f"{url}/send", headers=assistant.headers, json={"email": "a@b.ru"})
    assert sent.status_code == 200, sent.text
    history = (await client.get(f"{url}/history", headers=director.headers)).json()["items"]
    steps = [e["action"] for e in history if e["action"].startswith("discount")]
    assert steps == [
        "discount_approval_requested",
        "discount_refuse",
        "discount_approval_requested",
        "discount_approve",
    ]


async def test_nobody_approves_their_own_discount_and_the_approved_one_needs_nobody(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    other_director = await make_user(Role.DIRECTOR)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804644"))
    terms = {"deferment_days": 0, "discount_percent": "10", "effective_from": "2026-12-01", "reason": "РО"}
    card_url = f"/api/v1/clients/{order['client_id']}"
    assert (
        await client.put(f"{card_url}/credit-terms", headers=other_director.headers, json=terms)
    ).status_code == 200
    created = await client.post(
        f"/api/v1/orders/{order['id']}/invoice",
        headers=director.headers,
        json={"discounts": [{"position": 2, "discount_percent": "30"}]},
    )
    assert created.status_code == 201, created.text
    invoice = created.json()
    decide_url = f"/api/v1/invoices/{invoice['id']}"
    approval_url = f"{decide_url}/discount-approval"
    # Not offered to the one who asked, offered to the rest of management.
    assert "approve-discount" not in invoice["allowed_actions"]
    seen = (await client.get(decide_url, headers=other_director.headers)).json()["allowed_actions"]
    assert "approve-discount" in seen
    # The task goes to management other than the one who asked.
    assert not [t for t in await _tasks(app, director.id) if t.title.startswith("Согласовать скидку")]
    assert [t for t in await _tasks(app, other_director.id) if t.title.startswith("Согласовать скидку")]
    own = problem(await client.post(f"{decide_url}/approve-discount", headers=director.headers, json={}), 403)
    assert own["code"] == "own_request"
    problem(
        await client.post(f"{decide_url}/refuse-discount", headers=director.headers, json={"comment": "x"}),
        403,
    )
    assert (
        await client.post(f"{decide_url}/approve-discount", headers=other_director.headers, json={})
    ).status_code == 200

    # Within the client's approved discount (its 10 % on every line): nobody's word is needed.
    revised = await client.post(
        f"/api/v1/invoices/{invoice['id']}/revise",
        headers=director.headers,
        json={"reason": "как договорено", "lines": [{"position": 2, "discount_percent": "10"}]},
    )
    assert revised.status_code == 200, revised.text
    assert revised.json()["discount_approval"] is None
    assert [Decimal(x["discount_percent"]) for x in revised.json()["lines"]] == [10, 10]
    assert "send" in revised.json()["allowed_actions"]
    view = (await client.get(approval_url, headers=other_director.headers)).json()
    assert (view["status"], view["allowed_actions"]) == ("not_needed", [])
