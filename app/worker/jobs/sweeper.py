"""The minute sweep: each process's part in turn, then the job runs they asked for.

A part (``SweepStep``) does what fell due in its process, in units of work of its own, and names
the runs it wants; the sweep enqueues them all at the end, so a run is queued only after what made
it due has committed. The order is the registry's: the parts that make tasks run before the tasks
are told to their people; the runs of the outbox, 1C and the post follow.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from app.core.logging import get_logger
from app.worker.context import JobContext
from app.worker.jobs import directory, invoices, orders, outbox, proposals, receivables, specs, workday
from app.worker.jobs.base import SweepStep, correlated, job_context

log = get_logger(__name__)
SWEEP_TIMEOUT_SECONDS = 300  # the sweep's cron timeout
# How long the sweep's lock outlives a worker that died holding it (renewed while the sweep runs),
# and how long a sweep waits for another's.
SWEEP_LOCK_SECONDS = 10
SWEEP_WAIT_SECONDS = 60
REDIS_ERRORS = (RedisError, OSError)

STEPS: tuple[SweepStep, ...] = (
    receivables.swept,
    workday.swept,
    directory.notices,
    outbox.swept,
    orders.swept,
    invoices.swept,
    specs.swept,
    proposals.swept,
    directory.pruned,
)


@correlated
async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """The minute cron: turn what fell due into rows, then (re)enqueue every due outbound row.

    One sweep at a time per installation, whichever worker runs it: two at once (a worker's start-up
    sweep meeting another's minute) would both find the same invoices due and the second would fail
    on the reminders the first made. So a sweep takes a lock in Redis, beside the queue (a sweep
    runs from it), and one that finds it taken waits for it, then runs over what the other left.
    The lock is taken for a few seconds and renewed while the sweep runs, so one left by a worker
    killed mid-sweep is free again soon. A sweep called outside arq (`ctx` without its Redis) takes
    none."""
    redis = ctx.get("redis")
    if redis is None:
        return await _sweep(job_context(ctx))
    lock = redis.lock(
        f"{job_context(ctx).settings.redis.queue_name}:sweep-lock",
        timeout=SWEEP_LOCK_SECONDS,
        blocking_timeout=SWEEP_WAIT_SECONDS,
    )
    if not await lock.acquire():
        log.warning("sweep.skipped", reason=f"another sweep held the lock for {SWEEP_WAIT_SECONDS} s")
        return {"skipped": 1}
    holding = asyncio.create_task(_keep(lock))
    try:
        return await _sweep(job_context(ctx))
    finally:
        holding.cancel()
        with contextlib.suppress(LockError, *REDIS_ERRORS):
            await lock.release()


async def _keep(lock: Any) -> None:
    """Keeps the sweep's lock while the sweep runs: it is taken for a short time and renewed, so the
    lock of a worker killed mid-sweep is free again within ``SWEEP_LOCK_SECONDS``."""
    with contextlib.suppress(LockError, *REDIS_ERRORS):
        while True:
            await asyncio.sleep(SWEEP_LOCK_SECONDS / 3)
            await lock.reacquire()


async def sweep_now(app: JobContext) -> dict[str, int]:
    """The sweep run outside arq (`pomoshnik sweep`): it takes the installation's sweep lock as the
    cron does, so it never meets a worker's sweep; with Redis down no worker sweeps, and it runs
    without."""
    redis = Redis.from_url(app.settings.redis.url, socket_connect_timeout=1, socket_timeout=5)
    try:
        try:
            await redis.ping()
        except (RedisError, OSError):
            log.warning("sweep.without_lock", reason="Redis does not answer")
            return await sweep({"app": app})
        return await sweep({"app": app, "redis": redis})
    finally:
        await redis.aclose()


async def _sweep(app: JobContext) -> dict[str, int]:
    minute = app.clock.now().strftime("%Y%m%d%H%M")
    counts: dict[str, int] = {}
    runs = []
    for step in STEPS:
        done = await step(app, minute)
        counts.update(done.counts)
        runs.extend(done.runs)
    enqueued = 0
    for kind, subject, run_id in runs:
        enqueued += await app.queue.enqueue(kind.function, subject, job_id=run_id)
    counts["enqueued"] = enqueued
    if any(counts.values()):
        log.info("sweep.done", **counts)
    return counts
