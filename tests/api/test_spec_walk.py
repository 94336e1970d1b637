"""The whole of process 3, scripted for each kind of spec: from the manager's request to the client's
feedback. The invoice goes to the manager and then to the client; every line is procured separately
(even one in stock); the PDF is read back; supply signs (in the system, or on paper with the scan
kept); the signed file reaches the right workshop chat; the workshop accepts and leaves a remark; the
warehouse reports the goods ready, the receipt is posted in 1C, the УПД is made, and the order's own
delivery and feedback close the spec."""

from __future__ import annotations

import io
from typing import Any

import httpx
import pytest
from PIL import Image

from app.adapters.chat import StubChat
from app.adapters.onec.stub import REQUISITION_RECEIVED
from app.models.directory import Role
from app.models.invoices import Invoice
from app.worker.jobs import (
    deliver_outbound,
    issue_spec_documents,
    post_spec_receipts,
    register_invoice,
    sync_fulfilment,
)
from tests.conftest import RecordingQueue
from tests.support.helpers import problem
from tests.support.pdf import image_xobjects, pdf_text

JOBS = {
    "deliver_outbound": deliver_outbound,
    "sync_fulfilment": sync_fulfilment,
    "register_invoice": register_invoice,
    "post_spec_receipts": post_spec_receipts,
    "issue_spec_documents": issue_spec_documents,
}


async def run_jobs(queue: RecordingQueue, job_ctx: Any) -> list[str]:
    ran = []
    while queue.jobs:
        function, args, _ = queue.jobs.pop(0)
        await JOBS[function]({"app": job_ctx}, *args)
        ran.append(function)
    return ran


def png(color: tuple[int, int, int] = (20, 60, 160)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 60), color).save(out, "PNG")
    return out.getvalue()


