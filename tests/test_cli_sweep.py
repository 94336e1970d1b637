"""`pomoshnik sweep [--at ISO-TIME]`: the worker's sweep run now, or as of a later time, so a demo or
a support engineer sees the deadlines of weeks ahead fall due; and a moved clock refused in production.

The commands run in this process (tests/support/cli.py), in a thread: each runs its own event loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.directory import Role
from app.models.payments import InvoiceReminder, ReminderStep
from app.models.tasks import Task
from tests.api.test_reconciliation_acts import _client
from tests.support.cli import Ran
from tests.support.receivables import add_invoice


async def _reminders(factory: async_sessionmaker[AsyncSession], invoice_id: int) -> list[tuple[Any, int]]:
    async with factory() as session:
        rows = (
            await session.execute(
                select(InvoiceReminder.step, Task.assignee_id)
                .join(Task, Task.id == InvoiceReminder.task_id)
                .where(InvoiceReminder.invoice_id == invoice_id)
                .order_by(InvoiceReminder.id)
            )
        ).all()
    return [(step, assignee) for step, assignee in rows]


async def test_sweep_at_a_later_time_makes_the_reminders_due_then(
    client: httpx.AsyncClient,
    make_user: Any,
    session_factory: async_sessionmaker[AsyncSession],
    db_url: str,
    redis_url: str,
    tmp_path: Path,
    pomoshnik: Callable[..., Ran],
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(client, head, assistant, "ООО «Дальний срок»", "352811401")
    invoice_id = await add_invoice(
        session_factory,
        client_id,
        issued_on=date(2027, 5, 4),
        due_on=date(2027, 6, 1),  # a Tuesday, half a year after the tests' today
        total="1000.00",
        assistant_id=assistant.id,
    )
    env = {
        "APP_ENV": "test",
        "APP_DB__URL": db_url,
        "APP_REDIS__URL": redis_url,
        "APP_REDIS__QUEUE_NAME": f"cli-sweep-{tmp_path.name}",
        "APP_CHAT__STUB_DIR": str(tmp_path / "chat"),
        "APP_STORAGE__LOCAL_DIR": str(tmp_path / "storage"),
        "APP_LOG_LEVEL": "WARNING",
    }

    async def sweep(*args: str) -> Ran:
        ran = await asyncio.to_thread(pomoshnik, env, "sweep", *args)
        assert ran.returncode == 0, ran.stderr
        return ran

    await sweep("--at", "2027-05-10T10:00")  # three weeks before: nothing of this invoice yet
    assert await _reminders(session_factory, invoice_id) == []

    # Moscow time, the week before: its task, and the day-before call's, made ahead of its day.
    week_before = await sweep("--at", "2027-05-25T10:00")
    assert "swept as of 2027-05-25T10:00:00+03:00" in week_before.stderr
    assert "payment_reminders 2" in week_before.stderr
    assert await _reminders(session_factory, invoice_id) == [
        (ReminderStep.WEEK_BEFORE, assistant.id),
        (ReminderStep.DAY_BEFORE, assistant.id),
    ]

    await sweep("--at", "2027-06-02T07:00Z")  # the day after the due date, unpaid
    assert await _reminders(session_factory, invoice_id) == [
        (ReminderStep.WEEK_BEFORE, assistant.id),
        (ReminderStep.DAY_BEFORE, assistant.id),
        (ReminderStep.DAY_AFTER, assistant.id),
    ]
    again = await sweep("--at", "2027-06-02T07:00Z")  # made once
    assert "payment_reminders" not in again.stderr
    assert len(await _reminders(session_factory, invoice_id)) == 3


def test_sweep_refuses_a_time_it_cannot_read(pomoshnik: Callable[..., Ran], tmp_path: Path) -> None:
    env = {"APP_DB__URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.sqlite3'}"}
    ran = pomoshnik(env, "sweep", "--at", "next tuesday")
    assert ran.returncode == 2
    assert "'next tuesday' is not an ISO-8601 time" in ran.stderr


def test_production_refuses_a_moved_clock_at_start(pomoshnik: Callable[..., Ran]) -> None:
    env = {
        "APP_ENV": "prod",
        "APP_DB__URL": "postgresql+asyncpg://u@127.0.0.1:1/d",
        "APP_AMOCRM__WEBHOOK_SECRET": "x" * 32,
        "APP_CLOCK__OFFSET": "+30d",
    }
    ran = pomoshnik(env, "sweep")
    assert ran.returncode == 2
    assert "error: APP_CLOCK__OFFSET moves the clock for demos and tests only" in ran.stderr
