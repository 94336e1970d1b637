"""An order cancelled after the client approved its invoice: what it set going is unwound (its open
requisitions, the warehouse told, its open tasks, the invoice never chased as a debt, the assistant
asked to undo the reserve in 1C); an invoice with payments is refunded first. A requisition supply
cannot fill gives the assistant a call, instead of an order waiting for ever."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.services.seed import inn10
from app.worker.jobs import sweep
from tests.support.helpers import problem


async def _at_the_warehouse(client: httpx.AsyncClient, app: Any, make_user: Any, inn: str) -> dict[str, Any]:
    """An order of one line in stock and one to procure, approved, sent to the warehouse, accepted."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    a = assistant.headers
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Отмена»", "inn": inn10(inn), "kpp": "352801001", "assistant_id": assistant.id},
    )
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 4 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    order = await client.post(
        "/api/v1/orders",
        headers=a,
        json={
            "channel": "phone",
            "client_id": card.json()["id"],
            "lines": [
                {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 4},
                {"product_id": missing.id, "price_category": "Оптовая", "quantity": 6},
            ],
        },
    )
    oid = order.json()["id"]
    invoice = (await client.post(f"/api/v1/orders/{oid}/invoice", headers=a)).json()
    await client.post(
        f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={"email": "buh@otmena.example"}
    )
    await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={})
    await client.post(f"/api/v1/orders/{oid}/fulfil", headers=a)
    await client.post(f"/api/v1/orders/{oid}/send-to-warehouse", headers=a)
    accepted = await client.post(f"/api/v1/orders/{oid}/warehouse-accepted", headers=keeper.headers)
    assert accepted.json()["status"] == "waiting_for_supply", accepted.text
    [requisition] = (
        await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": oid})
    ).json()["items"]
    return {
        "order_id": oid,
        "client_id": card.json()["id"],
        "invoice": invoice,
        "requisition": requisition,
        "assistant": assistant,
        "supply": supply,
        "accountant": accountant,
    }


async def _open_tasks(client: httpx.AsyncClient, user: Any, order_id: int) -> list[dict[str, Any]]:
    tasks = (await client.get("/api/v1/tasks", headers=user.headers, params={"subject_id": order_id})).json()
    return [t for t in tasks["items"] if t["status"] == "open" and t["subject_type"] == "order"]


async def test_an_order_cancelled_at_the_warehouse_is_unwound(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, session_factory: Any
) -> None:
    w = await _at_the_warehouse(client, app, make_user, "352890011")
    a, oid = w["assistant"].headers, w["order_id"]

    # Supply cannot get the procured line: the assistant is to agree with the client what instead.
    r_url = f"/api/v1/requisitions/{w['requisition']['id']}"
    cancelled = await client.post(
        f"{r_url}/cancel", headers=w["supply"].headers, json={"comment": "Снято с производства"}
    )
    assert cancelled.json()["status"] == "cancelled", cancelled.text
    [call] = [
        t for t in await _open_tasks(client, w["assistant"], oid) if "не будет поставлена" in t["title"]
    ]
    assert "Снято с производства" in call["description"]
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert order["status"] == "waiting_for_supply"
    assert "cancel" in order["allowed_actions"]

    # The client withdraws: the order and its invoice are cancelled, and what they set going.
    done = await client.post(f"/api/v1/orders/{oid}/cancel", headers=a, json={"reason": "Клиент отказался"})
    assert done.json()["status"] == "cancelled", done.text
    invoice = (await client.get(f"/api/v1/invoices/{w['invoice']['id']}", headers=a)).json()
    assert (invoice["status"], invoice["allowed_actions"]) == ("cancelled", [])
    async with session_factory() as session:
        told = (
            await session.scalars(
                select(OutboundMessage).where(OutboundMessage.dedupe_key.like(f"warehouse-order:{oid}:%"))
            )
        ).all()
    assert [m.body for m in told][-1] == (
        f"Заявка по счёту № {invoice['number']} отменена: Клиент отказался. "
        "Не собирать; отложенное вернуть на склад."
    )
    [undo] = await _open_tasks(client, w["assistant"], oid)  # the supply call is cancelled with the order
    assert undo["title"] == f"Отменить в 1С счёт № {invoice['number']} (заявка №{oid} отменена)"
    history = (await client.get(f"/api/v1/invoices/{invoice['id']}/history", headers=a)).json()["items"]
    assert history[-1]["action"] == "cancel"  # as every cancellation is recorded: its action's name

    problem(await client.post(f"/api/v1/orders/{oid}/cancel", headers=a, json={"reason": "ещё раз"}), 409)

    # Never chased as a debt: past its due date the sweep opens no case for it.
    clock.set(datetime(2027, 2, 1, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 0


async def test_an_order_whose_invoice_has_payments_is_not_cancelled(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    w = await _at_the_warehouse(client, app, make_user, "352890022")
    a, oid = w["assistant"].headers, w["order_id"]
    paid = {"client_id": w["client_id"], "amount": "100.00", "paid_on": "2026-12-01"}
    assert (
        await client.post("/api/v1/payments", headers=w["accountant"].headers, json=paid)
    ).status_code == 201
    refused = problem(
        await client.post(f"/api/v1/orders/{oid}/cancel", headers=a, json={"reason": "Клиент отказался"}), 409
    )
    assert "refund" in refused["detail"]
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert order["status"] == "waiting_for_supply"
    invoice = (await client.get(f"/api/v1/invoices/{w['invoice']['id']}", headers=a)).json()
    assert (invoice["status"], Decimal(invoice["paid_total"])) == ("approved", Decimal("100.00"))
    requisition = (await client.get(f"/api/v1/requisitions/{w['requisition']['id']}", headers=a)).json()
    assert requisition["status"] == "requested"
