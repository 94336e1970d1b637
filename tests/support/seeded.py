"""The seeded database every test starts from, seeded once per backend and put back before each test.

Seeding goes through the services (departments, links, terms, the key-rate history) and takes a
few hundred milliseconds; deleting every table takes tens more. Instead, the rows the seed wrote
are kept once, and before a test only what differs is put back: one query finds the tables that
hold rows, those outside the seed are emptied, and a seeded table is rewritten from the kept rows
only when its rows are no longer the seeded ones. What a test wrote through any connection (the
app's, a worker's, a command run in another process) is found the same way, since only the
database is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Row, Table, delete, exists, insert, literal, select, union_all
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from app.core.calendar import BusinessCalendar
from app.core.clock import Clock
from app.core.db import Base
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.seed import seed_reference


def _tables() -> list[Table]:
    return list(Base.metadata.sorted_tables)


async def _rows(connection: AsyncConnection, table: Table) -> list[Row[Any]]:
    order = list(table.primary_key.columns) or list(table.columns)
    return list((await connection.execute(select(table).order_by(*order))).all())


async def _holding_rows(connection: AsyncConnection, tables: Sequence[Table]) -> set[str]:
    """The names of the tables that hold at least one row, in one round trip."""
    query = union_all(
        *(
            select(literal(table.name).label("name")).where(exists(select(literal(1)).select_from(table)))
            for table in tables
        )
    )
    return set((await connection.execute(query)).scalars())


@dataclass
class SeededDatabase:
    """One engine per backend and worker, and the rows the reference seed wrote."""

    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    seeded: dict[str, list[Row[Any]]]

    @classmethod
    async def create(
        cls, engine: AsyncEngine, session_factory: async_sessionmaker[AsyncSession], clock: Clock
    ) -> SeededDatabase:
        tables = _tables()
        async with engine.begin() as connection:
            for table in reversed(tables):
                await connection.execute(delete(table))
        async with session_factory() as session:
            uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
            await seed_reference(uow)
            await uow.commit(None)
        async with engine.connect() as connection:
            holding = await _holding_rows(connection, tables)
            seeded = {table.name: await _rows(connection, table) for table in tables if table.name in holding}
        return cls(engine, session_factory, seeded)

    async def differs(self, connection: AsyncConnection) -> list[str]:
        """The tables whose rows are not the seeded ones (rows outside the seed, or seeded rows
        changed, removed or added to)."""
        holding = await _holding_rows(connection, _tables())
        changed = {name for name in holding if name not in self.seeded}
        for table in _tables():
            if table.name in self.seeded and await _rows(connection, table) != self.seeded[table.name]:
                changed.add(table.name)
        return sorted(changed)

    async def restore(self) -> list[str]:
        """Puts the database back to the seeded state; returns the tables it had to touch."""
        tables = _tables()
        async with self.engine.begin() as connection:
            changed = set(await self.differs(connection))
            for table in reversed(tables):
                if table.name in changed:
                    await connection.execute(delete(table))
            for table in tables:
                if table.name in changed and table.name in self.seeded:
                    await connection.execute(
                        insert(table), [row._asdict() for row in self.seeded[table.name]]
                    )
        return sorted(changed)
