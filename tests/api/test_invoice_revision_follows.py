"""A revision the client asked for (regulation, process 1, step 4) is what happens after it: the
order's lines take the agreed quantities (reserve / procure, the requisition book, the warehouse's
Excel read them), and 1C gets the revised invoice from the worker, once for each revision."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
from sqlalchemy import select

from app.adapters.chat import StubChat
from app.models.directory import Role
from app.models.events import Event
from app.models.invoices import Invoice
from app.models.orders import OrderLine
from app.services.documents.warehouse_xlsx import FIRST_LINE_ROW, QUANTITY_COLUMN
from app.services.invoices.service import InvoiceService
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, register_invoice, sweep, sync_fulfilment
from tests.conftest import RecordingQueue

FUNCTIONS = {
    "deliver_outbound": deliver_outbound,
    "register_invoice": register_invoice,
    "sync_fulfilment": sync_fulfilment,
}


async def _run_jobs(queue: RecordingQueue, job_ctx: Any) -> list[tuple[str, str]]:
    results = []
    while queue.jobs:
        function, args, _ = queue.jobs.pop(0)
        results.append((function, await FUNCTIONS[function]({"app": job_ctx}, *args)))
    return results


async def _invoice(client: httpx.AsyncClient, app: Any, make_user: Any, inn: str) -> tuple[Any, Any, Any]:
    """An invoice of two lines: 3 suits in stock, 12 not in stock."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 3 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Чистый Город»", "inn": inn, "kpp": "352801001", "assistant_id": assistant.id},
    )
    assert card.status_code == 201, card.text
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "mailbox",
            "client_id": card.json()["id"],
            "lines": [
                {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 3},
                {"product_id": missing.id, "price_category": "Оптовая", "quantity": 12},
            ],
        },
    )
    assert order.json()["status"] == "accepted", order.text
    invoice = await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    assert invoice.status_code == 201, invoice.text
    return assistant, order.json(), invoice.json()


async def _revise(client: httpx.AsyncClient, assistant: Any, invoice: dict[str, Any]) -> dict[str, Any]:
    """The client wants 2 of the first line, not 3, and 8 of the second, not 12."""
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"})
    await client.post(f"{url}/request-changes", headers=assistant.headers, json={"comment": "Нужно 2 и 8"})
    revised = await client.post(
        f"{url}/revise",
        headers=assistant.headers,
        json={
            "reason": "по письму клиента",
            "lines": [{"position": 1, "quantity": 2}, {"position": 2, "quantity": 8}],
        },
    )
    assert revised.status_code == 200, revised.text
    assert [x["quantity"] for x in revised.json()["lines"]] == [2, 8]
    return dict(revised.json())


def _counted_writes(erp: Any, monkeypatch: Any) -> list[str]:
    writes: list[str] = []
    update = erp.update_invoice

    async def counted(invoice_id: str, document: Any) -> None:
        writes.append(invoice_id)
        await update(invoice_id, document)

    monkeypatch.setattr(erp, "update_invoice", counted)
    return writes


async def _events(session_factory: Any, entity_type: str, entity_id: int) -> list[Event]:
    async with session_factory() as session:
        query = select(Event).where(Event.entity_type == entity_type, Event.entity_id == entity_id)
        return list(await session.scalars(query.order_by(Event.id)))


