"""A vector logo on the spec: an SVG is drawn (with only its drawing kept), a PDF from its first page;
one that cannot be drawn is named; the original goes to the workshop. Delivery waits for the spec's
shipping documents. A spec taken for an order whose invoice 1C already has writes that invoice
again, every line «procure separately», once."""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.adapters.chat.stub import StubChat
from app.core.errors import FieldError
from app.models.events import Event
from app.models.invoices import Invoice
from app.models.outbox import OutboundMessage
from app.services.media.svg import drawable_svg
from app.worker.jobs import register_invoice, sweep
from tests.api.test_spec_walk import (
    DETAILS,
    if_match,
    order_for_spec,
    people,
    run_jobs,
    spec_at_goods_ready,
)
from tests.conftest import RecordingQueue
from tests.support.helpers import problem
from tests.support.logos import bomb_png, pdf_logo
from tests.support.pdf import image_xobjects, pdf_text

SVG = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"
     width="240" height="80" viewBox="0 0 240 80" onload="alert('x')">
  <style>@import url(http://tracker.example/a.css); .mark { fill: #1a3c8c; }</style>
  <script>fetch('http://tracker.example/b')</script>
  <image xlink:href="http://tracker.example/c.png" width="10" height="10"/>
  <foreignObject width="10" height="10"><p>чужое</p></foreignObject>
  <rect class="mark" width="240" height="80" rx="8" style="stroke: url(http://tracker.example/d)"/>
  <text x="16" y="52" font-size="32" fill="#ffffff">ВолгаСтальМонтаж</text>
</svg>
""".encode()
PDF_LOGO = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


async def _logo_spec(client: httpx.AsyncClient, app: Any, p: Any) -> str:
    order = await order_for_spec(client, app, p)
    created = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": order["id"], "received_via": "in_person", "details": DETAILS["logo"]},
    )
    assert created.status_code == 201, created.text
    return f"/api/v1/specs/{created.json()['id']}"


async def test_an_svg_logo_is_drawn_on_both_copies_with_only_its_drawing(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    url = await _logo_spec(client, app, p)
    a = p.assistant.headers
    taken = await client.put(f"{url}/logo", headers=a, files={"file": ("знак.svg", SVG)})
    assert taken.status_code == 200, taken.text
    assert taken.json()["logo_content_type"] == "image/svg+xml"
    # The original is kept as sent; the printed drawing has nothing that reads or runs elsewhere.
    assert (await client.get(f"{url}/logo", headers=a)).content == SVG
    digest = hashlib.sha256(SVG).hexdigest()
    stored = await app.state.storage.get(f"specs/{taken.json()['id']}/logo-{digest}-print.svg")
    drawing = stored.content.decode()
    assert "ВолгаСтальМонтаж" in drawing
    for gone in ("script", "onload", "tracker.example", "foreignObject", "image", "чужое"):
        assert gone not in drawing, gone
    assert "#1a3c8c" in drawing

    text = pdf_text((await client.get(f"{url}/pdf", headers=a)).content)
    # The text inside the SVG is drawn, once on each copy; the file name is printed too.
    assert text.count("ВолгаСтальМонтаж") == 2
    assert "Файл логотипа: знак.svg" in text
    assert "Векторный оригинал" not in text


async def test_a_pdf_logo_is_named_and_noted_as_attached(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    url = await _logo_spec(client, app, p)
    a = p.assistant.headers
    taken = await client.put(f"{url}/logo", headers=a, files={"file": ("logo-vector.pdf", PDF_LOGO)})
    assert taken.status_code == 200, taken.text
    text = pdf_text((await client.get(f"{url}/pdf", headers=a)).content)
    assert text.count("Файл логотипа: logo-vector.pdf") == 2
    assert text.count("Векторный оригинал логотипа приложен к сообщению в чат цеха") == 2


async def test_a_pdf_logo_is_drawn_from_its_first_page(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    url = await _logo_spec(client, app, p)
    a = p.assistant.headers
    unreadable = await client.put(f"{url}/logo", headers=a, files={"file": ("logo-vector.pdf", PDF_LOGO)})
    named_only = image_xobjects((await client.get(f"{url}/pdf", headers=a)).content)
    logo = pdf_logo()
    taken = await client.put(
        f"{url}/logo", headers=a | if_match(unreadable.json()), files={"file": ("знак ВСМ.pdf", logo)}
    )
    assert taken.status_code == 200, taken.text
    assert taken.json()["logo_content_type"] == "application/pdf"
    # The original is kept and given back as sent; the print copy is a picture of its first page.
    assert (await client.get(f"{url}/logo", headers=a)).content == logo
    digest = hashlib.sha256(logo).hexdigest()
    stored = await app.state.storage.get(f"specs/{taken.json()['id']}/logo-{digest}-print.jpg")
    assert stored is not None
    assert stored.content_type == "image/jpeg"

    spec_pdf = (await client.get(f"{url}/pdf", headers=a)).content
    assert image_xobjects(spec_pdf) == named_only + 1  # the one picture, on both copies
    text = pdf_text(spec_pdf)
    assert text.count("Файл логотипа: знак ВСМ.pdf") == 2
    assert "Векторный оригинал" not in text


async def test_an_svg_that_declares_entities_or_is_broken_is_refused(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    url = await _logo_spec(client, app, p)
    a = p.assistant.headers
    before = (await client.get(url, headers=a)).json()
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>'
    )
    broken = b'<svg xmlns="http://www.w3.org/2000/svg"><g><rect width="1"></svg>'
    foreign = b'<svg xmlns="http://example.com/not-svg" width="1" height="1"/>'
    for content, reason in ((bomb, "not a logo"), (broken, "cannot be read"), (foreign, "not an SVG")):
        body = problem(
            await client.put(f"{url}/logo", headers=a, files={"file": ("l.svg", content)}), 422, "file"
        )
        assert body["code"] == "not_a_logo"
        assert reason in body["detail"], body
    after = (await client.get(url, headers=a)).json()
    assert (after["logo_filename"], after["revision"], after["version"]) == (None, 1, before["version"])
    # Entities are refused by the drawing's own check too, not only by the upload's sniffing.
    with pytest.raises(FieldError, match="entities"):
        drawable_svg(bomb)


async def test_a_picture_logo_too_large_to_decode_is_refused_as_too_large(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    url = await _logo_spec(client, app, p)
    a = p.assistant.headers
    before = (await client.get(url, headers=a)).json()
    body = problem(
        await client.put(f"{url}/logo", headers=a, files={"file": ("logo.png", bomb_png(), "image/png")}),
        422,
        "file",
    )
    assert body["errors"][0]["code"] == "file_too_large"
    after = (await client.get(url, headers=a)).json()
    assert (after["logo_filename"], after["version"]) == (None, before["version"])


async def test_delivery_waits_for_the_shipping_documents_of_the_spec(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> None:
    job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    spec_order, url = await spec_at_goods_ready(client, app, p, job_ctx, queue)
    await run_jobs(queue, job_ctx)
    oid = int(spec_order["id"])
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert order["status"] == "ready"
    agree = {"method": "pickup", "planned_on": "2026-12-02"}

    refused = await client.post(f"/api/v1/orders/{oid}/delivery", headers=a | if_match(order), json=agree)
    body = problem(refused, 409)
    assert body["code"] == "no_shipping_documents"
    assert "УПД" in body["detail"]
    # Asked for but not made in 1C yet: still refused.
    await client.post(f"{url}/shipping-documents", headers=a)
    assert (
        problem(await client.post(f"/api/v1/orders/{oid}/delivery", headers=a, json=agree), 409)["code"]
        == "no_shipping_documents"
    )
    after = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert (after["status"], after["version"]) == ("ready", order["version"])
    problem(await client.get(f"/api/v1/orders/{oid}/delivery", headers=a), 404)

    # 1C made the УПД: delivery is agreed.
    await run_jobs(queue, job_ctx)
    assert (await client.get(url, headers=a)).json()["status"] == "documents_issued"
    agreed = await client.post(f"/api/v1/orders/{oid}/delivery", headers=a, json=agree)
    assert agreed.status_code in (200, 201), agreed.text
    assert (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()["status"] == "delivery_agreed"


async def test_a_spec_for_an_invoice_1c_has_writes_it_again_procure_separately_once(
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
    writes: list[str] = []
    update = erp.update_invoice

    async def counted(invoice_id: str, invoice: Any) -> None:
        writes.append(invoice_id)
        await update(invoice_id, invoice)

    monkeypatch.setattr(erp, "update_invoice", counted)
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a)).json()
    assert await run_jobs(queue, job_ctx) == ["register_invoice"]
    async with session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    assert [line.procure for line in erp.invoice(onec_id).lines] == [False, False]

    # The spec comes after the invoice reached 1C: it is written again, every line «procure separately».
    created = await client.post(
        "/api/v1/specs",
        headers=a,
        json={"order_id": order["id"], "received_via": "in_person", "details": DETAILS["tailoring"]},
    )
    assert created.status_code == 201, created.text
    book = (
        await client.get("/api/v1/requisitions", headers=p.supply.headers, params={"order_id": order["id"]})
    ).json()["items"]
    assert [(r["quantity"], r["status"]) for r in book] == [(10, "requested"), (3, "requested")]
    assert [(f, args) for f, args, _ in queue.jobs] == [("register_invoice", (invoice["id"],))]
    assert await run_jobs(queue, job_ctx) == ["register_invoice"]
    assert writes == [onec_id]
    assert [line.procure for line in erp.invoice(onec_id).lines] == [True, True]

    # Run again, or found by the sweep later: nothing more goes to 1C.
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    clock.advance(timedelta(minutes=5))
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]
    assert writes == [onec_id]
    async with session_factory() as session:
        stored = await session.get(Invoice, invoice["id"])
        assert (stored.onec_id, stored.onec_procure) == (onec_id, True)
        actions = list(
            await session.scalars(
                select(Event.action).where(Event.entity_type == "invoice", Event.entity_id == invoice["id"])
            )
        )
    assert actions.count("procure_separately_in_1c") == 1


async def test_a_lost_procure_job_is_taken_again_by_the_sweep(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    clock: Any,
    session_factory: Any,
) -> None:
    erp = job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a)).json()
    await run_jobs(queue, job_ctx)
    await client.post(
        "/api/v1/specs",
        headers=a,
        json={"order_id": order["id"], "received_via": "in_person", "details": DETAILS["logo"]},
    )
    queue.jobs.clear()  # Redis lost the job
    await sweep({"app": job_ctx})
    assert not [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]  # too early
    clock.advance(timedelta(minutes=3))
    await sweep({"app": job_ctx})
    jobs = [j for j in job_ctx.queue.jobs if j[0] == "register_invoice"]
    assert [args for _, args, _ in jobs] == [(invoice["id"],)]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "procure_separately"
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    async with session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    assert [line.procure for line in erp.invoice(onec_id).lines] == [True, True]


async def test_the_logo_original_posts_once_with_the_spec(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    session_factory: Any,
) -> None:
    job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    url = await _logo_spec(client, app, p)
    spec = (await client.get(url, headers=a)).json()
    oid = spec["order_id"]
    invoice = (await client.post(f"/api/v1/orders/{oid}/invoice", headers=a)).json()
    await client.post(f"{url}/invoice-to-manager", headers=a)
    await client.post(f"{url}/invoice-checked", headers=a)
    await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={})
    await client.put(f"{url}/logo", headers=a, files={"file": ("logo-vector.pdf", PDF_LOGO)})
    await client.post(f"{url}/sign", headers=p.supply.headers)
    sent = await client.post(f"{url}/send", headers=a, json={})
    assert sent.status_code == 200, sent.text
    problem(await client.post(f"{url}/send", headers=a, json={}), 409)
    async with session_factory() as session:
        posts = list(await session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "chat")))
    assert [m.channel for m in posts] == ["workshop_logos", "workshop_logos"]
    documents = [m.payload["document"] for m in posts]
    key = f"specs/{spec['id']}/logo-{hashlib.sha256(PDF_LOGO).hexdigest()}.pdf"
    assert documents[1] == {"kind": "stored_file", "key": key, "filename": "logo-vector.pdf"}
    assert documents[0]["filename"].endswith("_подписано.pdf")
    # «Принято» or a remark answering either post is the workshop's answer on the spec.
    assert (
        posts[1].payload["reply"]
        == posts[0].payload["reply"]
        == {
            "kind": "workshop_accept",
            "spec_id": spec["id"],
            "order_id": oid,
        }
    )


async def test_an_svg_logo_reaches_the_workshop_chat_as_its_drawing_only(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
) -> None:
    job_ctx.erp = app.state.erp
    p = await people(make_user)
    a = p.assistant.headers
    url = await _logo_spec(client, app, p)
    oid = (await client.get(url, headers=a)).json()["order_id"]
    invoice = (await client.post(f"/api/v1/orders/{oid}/invoice", headers=a)).json()
    await client.post(f"{url}/invoice-to-manager", headers=a)
    await client.post(f"{url}/invoice-checked", headers=a)
    await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={})
    assert (await client.put(f"{url}/logo", headers=a, files={"file": ("знак.svg", SVG)})).status_code == 200
    await client.post(f"{url}/sign", headers=p.supply.headers)
    sent = await client.post(f"{url}/send", headers=a, json={})
    assert sent.status_code == 200, sent.text
    await run_jobs(queue, job_ctx)
    chat = StubChat(job_ctx.settings.chat.stub_dir)
    posts = chat.read("workshop_logos")
    assert len(posts) == 2
    assert "«знак.svg»" in posts[1]["caption"]
    assert posts[1]["filename"] == "знак.svg"
    # What the chat got is the drawing: the lettering and colours, nothing that runs or loads.
    posted = (chat.document_content(posts[1]) or b"").decode()
    assert "ВолгаСтальМонтаж" in posted
    assert "#1a3c8c" in posted
    for gone in ("<script", "onload", "alert", "tracker.example", "foreignObject", "<image"):
        assert gone not in posted, gone
    assert all(chat.document_content(post) != SVG for post in posts)
