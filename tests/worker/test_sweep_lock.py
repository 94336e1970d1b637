"""One sweep at a time per installation: two workers' sweeps meeting (a start-up sweep and another's
minute) make each reminder once, and neither fails; a lock left by a worker killed mid-sweep holds
the next sweep back only until it runs out."""

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
        # The second waited for the first, then found nothing left to make (the first made the
        # day-before calls of the two prepayment invoices).
        assert sorted(r["payment_reminders"] for r in results if isinstance(r, dict)) == [0, 2]

        # The lock is given back: the next minute's sweep runs at once, with nothing left to make.
        again = await sweep({"app": job_ctx, "redis": redis})
        assert again["payment_reminders"] == 0
    finally:
        await redis.aclose()
    async with job_ctx.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(InvoiceReminder)) == 2


async def test_a_lock_left_by_a_dead_sweep_only_delays_the_next(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, redis_url: str
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    await _two_approved_invoices(client, app, assistant, head)
    redis = await create_pool(RedisSettings.from_dsn(redis_url))
    try:
        # What a worker killed mid-sweep leaves: the lock, running out on its own.
        name = f"{job_ctx.settings.redis.queue_name}:sweep-lock"
        await redis.set(name, "a-dead-worker", px=1500)
        assert (await sweep({"app": job_ctx, "redis": redis}))["payment_reminders"] == 2
        assert not await redis.exists(name)
    finally:
        await redis.aclose()
