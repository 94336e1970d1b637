"""The list of orders narrowed by assistant, the days they came in, and a text search."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from app.core.clock import FixedClock
from app.models.directory import Role
from app.services.seed import inn10
from tests.support.helpers import problem

URL = "/api/v1/orders"


async def _card(client: httpx.AsyncClient, head: Any, name: str, inn: str, assistant: Any) -> int:
    response = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": name, "inn": inn, "kpp": "352501001", "assistant_id": assistant.id},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def _ids(client: httpx.AsyncClient, user: Any, **params: Any) -> list[int]:
    response = await client.get(URL, headers=user.headers, params=params)
    assert response.status_code == 200, response.text
    return [order["id"] for order in response.json()["items"]]


async def test_orders_are_narrowed_by_assistant_days_and_text(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    head = await make_user(Role.HEAD)
    first, second = await make_user(Role.ASSISTANT), await make_user(Role.ASSISTANT)
    north_inn = inn10("352501234")
    north = await _card(client, head, "ООО «Северная Стройгруппа»", north_inn, first)
    south = await _card(client, head, "АО «Южный Металл»", inn10("352509876"), second)

    async def order(at: datetime, client_id: int | None, text: str | None) -> int:
        clock.set(at)
        body = {"channel": "phone", "client_id": client_id, "raw_text": text}
        response = await client.post(URL, headers=head.headers, json=body)
        assert response.status_code == 201, response.text
        return int(response.json()["id"])

    # 21:30 UTC on 1 December is already 2 December in Moscow: the filters count Moscow's days.
    late = await order(datetime(2026, 12, 1, 21, 30, tzinfo=UTC), north, "Звонок: НУЖНЫ КУРТКИ утеплённые")
    early = await order(datetime(2026, 12, 1, 6, 0, tzinfo=UTC), south, "Перчатки, 40 пар")
    other = await order(datetime(2026, 12, 3, 9, 0, tzinfo=UTC), None, "Куртки для Ёлкина")

    assert await _ids(client, head, assistant_id=first.id) == [late]
    assert await _ids(client, head, assistant_id=second.id) == [early]
    assert await _ids(client, head, created_from="2026-12-02") == [other, late]
    assert await _ids(client, head, created_to="2026-12-01") == [early]
    assert await _ids(client, head, created_from="2026-12-02", created_to="2026-12-02") == [late]
    # Letter case does not matter for Cyrillic, on either database.
    assert await _ids(client, head, q="куртки") == [other, late]
    assert await _ids(client, head, q="ЁЛКИНА") == [other]
    assert await _ids(client, head, q="  южный ") == [early]
    assert await _ids(client, head, q=north_inn[:6]) == [late]
    assert await _ids(client, head, q=f"№{early}") == [early]
    assert await _ids(client, head, q="куртки", assistant_id=first.id) == [late]
    assert await _ids(client, head, q="50%_") == []

    # The filters keep to the cursor's paging.
    page = (await client.get(URL, headers=head.headers, params={"q": "куртки", "limit": 1})).json()
    assert [o["id"] for o in page["items"]] == [other]
    rest = await client.get(
        URL, headers=head.headers, params={"q": "куртки", "limit": 1, "cursor": page["next_cursor"]}
    )
    assert [o["id"] for o in rest.json()["items"]] == [late]
    assert rest.json()["next_cursor"] is None


async def test_bad_filters_are_named(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    for params, field in [
        ({"created_from": "2026-12-05", "created_to": "2026-12-04"}, "query.created_to"),
        ({"created_from": "2026-02-30"}, "query.created_from"),
        ({"created_to": "0"}, "query.created_to"),  # a number is no day, not 1970-01-01
        ({"created_from": "1733529600"}, "query.created_from"),
        ({"assistant_id": "Иванова"}, "query.assistant_id"),
        ({"assistant_id": "0"}, "query.assistant_id"),
        ({"q": "я" * 101}, "query.q"),
    ]:
        body = problem(await client.get(URL, headers=head.headers, params=params), 422, field)
        # Refused as a bad value of a known parameter, not as an unknown one.
        assert [e["code"] for e in body["errors"]] != ["extra_forbidden"], body
