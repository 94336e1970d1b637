"""The migration that has the worker make the УПД: goods shipped before it had theirs made by hand,
so the sweep must not have 1C make another for them; goods not shipped yet get theirs when shipped."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from app.commands import run_migrations
from app.core.config import DbSettings, Settings
from app.core.db import create_engine, create_session_factory
from app.models.clients import Client
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order, OrderChannel, OrderStatus
from tests.conftest import _create_pg_database

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'upd.sqlite3'}"
    return _create_pg_database(request.getfixturevalue("pg_server"), "pomoshnik_upd")


async def _invoices(url: str) -> dict[str, int]:
    engine = create_engine(url)
    ids: dict[str, int] = {}
    async with create_session_factory(engine)() as session:
        stamp = {"created_at": NOW, "updated_at": NOW}
        client = Client(name="Клиент", name_search="клиент", inn="3528000001", **stamp)
        session.add(client)
        await session.flush()
        for seq, (name, shipped_on) in enumerate((("shipped", date(2026, 12, 1)), ("waiting", None)), 1):
            order = Order(
                channel=OrderChannel.PHONE,
                source="api",
                client_id=client.id,
                status=OrderStatus.APPROVED,
                **stamp,
            )
            session.add(order)
            await session.flush()
            invoice = Invoice(
                number=f"2026-{seq:06d}",
                year=2026,
                seq=seq,
                order_id=order.id,
                client_id=client.id,
                issued_on=date(2026, 11, 30),
                shipped_on=shipped_on,
                vat_rate=22,
                total=Decimal("1000.00"),
                vat_total=Decimal("180.33"),
                status=InvoiceStatus.APPROVED,
                onec_id=f"1c-{seq}",
                **stamp,
            )
            session.add(invoice)
            await session.flush()
            ids[name] = invoice.id
        await session.commit()
    await engine.dispose()
    return ids


async def test_goods_shipped_before_are_not_given_a_second_upd(fresh_url: str) -> None:
    settings = Settings(db=DbSettings(url=fresh_url))
    await asyncio.to_thread(run_migrations, settings)
    ids = await _invoices(fresh_url)
    # Back to before the migration, and up again: it meets the invoices as an installation would.
    await asyncio.to_thread(run_migrations, settings, "0031-1", True)
    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = (await session.execute(select(Invoice.id, Invoice.upd_onec_id))).all()
    finally:
        await engine.dispose()
    upd = {row[0]: row[1] for row in rows}
    assert upd == {ids["shipped"]: "", ids["waiting"]: None}
