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
from tests.support.helpers import ok, problem


async def _at_the_warehouse(client: httpx.AsyncClient, app: Any, make_user: Any, inn: str) -> dict[str, Any]:
    """An order of one line in stock and one to procure, approved, sent to the warehouse, accepted."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    a = assistant.headers
    card = ok(
        await client.post(
            "/api/v1/clients",
            headers=head.headers,
            json={
                "name": "ООО «Отмена»",
                "inn": inn10(inn),
                "kpp": "352801001",
                "assistant_id": assistant.id,
            },
        ),
        201,
    )
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 4 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    order = ok(
        await client.post(
            "/api/v1/orders",
            headers=a,
            json={
                "channel": "phone",
                "client_id": card["id"],
                "lines": [
                    {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 4},
                    {"product_id": missing.id, "price_category": "Оптовая", "quantity": 6},
                ],
            },
        ),
        201,
    )
    assert order["status"] == "accepted"
    oid = order["id"]
    invoice = ok(await client.post(f"/api/v1/orders/{oid}/invoice", headers=a), 201)
    sent = ok(
        await client.post(
            f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={"email": "buh@otmena.example"}
        )
    )
    assert sent["status"] == "sent_for_approval"
    assert ok(await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={}))[
        "status"
    ] == ("approved")
    assert ok(await client.post(f"/api/v1/orders/{oid}/fulfil", headers=a))["status"] == "fulfilment"
    sent_to = ok(await client.post(f"/api/v1/orders/{oid}/send-to-warehouse", headers=a))
    assert sent_to["status"] == "sent_to_warehouse"
    accepted = ok(await client.post(f"/api/v1/orders/{oid}/warehouse-accepted", headers=keeper.headers))
    assert accepted["status"] == "waiting_for_supply"
    [requisition] = ok(
        await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": oid})
    )["items"]
    assert (requisition["status"], requisition["product_id"]) == ("requested", missing.id)
    return {
        "order_id": oid,
        "client_id": card["id"],
        "invoice": invoice,
        "requisition": requisition,
        "assistant": assistant,
        "supply": supply,
        "accountant": accountant,
    }


async def _open_tasks(client: httpx.AsyncClient, user: Any, order_id: int) -> list[dict[str, Any]]:
    tasks = ok(await client.get("/api/v1/tasks", headers=user.headers, params={"subject_id": order_id}))
    return [t for t in tasks["items"] if t["status"] == "open" and t["subject_type"] == "order"]


async def test_an_order_cancelled_at_the_warehouse_is_unwound(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, session_factory: Any
) -> None:
    w = await _at_the_warehouse(client, app, make_user, "352890011")
    a, oid = w["assistant"].headers, w["order_id"]

    # Supply cannot get the procured line: the assistant is to agree with the client what instead.
    r_url = f"/api/v1/requisitions/{w['requisition']['id']}"
    cancelled = ok(
        await client.post(
            f"{r_url}/cancel", headers=w["supply"].headers, json={"comment": "Снято с производства"}
        )
    )
    assert cancelled["status"] == "cancelled"
    [call] = [
        t for t in await _open_tasks(client, w["assistant"], oid) if "не будет поставлена" in t["title"]
    ]
    assert "Снято с производства" in call["description"]
    order = ok(await client.get(f"/api/v1/orders/{oid}", headers=a))
    assert order["status"] == "waiting_for_supply"
    assert "cancel" in order["allowed_actions"]

    # The client withdraws: the order and its invoice are cancelled, and what they set going.
    done = ok(
        await client.post(f"/api/v1/orders/{oid}/cancel", headers=a, json={"reason": "Клиент отказался"})
    )
    assert done["status"] == "cancelled"
    invoice = ok(await client.get(f"/api/v1/invoices/{w['invoice']['id']}", headers=a))
    assert (invoice["status"], invoice["allowed_actions"]) == ("cancelled", [])
    async with session_factory() as session:
        told = (
            await session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.dedupe_key.like(f"warehouse-order:{oid}:%"))
                .order_by(OutboundMessage.id)
            )
        ).all()
    assert [m.body for m in told][-1] == (
        f"Заявка по счёту № {invoice['number']} отменена: Клиент отказался. "
        "Не собирать; отложенное вернуть на склад."
    )
    [undo] = await _open_tasks(client, w["assistant"], oid)  # the supply call is cancelled with the order
    assert undo["title"] == f"Отменить в 1С счёт № {invoice['number']} (заявка №{oid} отменена)"
    history = ok(await client.get(f"/api/v1/invoices/{invoice['id']}/history", headers=a))["items"]
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
    order = ok(await client.get(f"/api/v1/orders/{oid}", headers=a))
    assert order["status"] == "waiting_for_supply"
    invoice = ok(await client.get(f"/api/v1/invoices/{w['invoice']['id']}", headers=a))
    assert (invoice["status"], Decimal(invoice["paid_total"])) == ("approved", Decimal("100.00"))
    requisition = ok(await client.get(f"/api/v1/requisitions/{w['requisition']['id']}", headers=a))
    assert requisition["status"] == "requested"
