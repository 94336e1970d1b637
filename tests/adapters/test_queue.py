"""The job queue on a real Redis, read by a real arq worker: a job enqueued in one round trip is the
job arq itself would have queued, and a job id is taken once, as arq takes it."""

from __future__ import annotations

import uuid
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker, func

from app.adapters.queue import ArqQueue
from app.core.config import DbSettings, RedisSettings, Settings
from app.core.logging import JOB_REQUEST_ID, request_id_var

SEEN: list[tuple[tuple[Any, ...], str | None]] = []


async def remember(ctx: dict[str, Any], *args: Any, **kwargs: Any) -> str:
    SEEN.append((args, kwargs.get(JOB_REQUEST_ID)))
    return "done"


async def _run(queue: ArqQueue) -> Worker:
    worker = Worker(
        functions=[func(remember, name="remember")],
        redis_settings=queue.settings,
        queue_name=queue.queue_name,
        burst=True,
        poll_delay=0.05,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    return worker


async def test_a_queued_job_runs_once_with_its_arguments(redis_url: str) -> None:
    SEEN.clear()
    queue = ArqQueue(redis_url, f"pomoshnik:test:{uuid.uuid4().hex}")
    token = request_id_var.set("req-queue-1")
    try:
        assert await queue.enqueue("remember", 41, "Заказ", job_id="remember:41")
        # Delivered twice before the worker ran: still one job.
        assert await queue.enqueue("remember", 41, "Заказ", job_id="remember:41")
        pool = queue._pool
        assert isinstance(pool, ArqRedis)
        queued = await pool.queued_jobs(queue_name=queue.queue_name)
        assert [(j.job_id, j.function, j.args, j.kwargs) for j in queued] == [
            (queue.job_id("remember:41"), "remember", (41, "Заказ"), {JOB_REQUEST_ID: "req-queue-1"})
        ]
        assert queue.job_id("remember:41") == f"{queue.queue_name}:remember:41"
        ttl = await pool.pttl(f"arq:job:{queue.job_id('remember:41')}")
        assert 0 < ttl <= pool.expires_extra_ms

        worker = await _run(queue)
        assert (worker.jobs_complete, worker.jobs_failed) == (1, 0)
        assert SEEN == [((41, "Заказ"), "req-queue-1")]

        # Its result is kept: the same id is not run again; a new id is.
        assert await queue.enqueue("remember", 41, "Заказ", job_id="remember:41")
        assert await queue.enqueue("remember", 42, "Заказ", job_id="remember:42")
        worker = await _run(queue)
        assert worker.jobs_complete == 1
        assert SEEN[1:] == [((42, "Заказ"), "req-queue-1")]
    finally:
        request_id_var.reset(token)
        await queue.aclose()


async def test_the_script_is_loaded_again_after_redis_forgets_it(redis_url: str) -> None:
    queue = ArqQueue(redis_url, f"pomoshnik:test:{uuid.uuid4().hex}")
    try:
        assert await queue.enqueue("remember", 1, job_id="remember:flush:1")
        pool = queue._pool
        assert isinstance(pool, ArqRedis)
        await pool.script_flush()
        assert await queue.enqueue("remember", 2, job_id="remember:flush:2")
        queued = await pool.queued_jobs(queue_name=queue.queue_name)
        assert sorted(j.job_id for j in queued) == [
            queue.job_id("remember:flush:1"),
            queue.job_id("remember:flush:2"),
        ]
    finally:
        await queue.aclose()


async def test_two_installations_on_one_redis_have_a_queue_each(redis_url: str, tmp_path: Any) -> None:
    """Two installations (two databases) on one Redis: each has its own queue by default, the same
    job id in both is two jobs, and each worker runs only its own installation's."""
    first, second = (
        Settings(db=DbSettings(url=f"sqlite+aiosqlite:///{tmp_path / name}.sqlite3"))
        for name in ("first", "second")
    )
    assert first.redis.queue_name != second.redis.queue_name
    assert first.redis.queue_name == Settings(db=first.db).redis.queue_name  # stable
    named = Settings(db=first.db, redis=RedisSettings(queue_name="pomoshnik:shop"))
    assert named.redis.queue_name == "pomoshnik:shop"

    SEEN.clear()
    queues = [ArqQueue(redis_url, s.redis.queue_name) for s in (first, second)]
    try:
        for n, queue in enumerate(queues, start=1):
            assert await queue.enqueue("remember", n, job_id="outbound:1:0")
        await _run(queues[0])
        assert [args for args, _ in SEEN] == [(1,)]
        await _run(queues[1])
        assert [args for args, _ in SEEN] == [(1,), (2,)]
    finally:
        for queue in queues:
            await queue.aclose()
