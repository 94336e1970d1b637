"""What the worker records about outside systems (1C ids and revisions, sent marks, push times) does
not move the version a person edits: a 412 means a person's data changed, not the worker's
bookkeeping."""

from __future__ import annotations

from typing import Any

import httpx

from app.models.directory import Role
from app.models.invoices import Invoice
from app.services.seed import inn10
from app.worker.jobs import register_invoice
from tests.conftest import RecordingQueue
from tests.support.helpers import problem


async def _sent_invoice(client: httpx.AsyncClient, app: Any, make_user: Any) -> tuple[Any, dict[str, Any]]:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    product = next(p for p in await app.state.erp.search_products("Костюм", 100) if p.stock >= 3)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Северный Двор»",
            "inn": inn10("352804731"),
            "kpp": "352801001",
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "mailbox",
            "client_id": card.json()["id"],
            "lines": [{"product_id": product.id, "price_category": "Оптовая", "quantity": 3}],
        },
    )
    assert order.status_code == 201, order.text
    invoice = await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    assert invoice.status_code == 201, invoice.text
    url = f"/api/v1/invoices/{invoice.json()['id']}"
    sent = await client.post(
        f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"}
    )
    assert sent.status_code == 200, sent.text
    return assistant, sent.json()


async def test_an_approval_against_the_invoice_read_before_1c_registered_it_is_applied(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
) -> None:
    job_ctx.erp = app.state.erp
    assistant, invoice = await _sent_invoice(client, app, make_user)
    url = f"/api/v1/invoices/{invoice['id']}"
    read = await client.get(url, headers=assistant.headers)
    etag = read.headers["ETag"]

    # Meanwhile the worker registers the invoice in 1C and records 1C's id on it.
    assert [f for f, _, _ in queue.jobs].count("register_invoice") == 1
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    async with session_factory() as session:
        assert (await session.get(Invoice, invoice["id"])).onec_id is not None
    assert (await client.get(url, headers=assistant.headers)).headers["ETag"] == etag

    approved = await client.post(f"{url}/approve", headers=assistant.headers | {"If-Match": etag}, json={})
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    # A person's change does move it: the same ETag is stale now.
    assert approved.headers["ETag"] != etag
    stale = await client.post(
        f"{url}/request-changes", headers=assistant.headers | {"If-Match": etag}, json={"comment": "ещё раз"}
    )
    problem(stale, 412)


async def test_bookkeeping_columns_keep_the_version_and_a_persons_columns_move_it(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any
) -> None:
    _, invoice = await _sent_invoice(client, app, make_user)
    async with session_factory() as session:
        row = await session.get(Invoice, invoice["id"])
        before = row.version
        row.onec_id, row.onec_revision, row.onec_procure = "СЧ-1", 2, True
        await session.commit()
        assert row.version == before
        row.client_comment = "Оплатим в пятницу"
        await session.commit()
        assert row.version == before + 1
    async with session_factory() as session:
        stored = await session.get(Invoice, invoice["id"])
        assert (stored.version, stored.onec_id, stored.client_comment) == (
            before + 1,
            "СЧ-1",
            "Оплатим в пятницу",
        )