async def test_a_revision_reaches_the_order_lines_the_warehouse_file_and_1c_once(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
    clock: Any,
    monkeypatch: Any,
) -> None:
    erp = job_ctx.erp = app.state.erp
    writes = _counted_writes(erp, monkeypatch)
    assistant, order, invoice = await _invoice(client, app, make_user, inn10("352804711"))
    a = assistant.headers
    assert await _run_jobs(queue, job_ctx) == [("register_invoice", "registered")]
    async with session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    assert [line.quantity for line in erp.invoice(onec_id).lines] == [3, 12]

    revised = await _revise(client, assistant, invoice)

    # The order's lines follow, and its history says so.
    async with session_factory() as session:
        lines = await session.scalars(
            select(OrderLine).where(OrderLine.order_id == order["id"]).order_by(OrderLine.position)
        )
        assert [line.quantity for line in lines] == [2, 8]
    revise = [e for e in await _events(session_factory, "order", order["id"]) if e.action == "revise"]
    assert revise[-1].after["quantities"] == {
        "1": {"before": 3, "after": 2},
        "2": {"before": 12, "after": 8},
    }

    # The worker writes the revision to 1C after the commit: once.
    jobs = [(f, args) for f, args, _ in queue.jobs if f == "register_invoice"]
    assert jobs == [("register_invoice", (invoice["id"],))]
    results = await _run_jobs(queue, job_ctx)
    assert [r for r in results if r[0] == "register_invoice"] == [("register_invoice", "revised")]
    in_1c = erp.invoice(onec_id)
    assert [line.quantity for line in in_1c.lines] == [2, 8]
    assert [line.price for line in in_1c.lines] == [Decimal(x["price"]) for x in revised["lines"]]
    assert writes == [onec_id]
    # A second run, or the sweep later, changes nothing.
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    clock.advance(timedelta(minutes=5))
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]
    assert writes == [onec_id]
    assert erp.invoice(onec_id) == in_1c
    actions = [e.action for e in await _events(session_factory, "invoice", invoice["id"])]
    assert actions.count("revised_in_1c") == 1

    # Approved: the reservation, the requisition book and the warehouse's Excel have the agreed 2 and 8.
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=a, json={"email": "buyer@client.example.ru"})
    assert (await client.post(f"{url}/approve", headers=a, json={})).json()["status"] == "approved"
    o_url = f"/api/v1/orders/{order['id']}"
    assert (await client.post(f"{o_url}/fulfil", headers=a)).status_code == 200
    assert (await client.post(f"{o_url}/send-to-warehouse", headers=a)).status_code == 200
    await _run_jobs(queue, job_ctx)
    supply = await make_user(Role.SUPPLY, department="supply")
    book = await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": order["id"]})
    assert [r["quantity"] for r in book.json()["items"]] == [8]
    assert [r.quantity for r in await erp.requisitions(invoice["number"])] == [8]
    assert [r.quantity for r in erp.reservations(invoice["number"])] == [2]
    chat = StubChat(job_ctx.settings.chat.stub_dir)
    posted = chat.read("warehouse_orders")[-1]
    sheet = openpyxl.load_workbook(io.BytesIO(chat.document_content(posted) or b"")).active
    quantities = [sheet.cell(row=FIRST_LINE_ROW + i, column=QUANTITY_COLUMN).value for i in range(2)]
    assert quantities == [2, 8]


async def test_an_invoice_revised_before_1c_has_it_is_registered_as_revised_once(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
    monkeypatch: Any,
) -> None:
    erp = job_ctx.erp = app.state.erp
    writes = _counted_writes(erp, monkeypatch)
    assistant, _order, invoice = await _invoice(client, app, make_user, inn10("352804712"))
    await _revise(client, assistant, invoice)
    # 1C was down: the registration runs after the revision and takes the invoice as it stands.
    results = await _run_jobs(queue, job_ctx)
    assert [r for r in results if r[0] == "register_invoice"] == [("register_invoice", "registered")]
    async with session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    assert [line.quantity for line in erp.invoice(onec_id).lines] == [2, 8]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    assert writes == []


async def test_a_lost_revision_job_is_taken_again_by_the_sweep(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
    clock: Any,
) -> None:
    erp = job_ctx.erp = app.state.erp
    assistant, _order, invoice = await _invoice(client, app, make_user, inn10("352804713"))
    await _run_jobs(queue, job_ctx)
    await _revise(client, assistant, invoice)
    queue.jobs.clear()  # Redis lost the job (or 1C was down)
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]  # too early
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    jobs = [args for f, args, _ in job_ctx.queue.jobs if f == "register_invoice"]
    assert jobs == [(invoice["id"],)]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "revised"
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    async with session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    assert [line.quantity for line in erp.invoice(onec_id).lines] == [2, 8]
    job_ctx.queue.jobs.clear()
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]


async def test_a_revision_made_while_the_invoice_was_on_its_way_to_1c_is_written_after_it(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
) -> None:
    erp = job_ctx.erp = app.state.erp
    assistant, _order, invoice = await _invoice(client, app, make_user, inn10("352804714"))
    queue.jobs.clear()
    # The worker reads revision 1 for 1C; the client's revision commits before it records the 1C id.
    async with job_ctx.unit_of_work() as uow:
        document = await InvoiceService(uow, erp, job_ctx.settings.company).erp_document(invoice["id"])
    assert document is not None
    revision, first = document
    await _revise(client, assistant, invoice)
    queue.jobs.clear()
    onec_id = await erp.create_invoice(first)
    async with job_ctx.unit_of_work() as uow:
        service = InvoiceService(uow, erp, job_ctx.settings.company)
        await service.record_registration(invoice["id"], onec_id, revision)
    assert [line.quantity for line in erp.invoice(onec_id).lines] == [3, 12]
    assert [args for f, args, _ in job_ctx.queue.jobs if f == "register_invoice"] == [(invoice["id"],)]
    assert await _run_jobs(job_ctx.queue, job_ctx) == [("register_invoice", "revised")]
    assert [line.quantity for line in erp.invoice(onec_id).lines] == [2, 8]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
