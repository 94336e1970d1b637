"""Every test starts from the reference seed and nothing else, whatever the test before it wrote.

The rounds run one after another in one process (the database is seeded once per process and put
back before each test): each round first checks that it sees exactly the seed, then writes a row of
its own, changes a seeded row, removes one and adds one, as a careless test would."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.directory import Department, Role
from app.models.rates import KeyRate
from app.models.reference import ReferenceLink, ReferenceTerm
from app.services.receivables.rates import packaged_rates
from app.services.seed import DEPARTMENTS, LINKS, TERMS
from tests.support.seeded import SeededDatabase


@pytest.mark.parametrize("round_", [1, 2, 3])
async def test_a_write_in_one_test_is_not_seen_by_the_next(
    round_: int,
    session_factory: async_sessionmaker[AsyncSession],
    seeded_database: SeededDatabase,
    make_user: Any,
) -> None:
    async with session_factory() as session:
        names = set(await session.scalars(select(Department.name)))
        assert names == {name for _, name in DEPARTMENTS}
        assert await session.scalar(select(func.count()).select_from(ReferenceLink)) == len(LINKS)
        assert await session.scalar(select(func.count()).select_from(ReferenceTerm)) == len(TERMS)
        assert await session.scalar(select(func.count()).select_from(KeyRate)) == len(packaged_rates())
    async with seeded_database.engine.connect() as connection:
        assert await seeded_database.differs(connection) == []

    await make_user(Role.MANAGER)
    async with session_factory() as session:
        await session.execute(update(Department).values(name=Department.name + f" (изменено {round_})"))
        first_term = select(func.min(ReferenceTerm.id)).scalar_subquery()
        await session.execute(delete(ReferenceTerm).where(ReferenceTerm.id == first_term))
        await session.commit()
    async with seeded_database.engine.connect() as connection:
        assert set(await seeded_database.differs(connection)) >= {
            "departments",
            "employees",
            "reference_terms",
        }
