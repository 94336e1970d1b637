"""Invoices from accepted orders: 1C prices by category, VAT of the day, gapless numbers, the PDF."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from pypdf import PdfReader

from app.core.clock import FixedClock
from app.models.directory import Role
from app.services.money.format import format_rub
from app.services.seed import inn10
from tests.support.helpers import problem
from tests.support.receivables import ship


async def _accepted_order(
    client: httpx.AsyncClient, app: Any, user: Any, head: Any, *, inn: str
) -> dict[str, Any]:
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Чистый Город»",
            "inn": inn,
            "kpp": "352801001",
            "assistant_id": user.id,
            "legal_address": "160000, г. Вологда, ул. Ленина, д. 1",
        },
    )
    assert card.status_code == 201, card.text
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=user.headers,
        json={
            "channel": "mailbox",
            "client_id": card.json()["id"],
            "lines": [
                {"product_id": suit.id, "price_category": "Оптовая", "quantity": 3},
                {"product_id": glove.id, "price_category": "Розничная", "quantity": 12},
            ],
        },
    )
    assert order.status_code == 201, order.text
    assert order.json()["status"] == "accepted"
    return dict(order.json()) | {"_products": (suit, glove)}


def _price(product: Any, category: str) -> Decimal:
    return next(p.price for p in product.prices if p.category == category)


async def test_invoice_from_an_accepted_order(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804561"))
    suit, glove = order["_products"]
    response = await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)
    assert response.status_code == 201, response.text
    invoice = response.json()
    assert invoice["number"] == "2026-000001"
    assert invoice["vat_rate"] == 22
    expected = _price(suit, "Оптовая") * 3 + _price(glove, "Розничная") * 12
    assert Decimal(invoice["total"]) == expected
    vat = sum(Decimal(line["vat_amount"]) for line in invoice["lines"])
    assert Decimal(invoice["vat_total"]) == vat
    assert invoice["issued_on"] == "2026-12-01"
    assert invoice["due_on"] == "2026-12-08"  # five working days

    after = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert after["status"] == "invoiced"
    problem(await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers), 409)

    pdf = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=assistant.headers)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == f'inline; filename="invoice-{invoice["number"]}.pdf"'
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "2026-000001" in text
    assert "Чистый Город" in text
    assert suit.name in text.replace("\n", " ")
    assert "22%" in text

    history = (
        await client.get(f"/api/v1/invoices/{invoice['id']}/history", headers=assistant.headers)
    ).json()
    assert [e["action"] for e in history["items"]] == ["issued"]


async def test_numbers_run_without_gaps_and_restart_each_year(
    client: httpx.AsyncClient, app: Any, make_user: Any, clock: FixedClock
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    first = await _accepted_order(client, app, assistant, head, inn=inn10("352804562"))
    second = await _accepted_order(client, app, assistant, head, inn=inn10("352804563"))
    # An order that cannot be invoiced (a free-text line) takes no number.
    broken = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": first["client_id"],
            "lines": [
                {
                    "name": "Куртка",
                    "model": "К-1",
                    "color": "синий",
                    "size": "52",
                    "height": "170-176",
                    "price_category": "Оптовая",
                    "quantity": 1,
                }
            ],
        },
    )
    assert broken.json()["status"] == "accepted"
    assert "clarify" in broken.json()["allowed_actions"]
    refused = await client.post(f"/api/v1/orders/{broken.json()['id']}/invoice", headers=assistant.headers)
    problem(refused, 422, "lines.0.product_id")
    assert (await client.get(f"/api/v1/orders/{broken.json()['id']}", headers=assistant.headers)).json()[
        "status"
    ] == "accepted"  # nothing changed
    numbers = []
    for order in (first, second):
        response = await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)
        numbers.append(response.json()["number"])
    assert numbers == ["2026-000001", "2026-000002"]
    # Its line matched to the 1C item (the order accepted all along), it is invoiced: the next number.
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    matched = await client.post(
        f"/api/v1/orders/{broken.json()['id']}/clarify",
        headers=assistant.headers,
        json={"lines": [{"product_id": glove.id, "price_category": "Оптовая", "quantity": 1}]},
    )
    assert matched.json()["status"] == "accepted", matched.text
    third = await client.post(f"/api/v1/orders/{broken.json()['id']}/invoice", headers=assistant.headers)
    assert third.json()["number"] == "2026-000003", third.text

    clock.set(datetime(2027, 1, 11, 7, tzinfo=UTC))
    head = await make_user(Role.HEAD)  # the tokens made in December have expired by now
    assistant = await make_user(Role.ASSISTANT)
    third = await _accepted_order(client, app, assistant, head, inn=inn10("352804564"))
    response = await client.post(f"/api/v1/orders/{third['id']}/invoice", headers=assistant.headers)
    assert response.json()["number"] == "2027-000001"


async def test_vat_follows_the_date(
    client: httpx.AsyncClient, app: Any, make_user: Any, clock: FixedClock
) -> None:
    clock.set(datetime(2025, 12, 31, 7, tzinfo=UTC))
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804565"))
    response = await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)
    assert response.json()["vat_rate"] == 20
    assert response.json()["number"] == "2025-000001"


async def test_approval_with_a_revision_by_email(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any, smtp: Any
) -> None:
    from app.worker.jobs import deliver_outbound

    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804566"))
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    assert invoice["allowed_actions"] == ["send", "revise"]

    # The client card has no email: the address must be given.
    problem(await client.post(f"{url}/send", headers=assistant.headers, json={}), 422, "email")
    sent = await client.post(
        f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"}
    )
    assert sent.status_code == 200, sent.text
    assert sent.json()["status"] == "sent_for_approval"
    assert (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()[
        "status"
    ] == ("sent_for_approval")
    # The worker sends it with the PDF made at that moment.
    jobs = [args for function, args, _ in queue.jobs if function == "deliver_outbound"]
    assert await deliver_outbound({"app": job_ctx}, *jobs[-1]) == "sent"
    received = smtp[0].received
    assert len(received) == 1
    message = received[0].parsed()
    assert message["To"] == "buyer@client.example.ru"
    assert message["Subject"] == f"Счёт на оплату № {invoice['number']} от 01.12.2026"
    attachment = next(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    pdf_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(attachment.get_content())).pages)
    assert invoice["number"] in pdf_text

    changes = await client.post(
        f"{url}/request-changes", headers=assistant.headers, json={"comment": "Костюмов нужно 5, скидка 5%"}
    )
    assert changes.json()["status"] == "revision_requested"
    problem(await client.post(f"{url}/approve", headers=assistant.headers, json={}), 409)
    revised = await client.post(
        f"{url}/revise",
        headers=assistant.headers,
        json={
            "reason": "по письму клиента",
            "lines": [{"position": 1, "quantity": 5, "discount_percent": "5"}],
        },
    )
    assert revised.status_code == 200, revised.text
    body = revised.json()
    assert body["revision"] == 2
    assert body["lines"][0]["quantity"] == 5
    assert Decimal(body["total"]) == sum(Decimal(x["amount"]) for x in body["lines"])
    assert Decimal(body["total"]) != Decimal(invoice["total"])
    # The PDF shows the revision as it stands, discount included.

    pdf = await client.get(f"{url}/pdf", headers=assistant.headers)
    revised_text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert format_rub(Decimal(body["total"])) in revised_text.replace("\xa0", "\u00a0")
    revisions = (await client.get(f"{url}/revisions", headers=assistant.headers)).json()["items"]
    assert [r["revision"] for r in revisions] == [1, 2]
    assert revisions[0]["lines"][0]["quantity"] == 3
    assert revisions[1]["reason"] == "по письму клиента"
    compared = await client.get(f"{url}/revisions/compare", headers=assistant.headers, params={"from": 1})
    assert compared.status_code == 200, compared.text
    diff = compared.json()
    assert (diff["from_revision"], diff["to_revision"], diff["reason"]) == (1, 2, "по письму клиента")
    assert [(x["position"], x["change"]) for x in diff["lines"]] == [(1, "changed"), (2, "same")]
    assert diff["lines"][0]["fields"]["quantity"] == {"before": 3, "after": 5}
    assert diff["lines"][0]["fields"]["discount_percent"] == {"before": "0", "after": "5"}
    assert Decimal(diff["total"]["after"]) == Decimal(body["total"])
    assert Decimal(diff["total"]["before"]) == Decimal(invoice["total"])
    missing = await client.get(f"{url}/revisions/compare", headers=assistant.headers, params={"to": 7})
    problem(missing, 422, "to")

    # The 5 % is beyond the client's approved discount (none): the director approves it first.
    assert body["discount_approval"] == "pending"
    director = await make_user(Role.DIRECTOR)
    decided = await client.post(f"{url}/approve-discount", headers=director.headers, json={})
    assert decided.status_code == 200, decided.text
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"})
    approved = await client.post(f"{url}/approve", headers=assistant.headers, json={"comment": "Согласовано"})
    assert approved.json()["status"] == "approved"
    after = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert after["status"] == "approved"
    history = (await client.get(f"/api/v1/orders/{order['id']}/history", headers=assistant.headers)).json()
    assert [e["action"] for e in history["items"]][-5:] == [
        "send_for_approval",
        "request_revision",
        "revise",
        "send_for_approval",
        "approve",
    ]


async def test_an_invoice_is_visible_as_its_order_is(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    outsider = await make_user(Role.ASSISTANT, department="shop")
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804569"))
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    problem(await client.get(f"/api/v1/invoices/{invoice['id']}", headers=outsider.headers), 404)
    problem(await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=outsider.headers), 404)
    assert (await client.get("/api/v1/invoices", headers=outsider.headers)).json()["items"] == []
    assert (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=head.headers)).status_code == 200


async def test_discounts_agreed_before_the_invoice(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804599"))
    suit, glove = order["_products"]
    url = f"/api/v1/orders/{order['id']}/invoice"
    for body, field in (
        ({"discounts": [{"position": 3, "discount_percent": "5"}]}, "discounts.0.position"),
        ({"discounts": [{"position": 1, "discount_percent": "100"}]}, "discounts.0.discount_percent"),
        ({"discounts": [{"position": 1, "discount_percent": "5"}] * 2}, "discounts"),
    ):
        problem(await client.post(url, headers=assistant.headers, json=body), 422, field)
    still = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert still["status"] == "accepted"

    created = await client.post(
        url, headers=assistant.headers, json={"discounts": [{"position": 1, "discount_percent": "10"}]}
    )
    assert created.status_code == 201, created.text
    invoice = created.json()
    first, second = invoice["lines"]
    assert Decimal(first["discount_percent"]) == Decimal(10)
    # 10% off the unit price, to the kopeck; the other line at the list price.
    assert Decimal(first["price"]) == (_price(suit, "Оптовая") * Decimal("0.9")).quantize(Decimal("0.01"))
    assert Decimal(first["amount"]) == Decimal(first["price"]) * 3
    assert Decimal(second["price"]) == _price(glove, "Розничная")
    assert Decimal(invoice["total"]) == Decimal(first["amount"]) + Decimal(second["amount"])


async def test_the_due_date_follows_the_clients_approved_terms(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order = await _accepted_order(client, app, assistant, head, inn=inn10("352804611"))
    card_url = f"/api/v1/clients/{order['client_id']}"
    terms = {"deferment_days": 12, "credit_limit": "500000.00", "effective_from": "2026-12-01"}
    terms_url = f"{card_url}/credit-terms"
    # Only management (the director) grants terms, not the head; not for days gone by.
    director = await make_user(Role.DIRECTOR)
    problem(await client.put(terms_url, headers=assistant.headers, json=terms | {"reason": "x"}), 403)
    problem(await client.put(terms_url, headers=head.headers, json=terms | {"reason": "x"}), 403)
    past = terms | {"effective_from": "2026-11-30", "reason": "решение РО"}
    problem(await client.put(terms_url, headers=director.headers, json=past), 422, "effective_from")
    problem(
        await client.put(
            terms_url, headers=director.headers, json=terms | {"deferment_days": 400, "reason": "x"}
        ),
        422,
        "deferment_days",
    )
    approved = await client.put(
        terms_url, headers=director.headers, json=terms | {"reason": "решение РО от 01.12"}
    )
    assert approved.status_code == 200, approved.text
    card = approved.json()
    assert (card["deferment_days"], Decimal(card["credit_limit"]), card["terms_from"]) == (
        12,
        Decimal(500000),
        "2026-12-01",
    )

    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)).json()
    # On a deferment nothing is due until the goods leave: the term runs from the shipment.
    assert (invoice["deferment_days"], invoice["due_on"], invoice["shipped_on"]) == (12, None, None)
    await ship(job_ctx, order["id"], date(2026, 12, 1))
    invoice = (await client.get(f"/api/v1/invoices/{invoice['id']}", headers=assistant.headers)).json()
    # Shipped 2026-12-01 + 12 days = Sunday 2026-12-13: due the next working day (art. 193).
    assert (invoice["shipped_on"], invoice["due_on"]) == ("2026-12-01", "2026-12-14")
    history = (await client.get(f"{card_url}/history", headers=head.headers)).json()["items"]
    assert history[-1]["action"] == "credit_terms_set"
    assert history[-1]["after"]["reason"] == "решение РО от 01.12"


async def test_each_line_names_what_the_order_required_and_a_buyer_without_address_ends_cleanly(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Без Адреса»",
            "inn": inn10("352804562"),
            "kpp": "352899001",
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    jacket = (await app.state.erp.search_products("Куртка рабочая утеплённая", 1))[0]
    assert all((jacket.model, jacket.color, jacket.size, jacket.height))
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "mailbox",
            "client_id": card.json()["id"],
            "lines": [{"product_id": jacket.id, "price_category": "Оптовая", "quantity": 2}],
        },
    )
    assert order.status_code == 201, order.text
    response = await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    assert response.status_code == 201, response.text
    invoice = response.json()
    title = f"{jacket.name} „{jacket.model}“, {jacket.color.lower()}, {jacket.size}/{jacket.height}"
    assert [line["name"] for line in invoice["lines"]] == [title]

    pdf = await client.get(f"/api/v1/invoices/{invoice['id']}/pdf", headers=assistant.headers)
    text = " ".join("".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages).split())
    assert title in text
    buyer = text[text.index("ООО «Без Адреса»") :]
    assert buyer.startswith("ООО «Без Адреса», ИНН 3528045622, КПП 352899001 "), buyer[:80]
