"""Order intake: accepted only when complete; otherwise the manager is asked, and the answer re-checks."""

from __future__ import annotations

from typing import Any

import httpx

from app.models.directory import Role
from app.services.seed import inn10
from tests.support.helpers import problem

URL = "/api/v1/orders"


async def _client(client: httpx.AsyncClient, head: Any, manager: Any, assistant: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Северная Стройгруппа»",
            "inn": inn10("352501234"),
            "kpp": "352501001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _product(app: Any) -> Any:
    products = await app.state.erp.search_products("Костюм", 5)
    assert products
    return products[0]


async def test_a_complete_order_is_accepted(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    card = await _client(client, head, manager, assistant)
    product = await _product(app)
    response = await client.post(
        URL,
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": card["id"],
            "raw_text": "Звонок: 10 костюмов",
            "lines": [{"product_id": product.id, "price_category": "Оптовая", "quantity": 10}],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "accepted"
    assert order["manager_id"] == manager.id
    assert order["taken_by_id"] == assistant.id
    line = order["lines"][0]
    assert (line["model"], line["color"], line["size"], line["height"]) == (
        product.model,
        product.color,
        product.size,
        product.height,
    )
    assert line["missing"] == []
    assert order["allowed_actions"] == ["clarify", "invoice", "cancel"]
    history = (await client.get(f"{URL}/{order['id']}/history", headers=assistant.headers)).json()["items"]
    assert [e["action"] for e in history] == ["received", "accepted"]


async def test_an_incomplete_order_waits_and_the_manager_is_asked(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    card = await _client(client, head, manager, assistant)
    response = await client.post(
        URL,
        headers=assistant.headers,
        json={
            "channel": "whatsapp",
            "client_id": card["id"],
            "lines": [{"name": "Костюм рабочий летний", "color": "синий", "size": "52-54", "quantity": 3}],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "needs_clarification"
    assert order["lines"][0]["missing"] == ["model", "height", "price_category"]
    assert order["lines"][0]["suggestions"], "the catalogue should suggest matches for a free-text line"
    assert order["allowed_actions"] == ["clarify", "cancel"]

    tasks = (await client.get("/api/v1/tasks/mine", headers=manager.headers)).json()
    clarify = [t for t in tasks["upcoming"] + tasks["today"] if t["kind"] == "clarify"]
    assert len(clarify) == 1
    assert clarify[0]["subject_type"] == "order"
    assert clarify[0]["subject_id"] == order["id"]
    assert "ростовка" in clarify[0]["description"]

    product = await _product(app)
    answered = await client.post(
        f"{URL}/{order['id']}/clarify",
        headers=assistant.headers | {"If-Match": f'"{order["version"]}"'},
        json={"lines": [{"product_id": product.id, "price_category": "Розничная", "quantity": 3}]},
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["status"] == "accepted"
    task = (await client.get(f"/api/v1/tasks/{clarify[0]['id']}", headers=manager.headers)).json()
    assert task["status"] == "done"

    # Accepted, it may still be clarified until it is invoiced; then no more.
    assert answered.json()["allowed_actions"] == ["clarify", "invoice", "cancel"]
    invoiced = await client.post(f"{URL}/{order['id']}/invoice", headers=assistant.headers)
    assert invoiced.status_code == 201, invoiced.text
    again = await client.post(f"{URL}/{order['id']}/clarify", headers=assistant.headers, json={"lines": []})
    body = problem(again, 409)
    assert "clarify" not in body["allowed_actions"]
    assert body["allowed_actions"] == ["cancel", "assign"]  # the rest is done through the invoice


async def test_an_order_without_client_or_lines_names_both(client: httpx.AsyncClient, make_user: Any) -> None:
    manager = await make_user(Role.MANAGER)
    response = await client.post(
        URL, headers=manager.headers, json={"channel": "mailbox", "raw_text": "Нужны перчатки"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "needs_clarification"
    assert response.json()["problems"] == ["client", "lines"]


async def test_bad_order_input_changes_nothing(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    assistant = await make_user(Role.ASSISTANT)
    product = await _product(app)
    cases = [
        ({"channel": "phone", "lines": [{"name": "Куртка", "quantity": 0}]}, "lines.0.quantity"),
        ({"channel": "phone", "lines": [{"name": "Куртка", "quantity": -2}]}, "lines.0.quantity"),
        ({"channel": "pigeon", "lines": []}, "channel"),
        (
            {"channel": "phone", "lines": [{"product_id": "no-such-item", "quantity": 1}]},
            "lines.0.product_id",
        ),
        (
            {
                "channel": "phone",
                "lines": [{"product_id": product.id, "price_category": "VIP", "quantity": 1}],
            },
            "lines.0.price_category",
        ),
        ({"channel": "phone", "lines": [{"quantity": 1}]}, "lines.0.name"),
        ({"channel": "phone", "extra": 1}, "extra"),
    ]
    for payload, field in cases:
        problem(await client.post(URL, headers=assistant.headers, json=payload), 422, field)
    # A client that does not exist is not found, as one of another department is.
    problem(
        await client.post(URL, headers=assistant.headers, json={"channel": "phone", "client_id": 999999}), 404
    )
    assert (await client.get(URL, headers=assistant.headers)).json()["items"] == []


async def test_cancel_and_visibility(client: httpx.AsyncClient, make_user: Any) -> None:
    assistant = await make_user(Role.ASSISTANT)
    outsider = await make_user(Role.ASSISTANT, department="shop")
    workshop = await make_user(Role.WORKSHOP)
    created = (await client.post(URL, headers=assistant.headers, json={"channel": "paper"})).json()
    url = f"{URL}/{created['id']}"
    problem(await client.get(url, headers=outsider.headers), 404)
    problem(await client.get(url, headers=workshop.headers), 403)
    problem(
        await client.post(
            f"{url}/cancel", headers=assistant.headers | {"If-Match": '"999"'}, json={"reason": "Дубль"}
        ),
        412,
    )
    cancelled = await client.post(f"{url}/cancel", headers=assistant.headers, json={"reason": "Дубль заявки"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["allowed_actions"] == []
    problem(await client.post(f"{url}/cancel", headers=assistant.headers, json={"reason": "ещё раз"}), 409)


async def test_a_free_text_line_that_names_a_catalogue_item_exactly_is_matched_to_it(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    """Model, colour, size and height as the client wrote them (another case, ё for е, a long dash,
    spaces) name one item: the line is that item and the invoice can be made. A line that names no
    item exactly stays free text, with suggestions."""
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    card = await _client(client, head, manager, assistant)
    products = await app.state.erp.search_products("Север", 50)
    item = next(p for p in products if p.model == "Север" and "-" in p.size and p.height)
    written = {
        "name": item.name.lower(),
        "model": item.model.upper(),
        "color": item.color.lower().replace("е", "ё") + " ",
        "size": item.size.replace("-", " – "),
        "height": item.height,
        "price_category": "Оптовая",
        "quantity": 4,
    }
    response = await client.post(
        URL,
        headers=assistant.headers,
        json={
            "channel": "mailbox",
            "client_id": card["id"],
            "lines": [written, written | {"size": "99-101", "quantity": 1}],
        },
    )
    assert response.status_code == 201, response.text
    matched, unmatched = response.json()["lines"]
    assert matched["product_id"] == item.id
    assert (matched["model"], matched["color"], matched["size"], matched["height"]) == (
        item.model,
        item.color,
        item.size,
        item.height,
    )
    assert unmatched["product_id"] is None
    assert unmatched["suggestions"]

    order_id = response.json()["id"]
    clarified = await client.post(
        f"{URL}/{order_id}/clarify", headers=assistant.headers, json={"lines": [written]}
    )
    assert clarified.json()["lines"][0]["product_id"] == item.id, clarified.text
    invoice = await client.post(f"{URL}/{order_id}/invoice", headers=assistant.headers)
    assert invoice.status_code == 201, invoice.text
