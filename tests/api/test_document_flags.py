"""Mistakes in documents: flagged by anyone, posted to «Косяки в документах», open on the document
until the fix is recorded."""

from __future__ import annotations

from typing import Any

import httpx

from app.adapters.chat import StubChat
from app.models.directory import Role
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, register_invoice
from tests.api.test_invoices import _accepted_order
from tests.support.helpers import problem


async def test_flag_an_invoice_until_fixed(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    driver = await make_user(Role.DRIVER)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804567"))
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    assert invoice["open_flags"] == []

    problem(
        await client.post(
            "/api/v1/document-flags",
            headers=driver.headers,
            json={"document_kind": "invoice", "document_ref": "2026-999999", "description": "x"},
        ),
        422,
        "document_ref",
    )
    flagged = await client.post(
        "/api/v1/document-flags",
        headers=driver.headers,
        json={
            "document_kind": "invoice",
            "document_ref": invoice["number"],
            "description": "В счёте не тот адрес доставки",
        },
    )
    assert flagged.status_code == 201, flagged.text
    flag = flagged.json()
    assert (flag["status"], flag["invoice_id"], flag["flagged_by_id"]) == ("open", invoice["id"], driver.id)
    shown = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=assistant.headers)).json()
    assert [f["description"] for f in shown["open_flags"]] == ["В счёте не тот адрес доставки"]

    for function, args, _ in list(queue.jobs):
        if function == "deliver_outbound":
            await deliver_outbound({"app": job_ctx}, *args)
    posted = StubChat(job_ctx.settings.chat.stub_dir).read("document_errors")
    assert len(posted) == 1
    assert invoice["number"] in posted[0]["text"]
    assert "не тот адрес" in posted[0]["text"]

    fixed = await client.post(
        f"/api/v1/document-flags/{flag['id']}/fixed",
        headers=assistant.headers,
        json={"note": "Счёт перевыставлен с верным адресом"},
    )
    assert fixed.json()["status"] == "fixed"
    assert fixed.json()["fixed_by_id"] == assistant.id
    problem(
        await client.post(
            f"/api/v1/document-flags/{flag['id']}/fixed", headers=assistant.headers, json={"note": "ещё раз"}
        ),
        409,
    )
    shown = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=assistant.headers)).json()
    assert shown["open_flags"] == []
    still_open = (
        await client.get("/api/v1/document-flags", headers=driver.headers, params={"status": "open"})
    ).json()
    assert still_open["items"] == []


async def test_the_invoice_is_registered_in_1c_once(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any
) -> None:
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804568"))
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    assert [(f, a) for f, a, _ in queue.jobs if f == "register_invoice"] == [
        ("register_invoice", (invoice["id"],))
    ]
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "registered"
    assert await register_invoice({"app": job_ctx}, invoice["id"]) == "skipped"
    history = (
        await client.get(f"/api/v1/invoices/{invoice['id']}/history", headers=assistant.headers)
    ).json()
    assert [e["action"] for e in history["items"]] == ["issued", "registered_in_1c"]
    onec_id = history["items"][1]["after"]["onec_id"]
    registered = app.state.erp.invoice(onec_id)
    assert registered.number == invoice["number"]
    assert len(registered.lines) == 2
