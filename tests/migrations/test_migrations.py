"""Migrations: upgrade, downgrade, upgrade on both backends; the models match the migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.commands import run_migrations
from app.core.config import DbSettings, Settings
from app.core.db import Base, create_engine
from tests.conftest import _create_pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'migrations.sqlite3'}"
    return _create_pg_database(request.getfixturevalue("pg_server"), "pomoshnik_migrations")


def _diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


def _tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names()) - {"alembic_version"}


async def test_upgrade_downgrade_upgrade_and_no_drift(fresh_url: str) -> None:
    settings = Settings(db=DbSettings(url=fresh_url))
    # Alembic runs its own event loop; do it in a thread so it does not meet the test's loop.
    import asyncio

    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == set(Base.metadata.tables)
        assert await conn.run_sync(_diff) == []
    await engine.dispose()

    await asyncio.to_thread(run_migrations, settings, "base", True)
    engine = create_engine(fresh_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_tables) == set()
    await engine.dispose()

    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    async with engine.connect() as conn:
        assert await conn.run_sync(_diff) == []
    await engine.dispose()


def _contents(connection: Connection) -> dict[str, dict[str, list[object]]]:
    """Every table's rows, column by column, in a stable order (what a round trip must give back)."""
    from sqlalchemy import MetaData, select

    metadata = MetaData()
    metadata.reflect(connection)
    contents: dict[str, dict[str, list[object]]] = {}
    for name, table in metadata.tables.items():
        if name == "alembic_version":
            continue
        key = list(table.primary_key.columns)
        rows = connection.execute(select(table).order_by(*key)).mappings().all()
        contents[name] = {c.name: [row[c.name] for row in rows] for c in table.columns}
    return contents


def _project(
    contents: dict[str, dict[str, list[object]]], onto: dict[str, dict[str, list[object]]]
) -> dict[str, dict[str, list[object]]]:
    return {table: {c: contents[table][c] for c in columns} for table, columns in onto.items()}


# Down to the revision before client credit terms: every later migration is undone and redone.
ROUND_TRIP_TO = "0009"


async def test_a_round_trip_of_the_later_migrations_on_the_demo_data_loses_no_row(fresh_url: str) -> None:
    """Tables and columns that exist on both sides of the downgrade keep every row and value; the
    demo data lives mostly in tables of the foundation (people, clients, contacts)."""
    import asyncio

    from app.core.calendar import BusinessCalendar
    from app.core.clock import SystemClock
    from app.core.db import create_session_factory
    from app.services.kernel.unit_of_work import UnitOfWork
    from app.services.seed import seed_demo

    settings = Settings(db=DbSettings(url=fresh_url))

    async def contents() -> dict[str, dict[str, list[object]]]:
        engine = create_engine(fresh_url)
        async with engine.connect() as conn:
            found = await conn.run_sync(_contents)
        await engine.dispose()
        return found

    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    async with create_session_factory(engine)() as session:
        uow = UnitOfWork(session=session, clock=SystemClock(), calendar=BusinessCalendar())
        assert await seed_demo(uow)
        await uow.commit(None)
    await engine.dispose()
    before = await contents()

    await asyncio.to_thread(run_migrations, settings, ROUND_TRIP_TO, True)
    middle = await contents()
    assert sum(len(next(iter(t.values()), [])) for t in middle.values()) > 30  # people, clients, contacts
    assert _project(before, middle) == middle

    await asyncio.to_thread(run_migrations, settings)
    after = await contents()
    assert set(after) == set(before)
    assert _project(after, middle) == middle


async def test_an_installation_seeded_before_the_record_is_not_seeded_again(fresh_url: str) -> None:
    """An installation whose start-up seed ran before seeds were recorded: the migration records
    what it already has, so its directory (here: one department renamed from the seed's) stays as
    it is, and what it lacks is still loaded once."""
    import asyncio

    from sqlalchemy import func, select, text

    from app.core.calendar import BusinessCalendar
    from app.core.clock import SystemClock
    from app.core.db import create_session_factory
    from app.models.directory import Department
    from app.models.reference import ReferenceLink
    from app.models.seeds import AppliedSeed
    from app.services.kernel.unit_of_work import UnitOfWork
    from app.services.seed import seed_reference

    settings = Settings(db=DbSettings(url=fresh_url))
    await asyncio.to_thread(run_migrations, settings, "0024")
    engine = create_engine(fresh_url)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO departments (code, name, created_at, updated_at, version) "
                "VALUES ('retail', 'Магазин', :now, :now, 2)"
            ),
            {"now": SystemClock().now()},
        )
    await engine.dispose()
    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(session=session, clock=SystemClock(), calendar=BusinessCalendar())
            assert await seed_reference(uow) == ["reference_links", "reference_terms", "key_rates"]
            await uow.commit(None)
            codes = (await session.scalars(select(Department.code))).all()
            assert list(codes) == ["retail"]
            assert await session.scalar(select(func.count()).select_from(ReferenceLink)) == 12
            applied = set((await session.scalars(select(AppliedSeed.name))).all())
            assert applied == {"departments", "reference_links", "reference_terms", "key_rates"}
    finally:
        await engine.dispose()
