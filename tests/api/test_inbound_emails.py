"""The e-mails taken from the shared mailbox in the API: the list with its filters, one message
with what it led to and its files, and a failed message taken again; read from a real IMAP server."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from app.devimap import LocalImap
from app.models.directory import Role
from app.models.mailbox import InboundEmail, InboundKind
from app.worker.context import JobContext
from app.worker.jobs.mailbox import read_mailbox
from tests.conftest import NOW
from tests.services.test_mailbox import PDF, _client, _sent_email, letter
from tests.support.helpers import ok, problem
from tests.support.imap import append
from tests.support.receivables import add_invoice


async def test_the_list_filters_and_one_message_with_what_it_led_to_and_its_files(
    client: httpx.AsyncClient,
    mailbox_ctx: JobContext,
    imap_server: LocalImap,
    session_factory: Any,
    make_user: Any,
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    driver = await make_user(Role.DRIVER)
    client_id = await _client(session_factory, assistant.id, email="buyer@list.example.ru")
    invoice_id = await add_invoice(
        session_factory,
        client_id,
        issued_on=date(2026, 11, 30),
        due_on=date(2026, 12, 10),
        total="100.00",
        assistant_id=assistant.id,
    )
    sent_id = await _sent_email(session_factory, invoice_id, "buyer@list.example.ru")
    sender = "Иван Петров <buyer@list.example.ru>"
    await append(
        imap_server,
        mailbox_ctx.settings.mailbox.folders[0],
        letter("Заявка на куртки", "Прошу счёт на 10 курток.", sender=sender, pdf=PDF),
        letter(
            "Re: Счёт",
            "Согласовано.\n\nпн, 30 нояб. 2026 г. в 10:00, Помощник <pomoshnik@example.com>:\n> Счёт\n",
            sender=sender,
            in_reply_to=f"<outbound-{sent_id}@example.com>",
        ),
        letter(
            "Автоответ: в отпуске", "Я в отпуске", sender=sender, headers={"Auto-Submitted": "auto-replied"}
        ),
    )
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 3, marked 3"
    h = assistant.headers
    mine = {"sender": "buyer@list.example"}

    listed = ok(await client.get("/api/v1/inbound-emails", headers=h, params=mine))
    assert [m["kind"] for m in listed["items"]] == ["auto_reply", "reply", "order"]
    auto, reply, order = listed["items"]
    page = ok(await client.get("/api/v1/inbound-emails", headers=h, params={**mine, "limit": 2}))
    assert [m["id"] for m in page["items"]] == [auto["id"], reply["id"]]
    rest = ok(
        await client.get(
            "/api/v1/inbound-emails", headers=h, params={**mine, "limit": 2, "cursor": page["next_cursor"]}
        )
    )
    assert [m["id"] for m in rest["items"]] == [order["id"]]
    only = ok(await client.get("/api/v1/inbound-emails", headers=h, params={**mine, "kind": "order"}))
    assert [m["id"] for m in only["items"]] == [order["id"]]
    answers = ok(
        await client.get(
            "/api/v1/inbound-emails", headers=h, params={"about": "invoice", "about_id": invoice_id}
        )
    )
    assert [m["id"] for m in answers["items"]] == [reply["id"]]
    today = NOW.date().isoformat()
    period = {**mine, "received_from": today, "received_to": today}
    assert len(ok(await client.get("/api/v1/inbound-emails", headers=h, params=period))["items"]) == 3
    later = {**mine, "received_from": "2030-01-01"}
    assert ok(await client.get("/api/v1/inbound-emails", headers=h, params=later))["items"] == []

    shown = ok(await client.get(f"/api/v1/inbound-emails/{order['id']}", headers=h))
    assert shown["order_id"] is not None
    assert shown["outcome"].startswith(f"order {shown['order_id']} of client {client_id}")
    headers = {x["name"]: x["value"] for x in shown["headers"]}
    assert headers["From"] == sender
    assert headers["Subject"] == "Заявка на куртки"
    assert [(p["filename"], p["downloadable"]) for p in shown["parts"]] == [("Заявка №5.pdf", True)]
    assert shown["allowed_actions"] == []
    part = await client.get(f"/api/v1/inbound-emails/{order['id']}/parts/0", headers=h)
    assert (part.status_code, part.content) == (200, PDF)
    assert part.headers["content-type"] == "application/pdf"
    assert part.headers["x-content-type-options"] == "nosniff"
    assert part.headers["content-disposition"].startswith("attachment;")
    raw = await client.get(f"/api/v1/inbound-emails/{order['id']}/raw", headers=h)
    assert raw.status_code == 200
    assert b"Subject:" in raw.content
    assert raw.headers["content-type"].startswith("message/rfc822")
    assert raw.headers["x-content-type-options"] == "nosniff"
    assert raw.headers["content-disposition"].startswith("attachment;")
    made = ok(await client.get(f"/api/v1/orders/{shown['order_id']}", headers=h))
    assert made["channel"] == "mailbox"

    answered = ok(await client.get(f"/api/v1/inbound-emails/{reply['id']}", headers=h))
    assert answered["text"] == "Согласовано."
    assert answered["document"]["about"] == "invoice"
    assert answered["document"]["id"] == invoice_id
    assert answered["document"]["title"].startswith("Счёт № ")
    invoice = ok(await client.get(f"/api/v1/invoices/{invoice_id}", headers=h))
    assert answered["document"]["order_id"] == invoice["order_id"]
    assert answered["outbound_id"] == sent_id
    task = ok(await client.get(f"/api/v1/tasks/{answered['task_id']}", headers=h))
    assert task["assignee_id"] == assistant.id

    # Bad input is named; someone who does not read orders does not read the mail.
    bad = "/api/v1/inbound-emails"
    problem(await client.get(bad, headers=h, params={"kind": "spam"}), 422, "query.kind")
    problem(
        await client.get(bad, headers=h, params={"received_from": "2026-12-07", "received_to": "2026-12-01"}),
        422,
        "query.received_to",
    )
    problem(await client.get(bad, headers=h, params={"about_id": invoice_id}), 422, "query.about_id")
    problem(
        await client.get(bad, headers=h, params={"received_from": "07.12.2026"}), 422, "query.received_from"
    )
    problem(await client.get(f"{bad}/{order['id']}/parts/5", headers=h), 404)
    problem(await client.get(f"{bad}/999999", headers=h), 404)
    problem(await client.get(bad, headers=driver.headers), 403)
    problem(await client.get(f"{bad}/{order['id']}", headers=driver.headers), 403)


async def test_a_failed_message_is_taken_again_when_it_can_be_read(
    client: httpx.AsyncClient,
    mailbox_ctx: JobContext,
    imap_server: LocalImap,
    session_factory: Any,
    make_user: Any,
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    head = await make_user(Role.HEAD)
    client_id = await _client(session_factory, assistant.id, email="buyer@retry.example.ru")
    await append(imap_server, mailbox_ctx.settings.mailbox.folders[0], b"\r\n\r\nno headers at all\r\n")
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 1, marked 1"
    h = head.headers
    (broken,) = ok(
        await client.get(
            "/api/v1/inbound-emails", headers=h, params={"kind": "failed", "received_from": "2026-01-01"}
        )
    )["items"][:1]
    shown = ok(await client.get(f"/api/v1/inbound-emails/{broken['id']}", headers=h))
    assert "no headers" in shown["outcome"]
    assert shown["allowed_actions"] == ["retry"]
    assert shown["raw_available"] is True
    # Still unreadable: refused, nothing changes.
    body = problem(await client.post(f"/api/v1/inbound-emails/{broken['id']}/retry", headers=h), 409)
    assert "cannot be read" in body["detail"]
    assert ok(await client.get(f"/api/v1/inbound-emails/{broken['id']}", headers=h))["kind"] == "failed"
    # A failure is tied to nobody's order or client: only those who see every order read it.
    problem(await client.get(f"/api/v1/inbound-emails/{broken['id']}", headers=assistant.headers), 404)

    # A letter an earlier reader could not read, kept as it came, and one never fetched (too large).
    good = letter("Заявка", "Прошу счёт на 5 курток.", sender="buyer@retry.example.ru", pdf=PDF)
    key = f"mailbox/{hashlib.sha256(good).hexdigest()}.eml"
    await mailbox_ctx.storage.put(key, good, "message/rfc822")
    async with session_factory() as session:
        common = {
            "folder": "old",
            "uidvalidity": 1,
            "kind": InboundKind.FAILED,
            "parts": [],
            "received_at": NOW,
        }
        kept = InboundEmail(uid=1, size=len(good), raw_key=key, outcome="cannot read the message", **common)
        large = InboundEmail(uid=2, size=10**9, raw_key=None, outcome="too large", **common)
        session.add_all([kept, large])
        await session.commit()
        kept_id, large_id = kept.id, large.id

    problem(await client.post(f"/api/v1/inbound-emails/{kept_id}/retry", headers=assistant.headers), 404)
    taken = ok(await client.post(f"/api/v1/inbound-emails/{kept_id}/retry", headers=h))
    assert taken["kind"] == "order"
    assert taken["allowed_actions"] == []
    # Now it made an order of the assistant's client, the assistant reads it.
    h = assistant.headers
    assert (
        ok(await client.get(f"/api/v1/inbound-emails/{kept_id}", headers=h))["order_id"] == taken["order_id"]
    )
    order = ok(await client.get(f"/api/v1/orders/{taken['order_id']}", headers=h))
    assert (order["channel"], order["client_id"], order["status"]) == (
        "mailbox",
        client_id,
        "needs_clarification",
    )
    files = ok(await client.get(f"/api/v1/orders/{taken['order_id']}/attachments", headers=h))["items"]
    assert sorted(f["filename"] for f in files) == ["Заявка №5.pdf", "письмо.txt"]
    body = problem(await client.post(f"/api/v1/inbound-emails/{kept_id}/retry", headers=h), 409)
    assert body["code"] == "not_failed"
    h = head.headers
    body = problem(await client.post(f"/api/v1/inbound-emails/{large_id}/retry", headers=h), 409)
    assert body["code"] == "not_kept"
    assert ok(await client.get(f"/api/v1/inbound-emails/{large_id}", headers=h))["allowed_actions"] == []
    problem(await client.get(f"/api/v1/inbound-emails/{large_id}/raw", headers=h), 404)


async def test_an_email_is_read_by_whoever_sees_what_it_led_to_or_answers(
    client: httpx.AsyncClient,
    mailbox_ctx: JobContext,
    imap_server: LocalImap,
    session_factory: Any,
    make_user: Any,
) -> None:
    service = await make_user(Role.MANAGER, department="service")
    shop = await make_user(Role.MANAGER, department="shop")
    head = await make_user(Role.HEAD)
    await _client(
        session_factory, (await make_user(Role.ASSISTANT)).id, email="buyer@scope-service.example.ru"
    )
    shop_client = await _client(
        session_factory,
        (await make_user(Role.ASSISTANT, department="shop")).id,
        email="buyer@scope-shop.example.ru",
    )
    invoice_id = await add_invoice(
        session_factory, shop_client, issued_on=date(2026, 11, 30), due_on=date(2026, 12, 10), total="50.00"
    )
    sent_id = await _sent_email(session_factory, invoice_id, "buyer@scope-shop.example.ru")
    await append(
        imap_server,
        mailbox_ctx.settings.mailbox.folders[0],
        letter("Заявка", "Прошу счёт на 3 куртки.", sender="buyer@scope-service.example.ru", pdf=PDF),
        letter(
            "Автоответ",
            "В отпуске",
            sender="buyer@scope-service.example.ru",
            headers={"Auto-Submitted": "auto"},
        ),
        letter("Заявка", "Прошу счёт на 7 курток.", sender="buyer@scope-shop.example.ru", pdf=PDF),
        letter(
            "Re: Счёт",
            "Согласовано.",
            sender="other@scope-shop.example.ru",
            in_reply_to=f"<outbound-{sent_id}@example.com>",
        ),
        letter(
            "Автоответ", "В отпуске", sender="nobody@scope.example.ru", headers={"Auto-Submitted": "auto"}
        ),
        b"\r\n\r\nno headers at all\r\n",
    )
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 6, marked 6"
    async with session_factory() as session:
        rows = (await session.scalars(select(InboundEmail).order_by(InboundEmail.id))).all()
    by = {(r.sender, r.kind): r.id for r in rows}
    ours = by["buyer@scope-service.example.ru", InboundKind.ORDER]
    our_auto = by["buyer@scope-service.example.ru", InboundKind.AUTO_REPLY]
    theirs = by["buyer@scope-shop.example.ru", InboundKind.ORDER]
    their_reply = by["other@scope-shop.example.ru", InboundKind.REPLY]
    unknown = by["nobody@scope.example.ru", InboundKind.AUTO_REPLY]
    failed = by[None, InboundKind.FAILED]

    async def listed(user: Any, limit: int = 100) -> list[int]:
        """Every page of the list, followed by its cursor."""
        found: list[int] = []
        params: dict[str, Any] = {"limit": limit}
        while True:
            body = ok(await client.get("/api/v1/inbound-emails", headers=user.headers, params=params))
            found += [m["id"] for m in body["items"]]
            if body["next_cursor"] is None:
                return found
            params["cursor"] = body["next_cursor"]

    taken = {ours, our_auto, theirs, their_reply, unknown, failed}
    # Each department reads its own client's letters (the order it made, its auto-reply, the
    # answer to its invoice), a page at a time; the head reads all, the unmatched ones too.
    assert [i for i in await listed(service, limit=1) if i in taken] == [our_auto, ours]
    assert [i for i in await listed(shop, limit=1) if i in taken] == [their_reply, theirs]
    assert taken <= set(await listed(head, limit=2))
    for user, own, others in ((service, ours, theirs), (shop, their_reply, ours)):
        ok(await client.get(f"/api/v1/inbound-emails/{own}", headers=user.headers))
        for other in (others, unknown, failed):
            for path in ("", "/raw", "/parts/0"):
                problem(await client.get(f"/api/v1/inbound-emails/{other}{path}", headers=user.headers), 404)
            problem(await client.post(f"/api/v1/inbound-emails/{other}/retry", headers=user.headers), 404)
    part = await client.get(f"/api/v1/inbound-emails/{ours}/parts/0", headers=service.headers)
    assert (part.status_code, part.content) == (200, PDF)
    raw = await client.get(f"/api/v1/inbound-emails/{theirs}/raw", headers=shop.headers)
    assert raw.status_code == 200
    assert b"scope-shop" in raw.content
    # Filtering by another department's order or document finds nothing.
    (order_id,) = (r.order_id for r in rows if r.id == theirs)
    assert (
        ok(
            await client.get("/api/v1/inbound-emails", headers=service.headers, params={"order_id": order_id})
        )["items"]
        == []
    )
    assert (
        ok(
            await client.get(
                "/api/v1/inbound-emails",
                headers=service.headers,
                params={"about": "invoice", "about_id": invoice_id},
            )
        )["items"]
        == []
    )
    for message in (unknown, failed):
        ok(await client.get(f"/api/v1/inbound-emails/{message}", headers=head.headers))
    problem(await client.post(f"/api/v1/inbound-emails/{failed}/retry", headers=head.headers), 409)
