"""One sweep at a time per installation: two workers' sweeps meeting (a start-up sweep and another's
minute) make each reminder once, and neither fails."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from arq import create_pool
from arq.connections import RedisSettings
from sqlalchemy import func, select

from app.models.directory import Role
from app.models.payments import InvoiceReminder
from app.worker.jobs import sweep
from tests.api.test_payments import _two_approved_invoices


async def test_two_sweeps_at_once_make_each_reminder_once(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, redis_url: str
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    await _two_approved_invoices(client, app, assistant, head)
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        results = await asyncio.gather(
            sweep({"app": job_ctx, "redis": redis}),
            sweep({"app": job_ctx, "redis": redis}),
            return_exceptions=True,
        )
        assert not [r for r in results if isinstance(r, BaseException)], results
        done = [r for r in results if isinstance(r, dict) and "skipped" not in r]
        assert [r["payment_reminders"] for r in done] == [4]  # two steps before the due date, per invoice
        assert [r for r in results if isinstance(r, dict) and "skipped" in r] == [{"skipped": 1}]

        # The lock is given back: the next minute's sweep runs, with nothing left to make.
        again = await sweep({"app": job_ctx, "redis": redis})
        assert again["payment_reminders"] == 0
    finally:
        await redis.aclose()
    async with job_ctx.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(InvoiceReminder)) == 4
