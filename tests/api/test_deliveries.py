"""Delivery agreement and its checklist: bad input is refused, shipping waits for the checklist."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.outbox import OutboundMessage
from tests.api.test_fulfilment import _approved_order
from tests.support.helpers import problem


async def _ready_order(client: httpx.AsyncClient, app: Any, make_user: Any) -> tuple[int, Any]:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    supply = await make_user(Role.SUPPLY, department="supply")
    order, _, _ = await _approved_order(client, app, assistant, head)
    url = f"/api/v1/orders/{order['id']}"
    await client.post(f"{url}/fulfil", headers=assistant.headers)
    await client.post(f"{url}/send-to-warehouse", headers=assistant.headers)
    await client.post(f"{url}/warehouse-accepted", headers=keeper.headers)
    book = (await client.get("/api/v1/requisitions", headers=supply.headers)).json()["items"]
    await client.post(f"/api/v1/requisitions/{book[0]['id']}/arrived", headers=supply.headers, json={})
    assert (await client.post(f"{url}/ready", headers=keeper.headers)).json()["status"] == "ready"
    return order["id"], assistant


async def test_delivery_rules(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    order_id, assistant = await _ready_order(client, app, make_user)
    h = assistant.headers
    url = f"/api/v1/orders/{order_id}"
    problem(await client.post(f"{url}/ship", headers=h), 404)  # no delivery agreed yet
    bad = [
        ({"method": "own_driver", "planned_on": "2026-11-30", "address": "x"}, "planned_on"),
        ({"method": "transport_company", "planned_on": "2026-12-02"}, "carrier"),
        ({"method": "own_driver", "planned_on": "2026-12-02"}, "address"),
        (
            {"method": "pickup", "planned_on": "2026-12-02", "window_from": "12:00", "window_to": "10:00"},
            "window_to",
        ),
        ({"method": "drone", "planned_on": "2026-12-02"}, "method"),
        ({"method": "pickup", "planned_on": "2026-02-30"}, "planned_on"),
    ]
    for payload, field in bad:
        problem(await client.post(f"{url}/delivery", headers=h, json=payload), 422, field)

    agreed = await client.post(
        f"{url}/delivery",
        headers=h,
        json={"method": "transport_company", "carrier": "ТК «Деловые линии»", "planned_on": "2026-12-02"},
    )
    assert agreed.status_code == 201, agreed.text
    keys = [x["key"] for x in agreed.json()["checklist"]]
    assert keys == ["carrier_from_manager", "upd", "printed", "upd_to_warehouse", "driver_message"]
    problem(
        await client.post(
            f"{url}/delivery", headers=h, json={"method": "pickup", "planned_on": "2026-12-02"}
        ),
        409,
    )
    problem(await client.post(f"{url}/delivery/checklist/shelf", headers=h), 422, "item")
    ticked = await client.post(f"{url}/delivery/checklist/upd", headers=h)
    assert ticked.json()["checklist"][1]["done_by"] == assistant.id
    again = problem(await client.post(f"{url}/delivery/checklist/upd", headers=h), 409)
    assert (again["item"], again["item_title"]) == ("upd", "УПД подготовлен")
    refused = problem(await client.post(f"{url}/ship", headers=h), 409)
    assert "УПД распечатан" in refused["detail"]
    # A 409 names the items by their keys, the titles beside.
    assert refused["missing"] == ["carrier_from_manager", "printed", "upd_to_warehouse", "driver_message"]
    assert refused["titles"]["printed"] == "УПД распечатан"
    assert set(refused["titles"]) == set(refused["missing"])
    # The driver is told to take the goods to the carrier only with the УПД at the warehouse.
    early = problem(await client.post(f"{url}/delivery/checklist/driver_message", headers=h), 409)
    assert "УПД отнесён на склад" in early["detail"]
    assert early["missing"] == ["carrier_from_manager", "printed", "upd_to_warehouse"]
    for key in ("carrier_from_manager", "printed", "upd_to_warehouse", "driver_message"):
        await client.post(f"{url}/delivery/checklist/{key}", headers=h)
    shipped = (await client.post(f"{url}/ship", headers=h)).json()
    assert shipped["status"] == "shipped"
    # The shipment makes the invoice a debt from today; paid in advance, its due date stays.
    invoices = await client.get("/api/v1/invoices", headers=h, params={"client_id": shipped["client_id"]})
    [invoice] = invoices.json()["items"]
    assert (invoice["shipped_on"], invoice["due_on"]) == ("2026-12-01", "2026-12-08")
    problem(
        await client.post(f"{url}/received", headers=h, json={"received_on": "2026-12-25"}),
        422,
        "received_on",
    )
    assert (await client.post(f"{url}/received", headers=h, json={})).json()["status"] == "delivered"
    problem(await client.post(f"{url}/feedback", headers=h, json={"rating": 6}), 422, "rating")
    closed = await client.post(
        f"{url}/feedback", headers=h, json={"rating": 4, "comment": "Задержка на день"}
    )
    assert closed.json()["status"] == "closed"
    delivery = (await client.get(f"{url}/delivery", headers=h)).json()
    assert (delivery["rating"], delivery["feedback"]) == (4, "Задержка на день")


async def test_the_driver_is_messaged_only_after_the_documents_are_on_the_shelf(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any
) -> None:
    order_id, assistant = await _ready_order(client, app, make_user)
    h = assistant.headers
    url = f"/api/v1/orders/{order_id}"
    agreed = await client.post(
        f"{url}/delivery",
        headers=h,
        json={"method": "own_driver", "planned_on": "2026-12-02", "address": "г. Череповец, ул. Мира, 1"},
    )
    assert agreed.status_code == 201, agreed.text
    # The message is shown as it will be posted before anything is posted.
    shelf = "Документы на полке водителя."
    message = f"Заявка №{order_id}: доставка 02.12.2026, адрес: г. Череповец, ул. Мира, 1. {shelf}"
    assert agreed.json()["driver_message"] == message

    async def driver_posts() -> list[OutboundMessage]:
        async with job_ctx.session_factory() as session:
            query = select(OutboundMessage).where(OutboundMessage.channel == "delivery")
            return list((await session.scalars(query)).all())

    for key in ("invoice", "upd", "certificates", "contract", "printed"):
        assert (await client.post(f"{url}/delivery/checklist/{key}", headers=h)).status_code == 200
    # The documents are printed but not on the driver's shelf yet: no message, nothing written.
    before = (await client.get(f"{url}/delivery", headers=h)).json()
    refused = problem(await client.post(f"{url}/delivery/checklist/driver_message", headers=h), 409)
    assert "Документы на полке водителя" in refused["detail"]
    assert "Документы распечатаны" not in refused["detail"]
    assert (await client.get(f"{url}/delivery", headers=h)).json() == before
    assert await driver_posts() == []

    assert (await client.post(f"{url}/delivery/checklist/on_driver_shelf", headers=h)).status_code == 200
    ticked = await client.post(f"{url}/delivery/checklist/driver_message", headers=h)
    assert ticked.status_code == 200, ticked.text
    assert all(x["done_at"] for x in ticked.json()["checklist"])
    problem(await client.post(f"{url}/delivery/checklist/driver_message", headers=h), 409)
    [post] = await driver_posts()
    assert post.body == message


async def test_the_feedback_call_completed_as_reached_closes_the_order(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    """The feedback call's task, completed as reached with what the client said, records the
    order's feedback and closes the order, as the order's own feedback does; not reached, the order
    waits for the next call."""
    order_id, assistant = await _ready_order(client, app, make_user)
    h = assistant.headers
    url = f"/api/v1/orders/{order_id}"
    await client.post(f"{url}/delivery", headers=h, json={"method": "pickup", "planned_on": "2026-12-02"})
    await client.post(f"{url}/delivery/checklist/client_called", headers=h)
    assert (await client.post(f"{url}/ship", headers=h)).json()["status"] == "shipped"
    assert (await client.post(f"{url}/received", headers=h, json={})).json()["status"] == "delivered"

    async def feedback_call() -> dict[str, Any]:
        tasks = await client.get(
            "/api/v1/tasks",
            headers=h,
            params={"subject_type": "order", "subject_id": order_id, "kind": "call", "status": "open"},
        )
        [call] = [t for t in tasks.json()["items"] if t["purpose"] == "feedback_call"]
        return call  # type: ignore[no-any-return]

    async def order_status() -> str:
        return str((await client.get(url, headers=h)).json()["status"])

    call = await feedback_call()
    complete = f"/api/v1/tasks/{call['id']}/complete"
    # Reached, the call's result is the order's feedback: without it, nothing changes.
    problem(await client.post(complete, headers=h, json={"reached": True}), 422, "result")
    assert await order_status() == "delivered"

    # Not reached: the task is done, the order still waits, and the next feedback call is set for
    # the next working day by the service, not by somebody remembering it.
    missed = await client.post(complete, headers=h, json={"reached": False, "result": "Не отвечают"})
    assert missed.json()["status"] == "done", missed.text
    assert await order_status() == "delivered"
    again = await feedback_call()
    assert again["id"] != call["id"]
    assert (again["title"], again["assignee_id"]) == (call["title"], assistant.id)
    # A call of the same order made by hand with the same title is not the feedback call: only the
    # one the delivery set closes the order.
    by_hand = await client.post(
        "/api/v1/tasks",
        headers=h,
        json={
            "kind": "call", "title": call["title"], "subject_type": "order", "subject_id": order_id,
            "assignee_id": assistant.id, "due_in_working_days": 1,
        },
    )  # fmt: skip
    assert by_hand.json()["purpose"] is None, by_hand.text
    other = await client.post(
        f"/api/v1/tasks/{by_hand.json()['id']}/complete",
        headers=h,
        json={"reached": True, "result": "Перезвонили по другому вопросу"},
    )
    assert other.json()["status"] == "done", other.text
    assert await order_status() == "delivered"

    done = await client.post(
        f"/api/v1/tasks/{again['id']}/complete",
        headers=h,
        json={"reached": True, "result": "Всё хорошо, спасибо"},
    )
    assert (done.json()["status"], done.json()["reached"]) == ("done", True), done.text
    assert await order_status() == "closed"
    delivery = (await client.get(f"{url}/delivery", headers=h)).json()
    assert (delivery["rating"], delivery["feedback"]) == (None, "Всё хорошо, спасибо")
    history = (await client.get(f"{url}/history", headers=h)).json()["items"]
    [closing] = [e for e in history if e["after"] and e["after"].get("status") == "closed"]
    assert (closing["after"]["status"], closing["after"]["comment"]) == ("closed", "Всё хорошо, спасибо")
    assert closing["after"]["task_id"] == again["id"]
    # The order's own feedback has nothing left to close.
    problem(await client.post(f"{url}/feedback", headers=h, json={"rating": 5}), 409)
