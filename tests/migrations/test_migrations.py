"""Migrations: upgrade, downgrade, upgrade on both backends; the models match the migrations."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from app.cli import run_migrations
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
