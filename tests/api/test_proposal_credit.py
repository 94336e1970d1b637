"""A proposal converted for a client in debt: the order is held for a head as any new order is, and
its invoice is issued only once the head lets the order in."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from app.models.directory import Role
from app.models.invoices import Invoice
from app.models.tasks import Task
from app.services.seed import inn10
from tests.support.helpers import ok
from tests.support.receivables import ship


def if_match(body: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


async def test_a_proposal_converted_for_a_client_with_an_overdue_invoice_is_held_without_an_invoice(
    client: httpx.AsyncClient, app: Any, make_user: Any, clock: Any, job_ctx: Any
) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    a = assistant.headers
    card = ok(
        await client.post(
            "/api/v1/clients",
            headers=head.headers,
            json={
                "name": "ООО «Северная верфь»",
                "inn": inn10("352812233"),
                "kpp": "352801001",
                "manager_id": manager.id,
                "assistant_id": assistant.id,
            },
        ),
        201,
    )
    client_id = card["id"]
    # An invoice approved on Tuesday 2026-12-01, due on 2026-12-08 and never paid.
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    earlier = ok(
        await client.post(
            "/api/v1/orders",
            headers=a,
            json={
                "channel": "phone",
                "client_id": client_id,
                "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 10}],
            },
        ),
        201,
    )
    assert earlier["status"] == "accepted"
    invoice = ok(await client.post(f"/api/v1/orders/{earlier['id']}/invoice", headers=a), 201)
    url = f"/api/v1/invoices/{invoice['id']}"
    sent_invoice = ok(await client.post(f"{url}/send", headers=a, json={"email": "buh@verf.example.ru"}))
    assert sent_invoice["status"] == "sent_for_approval"
    approved_invoice = ok(await client.post(f"{url}/approve", headers=a, json={}))
    assert (approved_invoice["status"], approved_invoice["due_on"]) == ("approved", "2026-12-08")
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))  # shipped unpaid: a debt

    clock.advance(timedelta(days=8))  # 2026-12-09: the invoice is a day overdue
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    proposal = ok(
        await client.post(
            "/api/v1/proposals",
            headers=manager.headers,
            json={
                "client_id": client_id,
                "workwear_kind": "костюмы",
                "models_count": 1,
                "markup_percent": "25",
            },
        ),
        201,
    )
    proposal = ok(
        await client.post(
            f"/api/v1/proposals/{proposal['id']}/lines",
            headers=a | if_match(proposal),
            json={"product_id": suit.id, "quantity": 4},
        ),
        201,
    )
    pid = proposal["id"]
    for step, headers, body, status in (
        ("send-to-manager", a, {}, "sent_to_manager"),
        ("approve", manager.headers, {}, "approved"),
        ("send-to-client", a, {"email": "snab@verf.example.ru"}, "sent_to_client"),
        ("accept", a, {}, "accepted"),
        ("convert", a, None, "converted"),
    ):
        proposal = ok(await client.post(f"/api/v1/proposals/{pid}/{step}", headers=headers, json=body))
        assert proposal["status"] == status, step
    assert (proposal["status"], proposal["invoice_id"]) == ("converted", None)
    order_url = f"/api/v1/orders/{proposal['order_id']}"
    order = ok(await client.get(order_url, headers=a))
    assert (order["status"], order["problems"]) == ("needs_clarification", ["credit"])
    assert "просроченный долг (срок оплаты 08.12.2026)" in order["credit_hold"]
    assert "approve-credit" not in order["allowed_actions"]  # a head's to take
    seen = ok(await client.get(order_url, headers=head.headers))["allowed_actions"]
    assert "approve-credit" in seen
    history = ok(await client.get(f"{order_url}/history", headers=a))["items"]
    assert [e["action"] for e in history] == ["received", "clarification_requested"]
    async with app.state.session_factory() as session:
        invoices = await session.scalar(
            select(func.count()).select_from(Invoice).where(Invoice.order_id == order["id"])
        )
        escalations = (
            await session.scalars(
                select(Task.title).where(Task.subject_id == order["id"], Task.kind == "escalate")
            )
        ).all()
    assert invoices == 0
    assert escalations == [f"Заявка №{order['id']}: разрешить приём заявки клиента с долгом"]

    # A head lets it in: the order is accepted and its invoice issued at the proposal's prices.
    approved = ok(
        await client.post(
            f"{order_url}/approve-credit", headers=head.headers, json={"reason": "Оплата обещана до 11.12"}
        )
    )
    assert approved["status"] == "accepted"
    issued = ok(await client.post(f"{order_url}/invoice", headers=a), 201)
    assert Decimal(issued["total"]) == Decimal(proposal["total"])
    linked = ok(await client.get(f"/api/v1/proposals/{pid}", headers=a))
    assert linked["invoice_id"] == issued["id"]
