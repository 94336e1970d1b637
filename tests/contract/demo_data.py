"""A small working dataset loaded through the API before the stateful run, so that lists have items
and the links schemathesis infers (a listed or created id feeding the calls on it) are followed on
real records rather than on random ids that answer 404."""

from __future__ import annotations

from typing import Any

import httpx

from app.services.seed import inn10


def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    return dict(response.json())


async def load(url: str, head: dict[str, str], manager: Any, assistant: Any) -> None:
    """Clients with contacts, accepted orders with invoices (one sent), proposals and tasks."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        products = await http.get(
            "/api/v1/catalogue/products", params={"q": "Костюм", "limit": 2}, headers=assistant.headers
        )
        assert products.status_code == 200, products.text
        product_id = products.json()["items"][0]["id"]
        for n, name in enumerate(["ООО «Северная Стройгруппа»", "АО «Речной порт»", "ООО «Чистый Город»"]):
            card = _created(
                await http.post(
                    "/api/v1/clients",
                    headers=head,
                    json={
                        "name": name,
                        "inn": inn10(f"35250{n}234"),
                        "kpp": "352501001",
                        "legal_address": f"160000, г. Вологда, ул. Ленина, д. {n + 1}",
                        "manager_id": manager.id,
                        "assistant_id": assistant.id,
                        "contacts": [
                            {
                                "name": "Гусев Олег Павлович",
                                "level": "director",
                                "emails": [f"director@client{n}.example.ru"],
                            }
                        ],
                    },
                )
            )
            order = _created(
                await http.post(
                    "/api/v1/orders",
                    headers=assistant.headers,
                    json={
                        "channel": "phone",
                        "client_id": card["id"],
                        "lines": [{"product_id": product_id, "price_category": "Оптовая", "quantity": 3 + n}],
                    },
                )
            )
            invoice = _created(
                await http.post(f"/api/v1/orders/{order['id']}/invoice", headers=assistant.headers)
            )
            if n == 0:
                sent = await http.post(
                    f"/api/v1/invoices/{invoice['id']}/send", headers=assistant.headers, json={}
                )
                assert sent.status_code == 200, sent.text
            _created(
                await http.post(
                    "/api/v1/proposals",
                    headers=manager.headers,
                    json={
                        "client_id": card["id"],
                        "workwear_kind": "зимние куртки",
                        "models_count": 1,
                        "markup_percent": "25",
                    },
                )
            )
            _created(
                await http.post(
                    "/api/v1/tasks",
                    headers=head,
                    json={
                        "kind": "call",
                        "title": "Позвонить клиенту",
                        "subject_type": "order",
                        "subject_id": order["id"],
                        "assignee_id": assistant.id,
                        "due_in_working_days": 1,
                    },
                )
            )
