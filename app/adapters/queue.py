"""The job queue port on arq/Redis. Enqueue never blocks a request for long: when Redis is down the
row stays due in the database and the worker's sweep sends it later."""

from __future__ import annotations

import time
from typing import Any

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.constants import job_key_prefix, result_key_prefix
from arq.jobs import serialize_job
from redis.commands.core import AsyncScript

from app.adapters.redis_backoff import Backoff, close_quietly
from app.core.logging import JOB_REQUEST_ID, request_id_var

# arq's enqueue_job in one round trip: the same keys, the same serialized job and the same rule (a
# job id that is queued, running or has a result is not queued again), checked and written
# atomically by Redis. arq's own WATCH / EXISTS / MULTI / EXEC takes three round trips, and on the
# webhook's path that was a fifth of the request's CPU.
_ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[3])
return 1
"""


class ArqQueue:
    """Jobs on the queue ``queue_name``. arq keys a job by its id alone, whatever its queue, so the
    ids carry the queue's name: two installations on one Redis never take each other's ids."""

    def __init__(self, url: str, queue_name: str, *, retry_after_failure: float = 5.0) -> None:
        self.settings = RedisSettings.from_dsn(url)
        self.settings.conn_timeout = 1
        self.settings.conn_retries = 0
        self.queue_name = queue_name
        self.backoff = Backoff(retry_after_failure)
        self._pool: ArqRedis | None = None
        self._enqueue: AsyncScript | None = None

    async def _get_pool(self) -> ArqRedis | None:
        if self._pool is not None:
            return self._pool
        if self.backoff.waiting:
            return None
        try:
            self._pool = await create_pool(self.settings, default_queue_name=self.queue_name)
            self._enqueue = self._pool.register_script(_ENQUEUE)
        except Exception as exc:  # OSError, TimeoutError or redis's own connection errors
            self.backoff.failed("queue.unavailable", exc)
            return None
        return self._pool

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        pool = await self._get_pool()
        script = self._enqueue
        if pool is None or script is None:
            return False
        now_ms = int(time.time() * 1000)
        job = serialize_job(
            function,
            args,
            {JOB_REQUEST_ID: request_id_var.get()},
            None,
            now_ms,
            serializer=pool.job_serializer,
        )
        ident = self.job_id(job_id)
        keys = [job_key_prefix + ident, result_key_prefix + ident, self.queue_name]
        try:
            await script(keys=keys, args=[job, pool.expires_extra_ms, ident, now_ms])
        except Exception as exc:
            self.backoff.failed("queue.unavailable", exc)
            await self._drop_pool()
            return False
        return True

    def job_id(self, job_id: str) -> str:
        """The id arq knows the job by."""
        return f"{self.queue_name}:{job_id}"

    async def ping(self) -> bool:
        pool = await self._get_pool()
        if pool is None:
            return False
        try:
            return bool(await pool.ping())
        except Exception as exc:
            self.backoff.failed("queue.unavailable", exc)
            await self._drop_pool()
            return False

    async def _drop_pool(self) -> None:
        pool, self._pool = self._pool, None
        self._enqueue = None
        await close_quietly(pool)

    async def aclose(self) -> None:
        await self._drop_pool()