def if_match(body: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


DETAILS: dict[str, dict[str, Any]] = {
    "logo": {
        "kind": "logo",
        "placement": "левая сторона груди",
        "method": "embroidery",
        "colors": ["тёмно-синий", "белый"],
        "width_mm": 90,
        "height_mm": 45,
        "garments": [
            {"name": "Куртка рабочая «Мастер»", "color": "серый", "size": "52", "quantity": 10},
            {"name": "Полукомбинезон «Мастер»", "quantity": 10},
        ],
    },
    "tailoring": {
        "kind": "tailoring",
        "model": "Халат медицинский «Вита»",
        "fabric": "Тиси, 150 г/м²",
        "color": "белый",
        "wearers": [
            {
                "name": "Соколова А. В.",
                "height_cm": "164.5",
                "chest_cm": 92,
                "waist_cm": 74,
                "hips_cm": 101,
                "sleeve_cm": 58,
            },
            {"name": "Громов Е. Н.", "height_cm": 188, "chest_cm": 112, "waist_cm": 98, "hips_cm": 108},
        ],
    },
    "manufacturing": {
        "kind": "manufacturing",
        "item": "Костюм сварщика «Искра»",
        "fabric": "Брезент ОП, 480 г/м²",
        "color": "хаки",
        "grid": [
            {"size": "48-50", "height": "170-176", "quantity": 6},
            {"size": "48-50", "height": "182-188", "quantity": 2},
            {"size": "52-54", "height": "170-176", "quantity": 5},
            {"size": "52-54", "height": "182-188", "quantity": 0},
        ],
    },
}
# What each kind's PDF must print from its details.
PRINTED = {
    "logo": ["Нанесение логотипа", "вышивка", "левая сторона груди", "90 × 45 мм", "Куртка рабочая"],
    "tailoring": ["Пошив по индивидуальным меркам", "Соколова А. В.", "164,5", "Громов Е. Н.", "Тиси"],
    "manufacturing": ["Изготовление изделий", "Костюм сварщика", "48-50", "182-188", "Итого"],
}
CHAT = {"logo": "workshop_logos", "tailoring": "workshop_specs", "manufacturing": "workshop_specs"}


class People:
    def __init__(self, **users: Any) -> None:
        self.__dict__.update(users)


async def people(make_user: Any) -> Any:
    return People(
        head=await make_user(Role.HEAD),
        manager=await make_user(Role.MANAGER),
        assistant=await make_user(Role.ASSISTANT),
        supply=await make_user(Role.SUPPLY, department="supply"),
        keeper=await make_user(Role.WAREHOUSE, department="warehouse"),
        workshop=await make_user(Role.WORKSHOP, department="workshop", chat_handle="@master_shc"),
    )


async def order_for_spec(
    client: httpx.AsyncClient, app: Any, p: Any, inn: str = "7801234564"
) -> dict[str, Any]:
    """A client and an accepted order with two catalogue lines, one of them in stock."""
    card = await client.post(
        "/api/v1/clients",
        headers=p.head.headers,
        json={
            "name": "ООО «Северный металл»",
            "inn": inn,
            "kpp": "780101001",
            "manager_id": p.manager.id,
            "assistant_id": p.assistant.id,
            "contacts": [
                {"name": "Ковалёв Андрей Петрович", "level": "buyer", "emails": ["snab@sm.example"]}
            ],
        },
    )
    assert card.status_code == 201, card.text
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 20 and p.height)
    missing = next(p for p in products if p.stock == 0 and p.height)
    order = await client.post(
        "/api/v1/orders",
        headers=p.assistant.headers,
        json={
            "channel": "paper",
            "client_id": card.json()["id"],
            "lines": [
                {"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 10},
                {"product_id": missing.id, "price_category": "Оптовая", "quantity": 3},
            ],
        },
    )
    assert order.json()["status"] == "accepted", order.text
    return dict(order.json())


async def spec_with_approved_invoice(
    client: httpx.AsyncClient, app: Any, p: Any, kind: str, received_via: str = "email"
) -> tuple[dict[str, Any], str]:
    """A spec of ``kind`` taken for a new order, its invoice checked by the manager and approved by
    the client (steps 1-6): the order, and the spec's URL."""
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    created = await client.post(
        "/api/v1/specs",
        headers=a,
        json={"order_id": order["id"], "received_via": received_via, "details": DETAILS[kind]},
    )
    assert created.status_code == 201, created.text
    url = f"/api/v1/specs/{created.json()['id']}"
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a)).json()
    for step in (f"{url}/invoice-to-manager", f"{url}/invoice-checked"):
        assert (await client.post(step, headers=a)).status_code == 200, step
    for step in ("send", "approve"):
        done = await client.post(f"/api/v1/invoices/{invoice['id']}/{step}", headers=a, json={})
        assert done.status_code == 200, done.text
    return order, url


async def spec_at_goods_ready(
    client: httpx.AsyncClient, app: Any, p: Any, job_ctx: Any, queue: RecordingQueue
) -> tuple[dict[str, Any], str]:
    """A manufacturing spec signed, posted to the workshop, accepted there and its goods reported
    ready (steps 1-15); the jobs the report queued are left in ``queue``. The order, the spec's URL."""
    order, url = await spec_with_approved_invoice(client, app, p, "manufacturing")
    await client.post(f"{url}/sign", headers=p.supply.headers)
    await client.post(f"{url}/send", headers=p.assistant.headers, json={})
    await run_jobs(queue, job_ctx)
    await client.post(f"{url}/workshop-accepted", headers=p.workshop.headers)
    ready = await client.post(f"{url}/goods-ready", headers=p.keeper.headers)
    assert ready.json()["status"] == "goods_ready", ready.text
    return order, url


