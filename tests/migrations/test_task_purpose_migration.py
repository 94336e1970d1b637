"""The migration that gives tasks their purpose: the feedback calls made before it, told until then by
their title, are feedback calls after it; no other task becomes one."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from app.commands import run_migrations
from app.core.config import DbSettings, Settings
from app.core.db import create_engine, create_session_factory
from app.models.directory import Department, Employee
from app.models.tasks import Task, TaskKind, TaskPurpose, TaskStatus, TaskSubject
from tests.conftest import _create_pg_database

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
FEEDBACK = "Обратная связь по заявке №7: всё ли хорошо"


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'purpose.sqlite3'}"
    return _create_pg_database(request.getfixturevalue("pg_server"), "pomoshnik_purpose")


async def _tasks(url: str) -> dict[str, int]:
    engine = create_engine(url)
    stamp = {"created_at": NOW, "updated_at": NOW}
    ids: dict[str, int] = {}
    try:
        async with create_session_factory(engine)() as session:
            department = Department(code="sales", name="Отдел продаж", **stamp)
            session.add(department)
            await session.flush()
            who = Employee(
                full_name="Тестова Анна Павловна",
                initials="ТАП",
                department_id=department.id,
                position="Помощник менеджера",
                email="purpose@example.ru",
                **stamp,
            )
            session.add(who)
            await session.flush()
            cases = {
                "feedback": (TaskKind.CALL, TaskSubject.ORDER, FEEDBACK),
                "other_call": (TaskKind.CALL, TaskSubject.ORDER, "Уточнить адрес доставки по заявке №7"),
                "not_a_call": (TaskKind.REMIND, TaskSubject.ORDER, FEEDBACK),
                "client_call": (TaskKind.CALL, TaskSubject.CLIENT, FEEDBACK),
            }
            for name, (kind, subject, title) in cases.items():
                task = Task(
                    kind=kind,
                    title=title,
                    subject_type=subject,
                    subject_id=7,
                    assignee_id=who.id,
                    due_at=NOW,
                    status=TaskStatus.OPEN,
                    **stamp,
                )
                session.add(task)
                await session.flush()
                ids[name] = task.id
            await session.commit()
    finally:
        await engine.dispose()
    return ids


async def test_feedback_calls_made_before_get_their_purpose(fresh_url: str) -> None:
    settings = Settings(db=DbSettings(url=fresh_url))
    await asyncio.to_thread(run_migrations, settings)
    ids = await _tasks(fresh_url)
    # Back to before the migration, and up again: it meets the tasks as an installation would.
    await asyncio.to_thread(run_migrations, settings, "0033-1", True)
    await asyncio.to_thread(run_migrations, settings)
    engine = create_engine(fresh_url)
    try:
        async with create_session_factory(engine)() as session:
            rows = (await session.execute(select(Task.id, Task.purpose))).all()
    finally:
        await engine.dispose()
    purpose = {row[0]: row[1] for row in rows}
    assert purpose == {
        ids["feedback"]: TaskPurpose.FEEDBACK_CALL,
        ids["other_call"]: None,
        ids["not_a_call"]: None,
        ids["client_call"]: None,
    }
