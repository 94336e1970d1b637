"""The arq worker, kept running through a Redis outage.

arq's own runner ends the process on the first lost connection (`ConnectionError` in its poll).
Here a worker that loses Redis lets its jobs in flight finish (their state is in the database), shuts
down, and a new one connects again after a pause that doubles with each failed attempt (1 s, 2 s …
at most ``max_pause``), each attempt logged. SIGTERM and SIGINT stop it, also while it waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import signal
from dataclasses import dataclass, field
from typing import Any

from arq.worker import Worker, create_worker
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from app.core.logging import get_logger

log = get_logger("pomoshnik.worker")

# What a lost or unreachable Redis raises, from arq's pool or from a command.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError, asyncio.TimeoutError)


@dataclass
class ReconnectingWorker:
    settings: Any
    first_pause: float = 1.0
    max_pause: float = 30.0
    options: dict[str, Any] = field(default_factory=dict)
    attempt: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _current: Worker | None = None

    def pause(self) -> float:
        return float(min(self.max_pause, self.first_pause * 2 ** max(self.attempt - 1, 0)))

    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self.stop, signum)
        while not self._stop.is_set():
            worker = self._worker()
            self._current = worker
            try:
                await worker.async_run()
            except asyncio.CancelledError:
                if not self._stop.is_set():
                    raise
            except REDIS_DOWN as exc:
                self.attempt += 1
                pause = self.pause()
                log.warning(
                    "worker.redis_unavailable",
                    attempt=self.attempt,
                    retry_in_seconds=pause,
                    error=f"{type(exc).__name__}: {exc}"[:200],
                )
                self._current = None
                await self._discard(worker)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), pause)
                continue
            else:
                if not self._stop.is_set():  # burst mode: the queue is done
                    self._stop.set()
            self._current = None
            await self._close(worker)

    def stop(self, signum: int = signal.SIGTERM) -> None:
        self._stop.set()
        if self._current is not None:
            self._current.handle_sig(signal.Signals(signum))

    def _worker(self) -> Worker:
        startup = getattr(self.settings, "on_startup", None)
        redis_settings = getattr(self.settings, "redis_settings", None)
        options: dict[str, Any] = {"handle_signals": False, **self.options}
        if redis_settings is not None:
            # One connection attempt per worker: the pauses between attempts are this runner's.
            options["redis_settings"] = dataclasses.replace(redis_settings, conn_retries=0)

        async def on_startup(ctx: dict[str, Any]) -> None:
            if startup is not None:
                await startup(ctx)
            if self.attempt:
                log.info("worker.reconnected", attempts=self.attempt)
                self.attempt = 0

        return create_worker(self.settings, on_startup=on_startup, **options)

    async def _close(self, worker: Worker) -> None:
        # A stop cancels the jobs under way (their state is in the database: the sweep takes them up
        # again); arq's close gathers them and would stop at the first cancelled one, before its
        # shutdown, so they are awaited and let go here first.
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        worker.tasks.clear()
        try:
            await worker.close()
        except REDIS_DOWN as exc:
            log.warning("worker.close_failed", error=type(exc).__name__)
            await self._discard(worker)

    async def _discard(self, worker: Worker) -> None:
        """A worker whose Redis is gone: its jobs in flight finish (their outcome is in the
        database; what they could not tell Redis is redone by the sweep), then its resources go."""
        await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
        if worker.on_shutdown is not None and worker._pool is not None:
            try:
                await worker.on_shutdown(worker.ctx)
            except Exception as exc:
                log.warning("worker.shutdown_failed", error=type(exc).__name__)
        pool, worker._pool = worker._pool, None
        if pool is not None:
            with contextlib.suppress(Exception):
                await pool.close(close_connection_pool=True)
