"""An order nobody owns (an amoCRM lead whose owner is not mapped) waits with the dispatcher until a
head gives it to an assistant and a manager: its tasks move to them, they can read it and its
client, and the statistics credit each step to who took it, also after the order changed hands."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import httpx

from app.adapters.amocrm.stub import STATUS_NEW
from app.models.directory import Role
from app.worker.context import JobContext
from app.worker.jobs import process_amocrm_delivery
from tests.conftest import AMOCRM_ACCOUNT, AMOCRM_SECRET
from tests.support.helpers import problem

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _unowned_order(client: httpx.AsyncClient, job_ctx: JobContext) -> None:
    """Lead 31000101 of the amoCRM stub, its owner mapped to nobody here: the order and a new
    client card, both without a manager or an assistant."""
    body = urlencode(
        [
            ("leads[add][0][id]", "31000101"),
            ("leads[add][0][status_id]", str(STATUS_NEW)),
            ("leads[add][0][pipeline_id]", "7001001"),
            ("account[id]", AMOCRM_ACCOUNT),
            ("account[subdomain]", "example"),
        ]
    )
    response = await client.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", content=body, headers=FORM)
    assert await process_amocrm_delivery({"app": job_ctx}, response.json()["delivery_id"]) == "processed"


async def _tasks_of(client: httpx.AsyncClient, user: Any, order_id: int) -> list[tuple[str, str]]:
    page = (await client.get("/api/v1/tasks/mine", headers=user.headers)).json()
    return [
        (t["kind"], t["status"])
        for t in page["overdue"] + page["today"] + page["upcoming"]
        if t["subject_type"] == "order" and t["subject_id"] == order_id
    ]


async def test_an_order_nobody_owns_is_assigned_and_reassigned(
    client: httpx.AsyncClient, app: Any, job_ctx: JobContext, make_user: Any
) -> None:
    head = await make_user(Role.HEAD, department="administration")  # the dispatcher: no one configured
    assistant = await make_user(Role.ASSISTANT)
    other_assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    other_manager = await make_user(Role.MANAGER)
    await _unowned_order(client, job_ctx)
    order = (await client.get("/api/v1/orders", headers=head.headers)).json()["items"][0]
    oid, url = order["id"], f"/api/v1/orders/{order['id']}"
    assert (order["manager_id"], order["assistant_id"], order["taken_by_id"]) == (None, None, head.id)
    assert order["client_id"] is not None
    assert "assign" in order["allowed_actions"]
    # Until it is assigned the dispatcher has its tasks, and nobody else can read it or its client.
    assert await _tasks_of(client, head, oid) == [("clarify", "open")]
    problem(await client.get(url, headers=assistant.headers), 404)
    problem(await client.get(f"/api/v1/clients/{order['client_id']}", headers=assistant.headers), 404)

    # Only a head assigns, and only an assistant and a manager who exist.
    body = {"assistant_id": assistant.id, "manager_id": manager.id}
    problem(await client.post(f"{url}/assign", headers=manager.headers, json=body), 403)
    bad = await client.post(f"{url}/assign", headers=head.headers, json=body | {"assistant_id": manager.id})
    assert problem(bad, 422)["errors"][0]["field"] == "assistant_id"
    bad = await client.post(f"{url}/assign", headers=head.headers, json=body | {"manager_id": 999_999})
    assert problem(bad, 422)["errors"][0]["field"] == "manager_id"
    problem(
        await client.post(f"{url}/assign", headers=head.headers, json={"assistant_id": assistant.id}), 422
    )
    problem(await client.post(f"{url}/assign", headers=head.headers | {"If-Match": '"99"'}, json=body), 412)
    assert (await client.get(url, headers=head.headers)).json()["assistant_id"] is None

    assigned = await client.post(f"{url}/assign", headers=head.headers, json=body)
    assert assigned.status_code == 200, assigned.text
    assert (assigned.json()["assistant_id"], assigned.json()["manager_id"]) == (assistant.id, manager.id)
    # The clarification moves to the manager; the assistant now reads the order and the client.
    assert await _tasks_of(client, head, oid) == []
    assert await _tasks_of(client, manager, oid) == [("clarify", "open")]
    assert (await client.get(url, headers=assistant.headers)).status_code == 200
    card = await client.get(f"/api/v1/clients/{order['client_id']}", headers=assistant.headers)
    assert card.status_code == 200, card.text

    # The assistant works it: the lines, then the invoice.
    products = await app.state.erp.search_products("Костюм", 100)
    item = next(p for p in products if p.stock >= 5 and p.height)
    clarified = await client.post(
        f"{url}/clarify",
        headers=assistant.headers,
        json={"lines": [{"product_id": item.id, "price_category": "Оптовая", "quantity": 5}]},
    )
    assert clarified.json()["status"] == "accepted", clarified.text
    invoiced = await client.post(f"{url}/invoice", headers=assistant.headers)
    assert invoiced.status_code == 201, invoiced.text

    # Given to others: the history keeps both, the work done stays credited to who did it.
    moved = await client.post(
        f"{url}/assign",
        headers=head.headers,
        json={"assistant_id": other_assistant.id, "manager_id": other_manager.id},
    )
    assert moved.status_code == 200, moved.text
    history = (await client.get(f"{url}/history", headers=head.headers)).json()["items"]
    assigns = [(e["before"], e["after"]) for e in history if e["action"] == "assign"]
    assert assigns == [
        ({"assistant_id": None, "manager_id": None}, body),
        (body, {"assistant_id": other_assistant.id, "manager_id": other_manager.id}),
    ]
    week = {"date_from": "2026-11-30", "date_to": "2026-12-06"}
    stats = (await client.get("/api/v1/statistics", headers=head.headers, params=week)).json()
    orders = next(s for s in stats["sections"] if s["key"] == "orders")
    # Each measure comes with the name the printed report gives it.
    assert (orders["labels"]["received"], orders["labels"]["received_to_invoiced"]) == (
        "Получено",
        "Заявка → счёт",
    )
    invoiced_by = {row["employee_id"]: row["invoiced"] for row in orders["by_employee"]}
    assert invoiced_by.get(assistant.id) == 1
    assert invoiced_by.get(other_assistant.id, 0) == 0


async def test_a_closed_order_is_not_assigned(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD, department="administration")
    assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    created = await client.post(
        "/api/v1/orders", headers=head.headers, json={"channel": "phone", "raw_text": "Костюмы", "lines": []}
    )
    url = f"/api/v1/orders/{created.json()['id']}"
    await client.post(f"{url}/cancel", headers=head.headers, json={"reason": "Дубль"})
    refused = await client.post(
        f"{url}/assign", headers=head.headers, json={"assistant_id": assistant.id, "manager_id": manager.id}
    )
    assert problem(refused, 409)["code"] == "invalid_transition"
