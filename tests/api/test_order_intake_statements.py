"""What a new order costs the database: the statements of its intake, counted (the intake benchmark
follows them, and one more query per order shows there as a share of its CPU)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from sqlalchemy import event

from app.models.directory import Role
from app.services.seed import inn10


@contextmanager
def statements(app: Any) -> Iterator[list[str]]:
    """The SQL the app sends meanwhile, each statement's first words."""
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()[:3]))

    engine = app.state.engine.sync_engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def test_an_order_is_one_read_and_three_inserts(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)  # sees only its department's clients: scoped
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Счёт»",
            "inn": inn10("352509876"),
            "kpp": "352501001",
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    products = await app.state.erp.search_products("Костюм", 3)
    order = {
        "channel": "phone",
        "client_id": card.json()["id"],
        "lines": [{"product_id": p.id, "price_category": "Оптовая", "quantity": 2} for p in products],
    }
    first = await client.post("/api/v1/orders", headers=assistant.headers, json=order)
    assert first.status_code == 201, first.text  # the token is known from now on (the actor cache)

    with statements(app) as seen:
        response = await client.post("/api/v1/orders", headers=assistant.headers, json=order)
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "accepted"
    # The client (scoped to the caller, with its people and its credit) in one query, then the
    # order, its lines and its two history entries (SQLite takes rows whose ids come back in order
    # one statement each: the tables are what is counted).
    reads = [s for s in seen if s.startswith("SELECT")]
    assert len(reads) == 1, seen
    assert list(dict.fromkeys(s for s in seen if not s.startswith("SELECT"))) == [
        "INSERT INTO orders",
        "INSERT INTO order_lines",
        "INSERT INTO events",
    ], seen
