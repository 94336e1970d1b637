"""Every list answers a page, ``{items, next_cursor}``, so a client reads every list one way."""

from __future__ import annotations

from typing import Any

import httpx

from app.core.config import Settings
from app.main import create_app
from app.models.directory import Role
from tests.support.helpers import problem


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def test_no_list_answers_a_bare_array() -> None:
    spec = create_app(Settings()).openapi()
    bare, pages = [], 0
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("responses", {}).get("200", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            schema = _schema(spec, schema)
            if schema.get("type") == "array":
                bare.append(f"{method.upper()} {path}")
            if set(schema.get("properties", {})) == {"items", "next_cursor"}:
                pages += 1
    assert bare == []
    assert pages > 20


async def test_the_catalogue_search_is_paged_by_cursor(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    user = await make_user(Role.ASSISTANT)
    everything = [p.id for p in await app.state.erp.search_products("Костюм", 1000)]
    assert len(everything) > 3
    seen: list[str] = []
    cursor: str | None = None
    while True:
        params = {"q": "Костюм", "limit": 3} | ({"cursor": cursor} if cursor else {})
        page = await client.get("/api/v1/catalogue/products", params=params, headers=user.headers)
        assert page.status_code == 200, page.text
        body = page.json()
        assert set(body) == {"items", "next_cursor"}
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    bad = await client.get(
        "/api/v1/catalogue/products", params={"q": "Костюм", "cursor": "xyz"}, headers=user.headers
    )
    assert problem(bad, 422)["errors"][0]["field"] == "cursor"


async def test_short_lists_answer_one_page(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    for url in ("/api/v1/chats", "/api/v1/catalogue/price-categories", "/api/v1/auth/tokens"):
        response = await client.get(url, headers=head.headers)
        assert response.status_code == 200, (url, response.text)
        body = response.json()
        assert set(body) == {"items", "next_cursor"}, url
        assert body["items"], url
        assert body["next_cursor"] is None, url
    categories = (await client.get("/api/v1/catalogue/price-categories", headers=head.headers)).json()
    assert "Оптовая" in categories["items"]
