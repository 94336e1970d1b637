"""The database primitives of the hot paths: rows inserted without the unit of work come back as
the session's persistent objects, and the pool's pre-ping is the one round trip it claims to be."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core.db import _ping, create_engine, insert_persistent, is_sqlite
from app.models.orders import Order, OrderChannel, OrderLine, OrderStatus

NOW = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)


def order_row() -> dict[str, Any]:
    return {
        "channel": OrderChannel.PHONE,
        "source": "api",
        "external_id": None,
        "client_id": None,
        "manager_id": None,
        "assistant_id": None,
        "taken_by_id": None,
        "raw_text": "по телефону",
        "status": OrderStatus.NEEDS_CLARIFICATION,
        "problems": {"order": ["client"], "lines": {}},
        "credit_approved": None,
        "cancel_reason": None,
        "proposal_id": None,
        "created_at": NOW,
        "updated_at": NOW,
        "version": 1,
    }


def line_row(order_id: int, position: int) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "position": position,
        "product_id": None,
        "name": f"Костюм {position}",
        "model": "Прораб",
        "color": "синий",
        "size": "52",
        "height": "170-176",
        "price_category": "Оптовая",
        "quantity": position,
        "suggestions": [],
        "not_applicable": [],
        "fulfilment": None,
        "reserved_ref": None,
        "agreed_price": None,
        "unit": None,
    }


async def test_inserted_rows_are_persistent_objects_the_unit_of_work_then_updates(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        (order,) = await insert_persistent(session, Order, [order_row()])
        lines = await insert_persistent(session, OrderLine, [line_row(order.id, p) for p in (1, 2, 3)])
        set_committed_value(order, "lines", lines)
        # In the session's identity map, with nothing pending: a flush would write nothing.
        assert await session.get(Order, order.id) is order
        assert [line.position for line in order.lines] == [1, 2, 3]
        assert not session.new
        assert not session.dirty
        assert len({line.id for line in lines}) == 3
        # A change goes through the unit of work as on any loaded order, version included.
        order.status = OrderStatus.ACCEPTED
        lines[1].quantity = 20
        await session.commit()
        assert order.version == 2

    async with session_factory() as session:
        stored = await session.scalar(select(Order).options(selectinload(Order.lines)))
        assert stored is not None
        assert (stored.status, stored.version, stored.raw_text) == (OrderStatus.ACCEPTED, 2, "по телефону")
        assert stored.created_at == NOW
        assert [(line.position, line.quantity) for line in stored.lines] == [(1, 1), (2, 20), (3, 3)]


async def test_a_row_without_every_column_is_refused_before_anything_is_written(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    row = order_row()
    del row["proposal_id"], row["cancel_reason"]
    async with session_factory() as session:
        with pytest.raises(ValueError, match="cancel_reason, proposal_id"):
            await insert_persistent(session, Order, [row])
        assert await session.scalar(select(Order.id)) is None


async def test_the_pre_ping_is_one_statement_not_the_adapters_transaction(db_url: str) -> None:
    if is_sqlite(db_url):
        pytest.skip("the pre-ping is PostgreSQL's")
    engine = create_engine(db_url)
    try:
        async with engine.connect() as connection:
            raw = (await connection.get_raw_connection()).dbapi_connection

            class Watched:
                run_async = raw.run_async  # type: ignore[union-attr]

                def ping(self) -> None:
                    raise AssertionError("the ping fell back to the adapter's")

            assert await connection.run_sync(lambda _: _ping(Watched()))
    finally:
        await engine.dispose()