@pytest.mark.parametrize("kind", ["logo", "tailoring", "manufacturing"])
async def test_spec_from_the_managers_request_to_the_clients_feedback(
    kind: str,
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    smtp: Any,
) -> None:
    job_ctx.erp = app.state.erp  # the API and the worker share one 1C here
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    oid = order["id"]

    # 1–2. The manager brings the spec; it is taken for the order.
    created = await client.post(
        "/api/v1/specs",
        headers=a,
        json={
            "order_id": oid,
            "received_via": "email" if kind == "tailoring" else "in_person",
            "due_on": "2026-12-15",
            "details": DETAILS[kind],
        },
    )
    assert created.status_code == 201, created.text
    spec = created.json()
    sid, url = spec["id"], f"/api/v1/specs/{spec['id']}"
    assert (spec["kind"], spec["status"], spec["revision"]) == (kind, "received", 1)

    # 3. The invoice; it may not go to the client before the manager checked it.
    invoice = (await client.post(f"/api/v1/orders/{oid}/invoice", headers=a)).json()
    early = await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    assert problem(early, 409)["code"] == "invoice_not_checked"
    await run_jobs(queue, job_ctx)  # the invoice is registered in 1C, every line «procure separately»
    async with job_ctx.session_factory() as session:
        onec_id = (await session.get(Invoice, invoice["id"])).onec_id
    in_1c = app.state.erp.invoice(onec_id)
    assert [line.procure for line in in_1c.lines] == [True, True]
    # «Procure separately» puts the invoice in the requisition book at once, long before the workshop.
    book = (
        await client.get("/api/v1/requisitions", headers=p.supply.headers, params={"order_id": oid})
    ).json()["items"]
    assert [(r["quantity"], r["status"], r["invoice_id"]) for r in book] == [
        (10, "requested", invoice["id"]),
        (3, "requested", invoice["id"]),
    ]

    # 4. To the manager by email with its PDF; the manager checked it (supply gets the spec to sign).
    spec = (await client.post(f"{url}/invoice-to-manager", headers=a)).json()
    assert spec["status"] == "invoice_with_manager"
    await run_jobs(queue, job_ctx)
    mail = smtp[0].received[-1].parsed()
    assert mail["To"] == p.manager.email
    assert invoice["number"] in pdf_text(next(mail.iter_attachments()).get_content())
    spec = (await client.post(f"{url}/invoice-checked", headers=p.manager.headers)).json()
    assert spec["status"] == "invoice_checked"
    sign_tasks = (await client.get("/api/v1/tasks", headers=p.supply.headers)).json()["items"]
    assert any(t["subject_type"] == "spec" and t["subject_id"] == sid for t in sign_tasks)

    # 5. The client approves the invoice.
    await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    approved = await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={})
    assert approved.json()["status"] == "approved", approved.text

    if kind == "logo":
        uploaded = await client.put(
            f"{url}/logo", headers=a, files={"file": ("logo.png", png(), "image/png")}
        )
        assert uploaded.status_code == 200, uploaded.text
        assert uploaded.json()["logo_content_type"] == "image/png"
        logo = await client.get(f"{url}/logo", headers=p.workshop.headers)
        assert logo.content == png()

    # 6–9. The spec (two copies in one file) and the requisition-book extract, read back.
    document = await client.get(f"{url}/pdf", headers=a)
    assert document.headers["content-type"] == "application/pdf"
    text = pdf_text(document.content)
    assert text.count(f"Техническое задание в швейный цех № {sid}") == 2
    assert "Экземпляр отдела снабжения" in text
    assert "остаётся у помощника" in text
    assert "Северный металл" in text
    assert invoice["number"] in text
    for expected in PRINTED[kind]:
        assert expected in text, expected
    # The logo is printed on both copies (one picture, drawn twice); the other kinds have none.
    assert image_xobjects(document.content) == (1 if kind == "logo" else 0)
    extract = pdf_text((await client.get(f"{url}/requisition-extract", headers=a)).content)
    assert "Выписка из книги заявок" in extract
    assert invoice["number"] in extract
    assert "Обеспечить обособленно" in extract
    assert " ".join(extract.split()).count("внесено в книгу заявок") == 2  # supply's copy lists them

    # 10–12. Only supply signs; for tailoring the signed paper's scan is kept instead.
    spec = (await client.get(url, headers=a)).json()
    problem(await client.post(f"{url}/sign", headers=a | if_match(spec)), 403)
    if kind == "tailoring":
        scan = png((250, 250, 250))
        signed = await client.post(
            f"{url}/signed-scan",
            headers=a | if_match(spec),
            data={"signer_id": str(p.supply.id)},
            files={"file": ("скан ТЗ.png", scan, "image/png")},
        )
        assert signed.status_code == 200, signed.text
        spec = signed.json()
        assert (spec["signed_via"], spec["signed_by_id"]) == ("scan", p.supply.id)
        expected_file = scan
        reprinted = pdf_text((await client.get(f"{url}/pdf", headers=a)).content)
        assert "подписано на бумаге, скан хранится: Тестов Тест" in reprinted
    else:
        signed = await client.post(f"{url}/sign", headers=p.supply.headers | if_match(spec))
        assert signed.status_code == 200, signed.text
        spec = signed.json()
        assert (spec["signed_via"], spec["signed_by_id"], spec["signed_revision"]) == (
            "system",
            p.supply.id,
            spec["revision"],
        )
        expected_file = (await client.get(f"{url}/signed-file", headers=a)).content
        assert "подписано в системе: Тестов Тест" in pdf_text(expected_file)
    assert spec["status"] == "signed"
    assert spec["signature_current"] is True
    assert spec["signed_at"] == "2026-12-01T07:00:00Z"

    # 13. To the workshop chat with the signed file; the order's lines are all procured separately,
    # with the entries booked at step 3 (none twice).
    book_before = (
        await client.get("/api/v1/requisitions", headers=p.supply.headers, params={"order_id": oid})
    ).json()["items"]
    assert [r["quantity"] for r in book_before] == [10, 3]
    sent = await client.post(f"{url}/send", headers=a | if_match(spec), json={"note": "Срочно"})
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent_to_workshop"
    assert sent.json()["channel"] == CHAT[kind]
    await run_jobs(queue, job_ctx)
    chat = StubChat(job_ctx.settings.chat.stub_dir)
    posts = chat.read(CHAT[kind])
    # A logo spec's post is followed by the logo file as it was sent.
    assert len(posts) == (2 if kind == "logo" else 1)
    assert f"ТЗ № {sid}" in posts[0]["caption"]
    assert "Принято" in posts[0]["caption"]
    assert chat.document_content(posts[0]) == expected_file
    if kind == "logo":
        assert "оригинал «logo.png»" in posts[1]["caption"]
        assert chat.document_content(posts[1]) == png()
    other = "workshop_specs" if kind == "logo" else "workshop_logos"
    assert chat.read(other) == []
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert [line["fulfilment"] for line in order["lines"]] == ["procure", "procure"]
    book = (
        await client.get("/api/v1/requisitions", headers=p.supply.headers, params={"order_id": oid})
    ).json()
    assert [(r["id"], r["quantity"]) for r in book["items"]] == [
        (r["id"], r["quantity"]) for r in book_before
    ]
    assert all(r["onec_id"] for r in book["items"])
    extract = pdf_text((await client.get(f"{url}/requisition-extract", headers=a)).content)
    assert " ".join(extract.split()).count("внесено в книгу заявок") == 2  # as the cells wrap it

    # 14. The workshop's «принято» and a remark.
    spec = (await client.get(url, headers=a)).json()
    problem(await client.post(f"{url}/workshop-accepted", headers=a | if_match(spec)), 403)
    spec = (await client.post(f"{url}/workshop-accepted", headers=p.workshop.headers)).json()
    assert spec["status"] == "accepted_by_workshop"
    assert spec["workshop_accepted_by_id"] == p.workshop.id
    spec = (
        await client.post(
            f"{url}/workshop-feedback",
            headers=p.workshop.headers,
            json={"text": "Ткань получили, срок 5 дней"},
        )
    ).json()
    assert [f["text"] for f in spec["workshop_feedback"]] == ["Ткань получили, срок 5 дней"]
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert order["status"] == "waiting_for_supply"

    # 15–16. The warehouse reports the goods ready: the order is ready, the assistant calls; the
    # receipt is posted in 1C (once).
    early_docs = await client.post(f"{url}/shipping-documents", headers=a)
    assert problem(early_docs, 409)["code"] == "invalid_transition"
    spec = (await client.post(f"{url}/goods-ready", headers=p.keeper.headers)).json()
    assert spec["status"] == "goods_ready"
    order = (await client.get(f"/api/v1/orders/{oid}", headers=a)).json()
    assert order["status"] == "ready"
    tasks = (await client.get("/api/v1/tasks", headers=p.head.headers, params={"subject_id": oid})).json()[
        "items"
    ]
    assert any(t["kind"] == "call" and "готова к отгрузке" in t["title"] for t in tasks)
    assert await run_jobs(queue, job_ctx) == ["post_spec_receipts"]
    assert await post_spec_receipts({"app": job_ctx}, sid) == "skipped"
    spec = (await client.get(url, headers=a)).json()
    assert len(spec["receipts"]) == 2
    entries = await app.state.erp.requisitions(invoice["number"])
    assert sorted(e.quantity for e in entries) == [3, 10]
    assert {e.status for e in entries} == {REQUISITION_RECEIVED}

    # 17. The shipping documents from 1C.
    spec = (await client.post(f"{url}/shipping-documents", headers=a)).json()
    assert spec["status"] == "goods_ready"
    await run_jobs(queue, job_ctx)
    assert await issue_spec_documents({"app": job_ctx}, sid) == "skipped"
    spec = (await client.get(url, headers=a)).json()
    assert spec["status"] == "documents_issued"
    assert spec["upd_onec_id"]

    # 18–19. Delivery as the order agrees it (pickup here), received, and the client's feedback.
    delivery = await client.post(
        f"/api/v1/orders/{oid}/delivery", headers=a, json={"method": "pickup", "planned_on": "2026-12-02"}
    )
    assert delivery.status_code in (200, 201), delivery.text
    for item in [x["key"] for x in delivery.json()["checklist"]]:
        await client.post(f"/api/v1/orders/{oid}/delivery/checklist/{item}", headers=a)
    await client.post(f"/api/v1/orders/{oid}/ship", headers=a)
    await client.post(f"/api/v1/orders/{oid}/received", headers=a, json={})
    closed = await client.post(
        f"/api/v1/orders/{oid}/feedback", headers=a, json={"rating": 5, "comment": "Отлично"}
    )
    assert closed.json()["status"] == "closed", closed.text
    spec = (await client.get(url, headers=a)).json()
    assert spec["status"] == "closed"
    assert spec["allowed_actions"] == []  # a remark is the workshop's
    assert (await client.get(url, headers=p.workshop.headers)).json()["allowed_actions"] == [
        "workshop-feedback"
    ]
    history = [e["action"] for e in (await client.get(f"{url}/history", headers=a)).json()["items"]]
    for step in (
        "received",
        "send_invoice_to_manager",
        "invoice_checked",
        "upload_signed_scan" if kind == "tailoring" else "sign",
        "send_to_workshop",
        "workshop_accept",
        "workshop_feedback",
        "goods_ready",
        "receipt_posted_in_1c",
        "documents_issued",
        "close",
    ):
        assert step in history, step

    # The day in the assistant's report and in the statistics of process 3.
    day = {"day": "2026-12-01"}
    figures = await client.get("/api/v1/daily-reports/figures", headers=a, params=day)
    assert figures.status_code == 200, figures.text
    assert figures.json()["figures"]["specs"] == {"signed": 1, "sent": 1}
    period = {"date_from": "2026-12-01", "date_to": "2026-12-01", "employee_id": p.assistant.id}
    stats = await client.get("/api/v1/statistics", headers=a, params=period)
    assert stats.status_code == 200, stats.text
    section = next(s for s in stats.json()["sections"] if s["key"] == "specs")
    assert section["measures"] == {
        "received": 1,
        "signed": 1,
        "signed_on_paper": 1 if kind == "tailoring" else 0,
        "sent_to_workshop": 1,
        "accepted_by_workshop": 1,
        "workshop_feedback": 1,
        "goods_ready": 1,
        "documents_issued": 1,
        "closed": 1,
        "cancelled": 0,
    }
    # The clock stands still in this walk: every step took no time.
    assert set(section["cycle_hours"].values()) == {0.0}
