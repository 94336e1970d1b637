"""After approval: one line in stock is reserved, one not in stock is procured through the
requisition book; supply sets the date, the assistant is told to call; the arrival is recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.models.directory import Role
from app.services.seed import inn10
from app.worker.jobs import sweep, sync_fulfilment
from tests.support.helpers import problem


async def _approved_order(
    client: httpx.AsyncClient, app: Any, assistant: Any, head: Any
) -> tuple[dict, Any, Any]:
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 5 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "АО «Вологодский машзавод»",
            "inn": inn10("352509876"),
            "kpp": "352501001",
            "assistant_id": assistant.id,
        },
    )
    order = (
        await client.post(
            "/api/v1/orders",
            headers=assistant.headers,
            json={
                "channel": "manager_chat",
                "client_id": card.json()["id"],
                "lines": [
                    {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 5},
                    {"product_id": missing.id, "price_category": "Оптовая", "quantity": 7},
                ],
            },
        )
    ).json()
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"})
    approved = await client.post(f"{url}/approve", headers=assistant.headers, json={})
    assert approved.json()["status"] == "approved", approved.text
    return order, in_stock, missing


async def test_fulfilment_reserve_and_procure(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    order, in_stock, missing = await _approved_order(client, app, assistant, head)
    job_ctx.erp = app.state.erp  # one 1C for the API and the worker in this test

    fulfilled = await client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=assistant.headers)
    assert fulfilled.status_code == 200, fulfilled.text
    body = fulfilled.json()
    assert body["status"] == "fulfilment"
    assert [line["fulfilment"] for line in body["lines"]] == ["reserve", "procure"]
    assert [line["reserved_ref"] for line in body["lines"]] == [None, None]
    problem(await client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=assistant.headers), 409)

    book = (await client.get("/api/v1/requisitions", headers=supply.headers)).json()["items"]
    assert [(r["product_id"], r["quantity"], r["status"]) for r in book] == [(missing.id, 7, "requested")]
    assert book[0]["onec_id"] is None

    # The worker makes the reservation and the requisition-book entry in 1C, once.
    stock_before = await app.state.erp.stock(in_stock.id)
    assert await sync_fulfilment({"app": job_ctx}, order["id"]) == "synced"
    assert await sync_fulfilment({"app": job_ctx}, order["id"]) == "skipped"
    assert await app.state.erp.stock(in_stock.id) == stock_before - 5
    synced = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert synced["lines"][0]["reserved_ref"] is not None
    requisition = (await client.get(f"/api/v1/requisitions/{book[0]['id']}", headers=supply.headers)).json()
    assert requisition["onec_id"] is not None
    assert await sweep({"app": job_ctx}) is not None

    url = f"/api/v1/requisitions/{requisition['id']}"
    problem(
        await client.post(f"{url}/expected", headers=assistant.headers, json={"expected_on": "2026-12-10"}),
        403,
    )
    problem(
        await client.post(f"{url}/expected", headers=supply.headers, json={"expected_on": "2026-11-30"}),
        422,
        "expected_on",
    )
    ordered = await client.post(
        f"{url}/ordered", headers=supply.headers, json={"comment": "Заказано у фабрики"}
    )
    assert ordered.json()["status"] == "ordered"
    expected = await client.post(
        f"{url}/expected",
        headers=supply.headers | {"If-Match": f'"{ordered.json()["version"]}"'},
        json={"expected_on": "2026-12-10"},
    )
    assert expected.status_code == 200, expected.text
    assert expected.json()["expected_on"] == "2026-12-10"
    tasks = (await client.get("/api/v1/tasks/mine", headers=assistant.headers)).json()
    # (the approved invoice has its own payment reminders; these are the supply calls)
    calls = [
        t
        for t in tasks["today"] + tasks["upcoming"]
        if t["kind"] == "call" and t["subject_type"] != "invoice"
    ]
    assert len(calls) == 1
    assert "10.12.2026" in calls[0]["description"]

    problem(
        await client.post(f"{url}/arrived", headers=supply.headers, json={"arrived_on": "2026-12-24"}),
        422,
        "arrived_on",
    )
    arrived = await client.post(f"{url}/arrived", headers=supply.headers, json={})
    assert arrived.json()["status"] == "arrived"
    assert arrived.json()["arrived_on"] == "2026-12-01"
    assert arrived.json()["allowed_actions"] == []
    problem(await client.post(f"{url}/cancel", headers=supply.headers, json={"comment": "x"}), 409)
    history = (await client.get(f"{url}/history", headers=supply.headers)).json()["items"]
    assert [e["action"] for e in history] == ["order", "expect", "arrive"]


@pytest.mark.parametrize("role", [Role.WORKSHOP, Role.DRIVER])
async def test_the_book_is_closed_to_others(client: httpx.AsyncClient, make_user: Any, role: Role) -> None:
    user = await make_user(role)
    problem(await client.get("/api/v1/requisitions", headers=user.headers), 403)


async def test_warehouse_excel_accepted_then_ready_when_picked(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any
) -> None:
    import io

    import openpyxl

    from app.adapters.chat import StubChat
    from app.worker.jobs import deliver_outbound

    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    order, _in_stock, missing = await _approved_order(client, app, assistant, head)
    url = f"/api/v1/orders/{order['id']}"
    await client.post(f"{url}/fulfil", headers=assistant.headers)
    problem(await client.post(f"{url}/warehouse-accepted", headers=keeper.headers), 409)
    problem(await client.post(f"{url}/warehouse-accepted", headers=assistant.headers), 403)

    sent = await client.post(f"{url}/send-to-warehouse", headers=assistant.headers)
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent_to_warehouse"
    function, args, _ = queue.jobs[-1]
    assert function == "deliver_outbound"
    assert await deliver_outbound({"app": job_ctx}, *args) == "sent"
    posted = StubChat(job_ctx.settings.chat.stub_dir).read("warehouse_orders")
    assert len(posted) == 1
    assert posted[0]["kind"] == "document"
    assert posted[0]["filename"].endswith(".xlsx")
    assert "Принято" in posted[0]["caption"]
    content = StubChat(job_ctx.settings.chat.stub_dir).document_content(posted[0])
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    cells = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "Обеспечить обособленно" in cells
    assert "Резерв" in cells
    download = await client.get(f"{url}/warehouse.xlsx", headers=keeper.headers)
    assert download.status_code == 200
    assert download.content[:2] == b"PK"

    accepted = await client.post(f"{url}/warehouse-accepted", headers=keeper.headers)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "waiting_for_supply"

    # «Готова к отгрузке» is the keeper's «собрано»: not before every line is at the warehouse.
    early = problem(await client.post(f"{url}/ready", headers=keeper.headers), 409)
    assert (early["code"], early["missing"]) == ("not_at_warehouse", [2])
    assert early["titles"] == {"2": accepted.json()["lines"][1]["name"]}
    problem(await client.post(f"{url}/ready", headers=assistant.headers), 403)
    assert "ready" not in (await client.get(url, headers=keeper.headers)).json()["allowed_actions"]

    async def call_titles() -> list[str]:
        tasks = (await client.get("/api/v1/tasks/mine", headers=assistant.headers)).json()
        return [t["title"] for t in tasks["today"] + tasks["upcoming"] if "готова к отгрузке" in t["title"]]

    book = (
        await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": order["id"]})
    ).json()
    assert [r["product_id"] for r in book["items"]] == [missing.id]
    arrived = await client.post(
        f"/api/v1/requisitions/{book['items'][0]['id']}/arrived", headers=supply.headers, json={}
    )
    assert arrived.status_code == 200, arrived.text
    # Everything arrived but nothing picked: not ready, and no call to the client yet.
    waiting = (await client.get(url, headers=assistant.headers)).json()
    assert waiting["status"] == "waiting_for_supply"
    assert "ready" not in waiting["allowed_actions"]  # the keeper's, not the assistant's
    assert "ready" in (await client.get(url, headers=keeper.headers)).json()["allowed_actions"]
    assert await call_titles() == []

    stale = await client.post(f"{url}/ready", headers=keeper.headers | {"If-Match": '"1"'})
    problem(stale, 412)
    picked = await client.post(f"{url}/ready", headers=keeper.headers)
    assert picked.status_code == 200, picked.text
    assert picked.json()["status"] == "ready"
    assert await call_titles() == [f"Сообщить клиенту: заявка №{order['id']} готова к отгрузке"]
    problem(await client.post(f"{url}/ready", headers=keeper.headers), 409)
    history = (await client.get(f"{url}/history", headers=assistant.headers)).json()["items"]
    assert [e["action"] for e in history][-4:] == ["fulfil", "send_to_warehouse", "warehouse_accept", "ready"]
    assert history[-1]["after"]["via"] == "keeper"

    # The 1C side is made even when the order has moved on before the worker ran.
    job_ctx.erp = app.state.erp
    assert await sync_fulfilment({"app": job_ctx}, order["id"]) == "synced"
    synced = (await client.get(url, headers=assistant.headers)).json()
    assert synced["lines"][0]["reserved_ref"] is not None
