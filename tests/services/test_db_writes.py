"""The database primitives of the hot paths: rows inserted without the unit of work come back as
the session's persistent objects, and the pool checks a connection that sat idle, with one round
trip, and no other."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from app.core import db
from app.core.db import create_engine, insert_persistent, is_sqlite
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
        "text_search": "по телефону",
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


async def test_rows_inserted_unattached_are_written_and_read_as_detached_objects(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    """For rows nothing changes before the commit: written, readable, and outside the session."""
    async with session_factory() as session:
        (order,) = await insert_persistent(session, Order, [order_row()], attach=False)
        lines = await insert_persistent(session, OrderLine, [line_row(order.id, 1)], attach=False)
        set_committed_value(order, "lines", lines)
        assert order not in session
        assert inspect(order).detached
        assert (order.status, order.raw_text, order.lines[0].name) == (
            OrderStatus.NEEDS_CLARIFICATION,
            "по телефону",
            "Костюм 1",
        )
        loaded = await session.get(Order, order.id)  # the session loads its own copy
        assert loaded is not None
        assert loaded is not order
        assert loaded.raw_text == "по телефону"
        await session.commit()

    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(OrderLine)) == 1


async def test_a_row_without_a_column_that_has_no_default_is_refused_before_anything_is_written(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    row = order_row()
    del row["status"], row["created_at"]
    async with session_factory() as session:
        with pytest.raises(ValueError, match="created_at, status"):
            await insert_persistent(session, Order, [row])
        assert await session.scalar(select(Order.id)) is None


async def test_columns_a_row_leaves_out_take_the_models_defaults_as_the_orm_gives_them(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    row = order_row()
    for column in ("version", "problems", "credit_approved", "cancel_reason", "proposal_id", "external_id"):
        del row[column]
    async with session_factory() as session:
        (fast, other) = await insert_persistent(session, Order, [row, dict(row)], attach=False)
        session.add(orm := Order(**row))
        await session.flush()
        expected = {"version": 1, "problems": {}, "credit_approved": None, "cancel_reason": None}
        for order in (fast, orm):
            assert {k: getattr(order, k) for k in expected} == expected
            assert order.proposal_id is None
            assert order.external_id is None
        # A default made per row (``default=dict``) is a new object for each.
        assert fast.problems is not other.problems
        await session.commit()
    async with session_factory() as session:
        stored = await session.get(Order, fast.id)
        assert stored is not None
        assert stored.version == 1
        assert stored.problems == {}


@pytest.fixture
async def pg_engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    """The service's engine on PostgreSQL: the pool's check is PostgreSQL's (SQLite has no
    connection to lose)."""
    if is_sqlite(db_url):
        pytest.skip("the pool's check is PostgreSQL's")
    engine = create_engine(db_url)
    yield engine
    await engine.dispose()


async def _backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def _terminate(db_url: str, pid: int) -> None:
    other = create_engine(db_url, pool_size=1)
    try:
        async with other.connect() as connection:
            await connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await other.dispose()


async def test_a_connection_is_checked_only_after_it_sat_idle(
    pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check is a round trip; under load a connection comes back within milliseconds and is
    used again without one."""
    checks: list[object] = []
    ping = db._ping

    def counted(dialect: Any, dbapi_connection: Any) -> bool:
        checks.append(dbapi_connection)
        return ping(dialect, dbapi_connection)

    monkeypatch.setattr(db, "_ping", counted)
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 0.2)
    first = await _backend_pid(pg_engine)  # a new connection: not checked
    assert await _backend_pid(pg_engine) == first  # back a moment ago: not checked
    assert checks == []
    await asyncio.sleep(0.3)
    assert await _backend_pid(pg_engine) == first  # idle: checked once, and alive
    assert len(checks) == 1


async def test_an_idle_connection_that_died_is_replaced_before_use(
    db_url: str, pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A restart of PostgreSQL, or its administrator ending a session, while the connection sat in
    the pool: the request gets a new connection, not an error."""
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 0.2)
    dead = await _backend_pid(pg_engine)
    await _terminate(db_url, dead)
    await asyncio.sleep(0.3)
    assert await _backend_pid(pg_engine) != dead


async def test_a_connection_that_died_in_its_last_second_fails_one_request_and_no_more(
    db_url: str, pg_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The price of not checking a connection that was working a moment ago: the one request that
    takes it fails as if PostgreSQL had gone away mid-way, and the pool is renewed for the next."""
    monkeypatch.setattr(db, "IDLE_BEFORE_CHECK", 3600.0)
    dead = await _backend_pid(pg_engine)
    await _terminate(db_url, dead)
    with pytest.raises(DBAPIError) as failed:
        await _backend_pid(pg_engine)
    assert failed.value.connection_invalidated
    assert await _backend_pid(pg_engine) != dead


async def test_the_check_is_one_statement_not_the_adapters_transaction(pg_engine: AsyncEngine) -> None:
    async with pg_engine.connect() as connection:
        raw = (await connection.get_raw_connection()).dbapi_connection

        class Watched:
            run_async = raw.run_async  # type: ignore[union-attr]

            def ping(self) -> None:
                raise AssertionError("the check fell back to the adapter's ping")

        assert await connection.run_sync(lambda _: db._ping(pg_engine.dialect, Watched()))
