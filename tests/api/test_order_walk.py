"""The whole of process 1, scripted: from an amoCRM webhook to the feedback call, with one line in
stock and one procured; the invoice PDF and the warehouse Excel are opened and checked."""

from __future__ import annotations

import io
from typing import Any

import httpx
import openpyxl
from pypdf import PdfReader

from app.adapters.chat import StubChat
from app.models.directory import Role
from app.worker.jobs import deliver_outbound, process_amocrm_delivery, register_invoice, sync_fulfilment
from tests.conftest import AMOCRM_ACCOUNT, AMOCRM_SECRET, RecordingQueue
from tests.support.helpers import ok

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


async def _run_jobs(queue: RecordingQueue, job_ctx: Any) -> None:
    functions = {
        "deliver_outbound": deliver_outbound,
        "process_amocrm_delivery": process_amocrm_delivery,
        "sync_fulfilment": sync_fulfilment,
        "register_invoice": register_invoice,
    }
    while queue.jobs:
        function, args, _ = queue.jobs.pop(0)
        await functions[function]({"app": job_ctx}, *args)


def _if(body: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


async def test_order_from_amocrm_to_feedback(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue, smtp: Any
) -> None:
    job_ctx.erp = app.state.erp  # the API and the worker share one 1C here
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    a = assistant.headers
    card = ok(
        await client.post(
            "/api/v1/clients",
            headers=head.headers,
            json={
                "name": "ООО «Северный металл»",
                "inn": "7801234564",
                "kpp": "780101001",
                "manager_id": manager.id,
                "assistant_id": assistant.id,
                "delivery_addresses": ["г. Череповец, ул. Заводская, д. 5"],
                "contacts": [
                    {
                        "name": "Ковалёв Андрей Петрович",
                        "level": "buyer",
                        "emails": ["snab@severmetall.example"],
                    }
                ],
            },
        ),
        201,
    )

    # 1. amoCRM: a new lead → the order, waiting for its lines.
    form = (
        f"leads[add][0][id]=31000101&leads[add][0][status_id]=61000001&leads[add][0][pipeline_id]=7001001"
        f"&account[id]={AMOCRM_ACCOUNT}&account[subdomain]=example"
    )
    ok(await client.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", content=form, headers=FORM))
    await _run_jobs(queue, job_ctx)
    orders = ok(await client.get("/api/v1/orders", headers=a))["items"]
    assert len(orders) == 1
    order = orders[0]
    assert (order["client_id"], order["status"]) == (card["id"], "needs_clarification")

    # 2. The manager names the lines: one item in stock, one that must be procured.
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 4 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    order = ok(
        await client.post(
            f"/api/v1/orders/{order['id']}/clarify",
            headers=a | _if(order),
            json={
                "lines": [
                    {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 4},
                    {"product_id": missing.id, "price_category": "Оптовая", "quantity": 6},
                ]
            },
        )
    )
    assert order["status"] == "accepted"
    oid = order["id"]

    # 3–4. The invoice, emailed with its PDF, approved.
    invoice = ok(await client.post(f"/api/v1/orders/{oid}/invoice", headers=a), 201)
    sent = ok(await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={}))
    assert sent["status"] == "sent_for_approval"
    await _run_jobs(queue, job_ctx)
    mail = smtp[0].received[-1].parsed()
    assert mail["To"] == "snab@severmetall.example"
    pdf = next(mail.iter_attachments()).get_content()
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert invoice["number"] in text
    assert "Северный металл" in text
    approved = ok(
        await client.post(
            f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={"comment": "Согласовано"}
        )
    )
    assert approved["status"] == "approved"

    # 5–7. Reserve / procure, the Excel to the warehouse chat, «Принято».
    fulfilled = ok(await client.post(f"/api/v1/orders/{oid}/fulfil", headers=a))
    assert fulfilled["status"] == "fulfilment"
    sent_to = ok(await client.post(f"/api/v1/orders/{oid}/send-to-warehouse", headers=a))
    assert sent_to["status"] == "sent_to_warehouse"
    await _run_jobs(queue, job_ctx)
    chat = StubChat(job_ctx.settings.chat.stub_dir)
    posted = chat.read("warehouse_orders")[-1]
    sheet = openpyxl.load_workbook(io.BytesIO(chat.document_content(posted) or b"")).active
    values = [str(c.value) for row in sheet.iter_rows() for c in row if c.value is not None]
    assert invoice["number"] in " ".join(values)
    assert {"Резерв", "Обеспечить обособленно"} <= set(values)
    order = ok(await client.post(f"/api/v1/orders/{oid}/warehouse-accepted", headers=keeper.headers))
    assert order["status"] == "waiting_for_supply"

    # 8–11. Supply: ordered, expected (the assistant calls), arrived; the keeper's «собрано» →
    # ready (the assistant calls).
    requisitions = ok(await client.get("/api/v1/requisitions", headers=supply.headers))["items"]
    assert [(r["status"], r["product_id"]) for r in requisitions] == [("requested", missing.id)]
    requisition = requisitions[0]
    r_url = f"/api/v1/requisitions/{requisition['id']}"
    for step, body in (("ordered", {}), ("expected", {"expected_on": "2026-12-07"}), ("arrived", {})):
        requisition = ok(await client.post(f"{r_url}/{step}", headers=supply.headers, json=body))
        assert requisition["status"] == step
    order = ok(await client.get(f"/api/v1/orders/{oid}", headers=a))
    assert order["status"] == "waiting_for_supply"
    order = ok(await client.post(f"/api/v1/orders/{oid}/ready", headers=keeper.headers))
    assert order["status"] == "ready"

    # 12. Delivery by our own driver, the checklist, the driver's message, shipped, received.
    delivery = ok(
        await client.post(
            f"/api/v1/orders/{oid}/delivery",
            headers=a,
            json={
                "method": "own_driver",
                "planned_on": "2026-12-03",
                "window_from": "10:00",
                "window_to": "13:00",
            },
        ),
        201,
    )
    assert (delivery["method"], delivery["planned_on"]) == ("own_driver", "2026-12-03")
    assert delivery["address"] == "г. Череповец, ул. Заводская, д. 5"
    for item in [x["key"] for x in delivery["checklist"]]:
        checked = ok(await client.post(f"/api/v1/orders/{oid}/delivery/checklist/{item}", headers=a))
        assert [x["done_by"] for x in checked["checklist"] if x["key"] == item] == [assistant.id]
    await _run_jobs(queue, job_ctx)
    assert "Заводская" in chat.read("delivery")[-1]["text"]
    shipped = ok(await client.post(f"/api/v1/orders/{oid}/ship", headers=a))
    assert shipped["status"] == "shipped"
    received = ok(await client.post(f"/api/v1/orders/{oid}/received", headers=a, json={}))
    assert received["status"] == "delivered"

    # The feedback call closes it.
    order = ok(
        await client.post(
            f"/api/v1/orders/{oid}/feedback", headers=a, json={"rating": 5, "comment": "Всё хорошо, спасибо"}
        )
    )
    assert order["status"] == "closed"
    assert order["allowed_actions"] == []
    tasks = ok(await client.get("/api/v1/tasks", headers=head.headers, params={"subject_id": oid}))["items"]
    kinds = [(t["kind"], t["status"]) for t in tasks]
    assert ("clarify", "done") in kinds
    assert [t for t in tasks if t["status"] == "open" and t["title"].startswith("Обратная связь")] == []
    history = [
        e["action"]
        for e in ok(await client.get(f"/api/v1/orders/{oid}/history", headers=a, params={"limit": 200}))[
            "items"
        ]
    ]
    for step in (
        "received",
        "clarification_requested",
        "accepted",
        "invoice",
        "send_for_approval",
        "approve",
        "fulfil",
        "send_to_warehouse",
        "warehouse_accept",
        "ready",
        "agree_delivery",
        "ship",
        "receive",
        "close",
    ):
        assert step in history, step
