"""The whole of process 2, scripted: a manager's request, a catalogue line and a non-standard one
priced by supply (after a reminder), photos, the PDF to the manager and to the client, a new revision
after sending, acceptance and conversion into an order and its invoice."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from PIL import Image

from app.adapters.chat import StubChat
from app.core.clock import FixedClock
from app.models.directory import Role
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, register_invoice, sweep
from tests.conftest import RecordingQueue
from tests.support.helpers import problem
from tests.support.pdf import image_xobjects, pdf_text


async def run_jobs(queue: RecordingQueue, job_ctx: Any) -> None:
    functions = {"deliver_outbound": deliver_outbound, "register_invoice": register_invoice}
    while queue.jobs:
        function, args, _ = queue.jobs.pop(0)
        await functions[function]({"app": job_ctx}, *args)


def if_match(body: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


def picture(kind: str, color: tuple[int, int, int], size: tuple[int, int] = (640, 480)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


async def new_client(client: httpx.AsyncClient, head: Any, manager: Any, assistant: Any, inn: str) -> Any:
    response = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Лесной терминал»",
            "inn": inn,
            "kpp": "352501001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
            "legal_address": "160000, г. Вологда, ул. Лесная, д. 3",
            "contacts": [
                {
                    "name": "Воронова Елена Игоревна",
                    "level": "buyer",
                    "emails": ["zakupki@lesterminal.example"],
                }
            ],
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_proposal_from_request_to_order_and_invoice(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    smtp: Any,
    clock: FixedClock,
) -> None:
    job_ctx.erp = app.state.erp
    job_ctx.storage = app.state.storage  # the API and the worker share one store here
    job_ctx.clock = clock
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    a = assistant.headers
    card = await new_client(client, head, manager, assistant, inn10("352512345"))

    # 1–2. The manager's request: the assistant owns the proposal and has a task due on the deadline.
    created = await client.post(
        "/api/v1/proposals",
        headers=manager.headers,
        json={
            "client_id": card["id"],
            "contact_id": card["contacts"][0]["id"],
            "workwear_kind": "летние рабочие костюмы и сигнальные жилеты",
            "models_count": 2,
            "markup_percent": "30",
            "deadline": "2026-12-03",
        },
    )
    assert created.status_code == 201, created.text
    proposal = created.json()
    pid = proposal["id"]
    assert proposal["status"] == "draft"
    assert proposal["assistant_id"] == assistant.id
    assert datetime.fromisoformat(proposal["due_at"]) == datetime(2026, 12, 3, 15, tzinfo=UTC)  # 18:00 MSK
    tasks = (await client.get("/api/v1/tasks/mine", headers=a)).json()
    assert any(f"КП №{pid}" in t["title"] for bucket in tasks.values() for t in bucket)

    # 12–15. A catalogue line: its 1C price of the category already includes the markup.
    suit = (await app.state.erp.search_products("Костюм рабочий летний", 1))[0]
    wholesale = next(p.price for p in suit.prices if p.category == "Оптовая")
    proposal = (
        await client.post(
            f"/api/v1/proposals/{pid}/lines",
            headers=a | if_match(proposal),
            json={"product_id": suit.id, "quantity": 10, "description": "Хлопок 100 %, куртка и брюки"},
        )
    ).json()
    line = proposal["lines"][0]
    assert (line["price_source"], Decimal(line["price"])) == ("catalogue", wholesale)
    assert Decimal(line["margin"]) == wholesale - suit.purchase_price
    assert proposal["status"] == "priced"

    # 14. A position the catalogue lacks: supply is asked in «Нестандартные позиции».
    response = await client.post(
        f"/api/v1/proposals/{pid}/lines",
        headers=a | if_match(proposal),
        json={
            "name": "Жилет сигнальный с логотипом заказчика",
            "description": "Оранжевый, световозвращающие полосы 50 мм",
            "quantity": 40,
        },
    )
    assert response.status_code == 201, response.text
    proposal = response.json()
    assert proposal["status"] == "draft"
    assert proposal["unpriced_positions"] == [2]
    assert proposal["total"] is None
    await run_jobs(queue, job_ctx)
    chat = StubChat(job_ctx.settings.chat.stub_dir)
    request = chat.read("nonstandard_items")
    assert len(request) == 1
    assert "Жилет сигнальный" in request[0]["text"]
    assert f"КП №{pid}" in request[0]["text"]

    # An unpriced proposal cannot go to the manager.
    refused = problem(await client.post(f"/api/v1/proposals/{pid}/send-to-manager", headers=a, json={}), 409)
    assert refused["allowed_actions"] == []
    assert "'draft'" in refused["detail"]

    # 8–9. Photos, checked by their content.
    for position, content, name in (
        (1, picture("JPEG", (40, 60, 120)), "suit.jpg"),
        (2, picture("PNG", (240, 120, 0)), "vest.png"),
    ):
        response = await client.put(
            f"/api/v1/proposals/{pid}/lines/{position}/photo",
            headers=a,
            files={"file": (name, content, "application/octet-stream")},
        )
        assert response.status_code == 200, response.text
        proposal = response.json()
    assert all(x["has_photo"] for x in proposal["lines"])
    photo = await client.get(f"/api/v1/proposals/{pid}/lines/2/photo", headers=a)
    assert photo.headers["content-type"] == "image/png"
    # The non-standard position's photo follows its price request to the chat.
    await run_jobs(queue, job_ctx)
    posted = chat.read("nonstandard_items")[-1]
    assert "Фото к запросу цены" in (posted.get("caption") or "")
    assert chat.document_content(posted) == photo.content

    # No answer within the configured hours: supply is reminded, once per period.
    clock.advance(timedelta(hours=5))
    assert (await sweep({"app": job_ctx}))["supply_reminders"] == 1
    assert (await sweep({"app": job_ctx}))["supply_reminders"] == 0
    await run_jobs(job_ctx.queue, job_ctx)
    assert "Напоминание" in chat.read("nonstandard_items")[-1]["text"]

    # Supply answers with the purchase price: the line gets the manager's markup, the assistant a task.
    answered = await client.post(
        f"/api/v1/proposals/{pid}/lines/2/purchase-price",
        headers=supply.headers,
        json={"purchase_price": "615.40"},
    )
    assert answered.status_code == 200, answered.text
    proposal = answered.json()
    vest = proposal["lines"][1]
    assert (vest["price_source"], vest["price"], vest["margin"]) == ("markup", "800.02", "184.62")
    assert proposal["status"] == "priced"
    total = wholesale * 10 + Decimal("800.02") * 40
    assert Decimal(proposal["total"]) == total
    tasks = (await client.get("/api/v1/tasks/mine", headers=a)).json()
    assert any("снабжение назвало цену позиции 2" in t["title"] for b in tasks.values() for t in b)

    # 17. To the manager by email, with the PDF kept as sent.
    sent = await client.post(
        f"/api/v1/proposals/{pid}/send-to-manager", headers=a | if_match(proposal), json={"note": "Срочно"}
    )
    assert sent.status_code == 200, sent.text
    proposal = sent.json()
    assert proposal["status"] == "sent_to_manager"
    assert proposal["allowed_actions"] == ["send-to-manager"]  # the manager approves
    mine = (await client.get(f"/api/v1/proposals/{pid}", headers=manager.headers)).json()
    assert mine["allowed_actions"] == ["send-to-manager", "approve"]
    await run_jobs(queue, job_ctx)
    handler, _ = smtp
    mail = handler.received[-1].parsed()
    assert mail["To"] == manager.email
    attachment = next(mail.iter_attachments())
    pdf = attachment.get_content()
    text = pdf_text(pdf).replace("\n", " ")
    assert suit.name in text
    assert "Жилет сигнальный с логотипом заказчика" in text
    assert "800,02" in text
    assert format_rub(total) in text
    assert "действительно до 15 декабря 2026 г." in text  # the configured 14 days
    assert "615,40" not in text  # purchase prices are never printed
    assert image_xobjects(pdf) == 2
    documents = (await client.get(f"/api/v1/proposals/{pid}/documents", headers=a)).json()["items"]
    assert [(d["revision"], d["stage"]) for d in documents] == [(1, "manager")]
    assert documents[0]["stored_at"] is not None
    kept = await client.get(f"/api/v1/proposals/{pid}/documents/{documents[0]['id']}/pdf", headers=a)
    assert kept.content == pdf

    # A change after sending makes a new revision, which goes to the manager again.
    proposal = (
        await client.patch(
            f"/api/v1/proposals/{pid}/lines/1", headers=a | if_match(proposal), json={"quantity": 12}
        )
    ).json()
    assert (proposal["revision"], proposal["status"]) == (2, "priced")
    proposal = (
        await client.post(f"/api/v1/proposals/{pid}/send-to-manager", headers=a | if_match(proposal), json={})
    ).json()
    proposal = (
        await client.post(f"/api/v1/proposals/{pid}/approve", headers=manager.headers, json={})
    ).json()
    assert proposal["status"] == "approved"

    # 18–19. To the client's contact the manager picked.
    proposal = (
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-client",
            headers=a | if_match(proposal),
            json={"contact_id": card["contacts"][0]["id"], "valid_until": "2026-12-20"},
        )
    ).json()
    assert proposal["status"] == "sent_to_client"
    assert proposal["sent_to"] == "zakupki@lesterminal.example"
    await run_jobs(queue, job_ctx)
    mail = handler.received[-1].parsed()
    assert mail["To"] == "zakupki@lesterminal.example"
    client_pdf = next(mail.iter_attachments()).get_content()
    assert "действительно до 20 декабря 2026 г." in pdf_text(client_pdf)
    documents = (await client.get(f"/api/v1/proposals/{pid}/documents", headers=a)).json()["items"]
    assert [(d["revision"], d["stage"]) for d in documents] == [(1, "manager"), (2, "manager"), (2, "client")]

    # Accepted → an order with the lines, prices and client, and its invoice, linked both ways.
    proposal = (await client.post(f"/api/v1/proposals/{pid}/accept", headers=a, json={})).json()
    assert proposal["allowed_actions"] == ["convert"]
    converted = await client.post(f"/api/v1/proposals/{pid}/convert", headers=a | if_match(proposal))
    assert converted.status_code == 200, converted.text
    proposal = converted.json()
    assert proposal["status"] == "converted"
    assert proposal["allowed_actions"] == []
    order = (await client.get(f"/api/v1/orders/{proposal['order_id']}", headers=a)).json()
    assert order["proposal_id"] == pid
    assert order["client_id"] == card["id"]
    assert [(x["name"], x["quantity"], x["agreed_price"]) for x in order["lines"]] == [
        (suit.name, 12, str(wholesale)),
        ("Жилет сигнальный с логотипом заказчика", 40, "800.02"),
    ]
    assert order["status"] == "invoiced"
    invoice = (await client.get(f"/api/v1/invoices/{proposal['invoice_id']}", headers=a)).json()
    assert invoice["order_id"] == order["id"]
    assert Decimal(invoice["total"]) == wholesale * 12 + Decimal("800.02") * 40 == Decimal(proposal["total"])
    problem(await client.post(f"/api/v1/proposals/{pid}/convert", headers=a), 409)

    history = (await client.get(f"/api/v1/proposals/{pid}/history", headers=a)).json()["items"]
    actions = [e["action"] for e in history]
    for expected in (
        "requested",
        "line_added",
        "photo_set",
        "supply_reminded",
        "price_answered",
        "send_to_manager",
        "line_updated",
        "approve",
        "send_to_client",
        "accept",
        "convert",
    ):
        assert expected in actions
