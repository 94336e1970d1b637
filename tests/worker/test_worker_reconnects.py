"""`pomoshnik worker` outlives its Redis: a real worker process on a Redis server of its own, which
the test stops and starts again; the worker logs each attempt to reconnect, carries on, and runs a
job queued after Redis is back."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from pytest_redis import factories as redis_factories
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.adapters.queue import ArqQueue
from app.core.calendar import BusinessCalendar
from app.core.clock import SystemClock
from app.core.config import Settings
from app.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from app.services.kernel.outbox import DELIVER_JOB, OutboxService, job_id
from app.services.kernel.unit_of_work import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]

own_redis = redis_factories.redis_proc(executable=shutil.which("redis-server"), port=None)


async def _until(check: Callable[[], Awaitable[bool] | bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result if isinstance(result, bool) else await result:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; the worker said:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def _said(log: Path, event: str) -> int:
    return log.read_text(errors="replace").count(event)


def _start(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "app.cli", "worker"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


async def _message(session_factory: async_sessionmaker[AsyncSession]) -> int:
    async with session_factory() as session:
        uow = UnitOfWork(session=session, clock=SystemClock(), calendar=BusinessCalendar())
        message, _ = await OutboxService(uow).add(
            kind=OutboundKind.CHAT,
            channel="delivery",
            recipient="",
            body="Доставка завтра к 10:00",
            dedupe_key=f"reconnect:{uuid.uuid4().hex}",
        )
        await uow.commit(None)
    return message.id


async def test_the_worker_reconnects_after_redis_restarts_and_runs_a_job_queued_then(
    settings: Settings,
    session_factory: async_sessionmaker[AsyncSession],
    own_redis: Any,
    tmp_path: Path,
) -> None:
    redis_url = f"redis://{own_redis.host}:{own_redis.port}/0"
    queue_name = f"pomoshnik:reconnect:{uuid.uuid4().hex}"
    log = tmp_path / "worker.log"
    env = os.environ | {
        "APP_ENV": "test",
        "APP_LOG_LEVEL": "INFO",
        "APP_DB__URL": settings.db.url,
        "APP_REDIS__URL": redis_url,
        "APP_REDIS__QUEUE_NAME": queue_name,
        "APP_CHAT__STUB_DIR": str(settings.chat.stub_dir),
        "APP_STORAGE__LOCAL_DIR": str(settings.storage.local_dir),
        "APP_RATES__ADAPTER": "stub",
    }
    worker = _start(env, log)
    queue = ArqQueue(redis_url, queue_name, retry_after_failure=0.1)
    try:
        await _until(lambda: _said(log, "worker.started") > 0, 60, "the worker", log)
        with own_redis.stopped():
            await _until(
                lambda: _said(log, "worker.redis_unavailable") >= 2,
                60,
                "two attempts to reconnect",
                log,
            )
            assert worker.poll() is None, _tail(log)
        await _until(lambda: _said(log, "worker.reconnected") > 0, 60, "reconnecting", log)
        assert worker.poll() is None

        message_id = await _message(session_factory)
        assert await queue.enqueue(DELIVER_JOB.function, message_id, job_id=job_id(message_id, 0))

        async def sent() -> bool:
            async with session_factory() as session:
                message = await session.get(OutboundMessage, message_id)
            return message is not None and message.status == OutboundStatus.SENT

        await _until(sent, 60, "the job queued after Redis came back", log)
        assert worker.poll() is None
    finally:
        await queue.aclose()
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()
    # SIGTERM stops it cleanly.
    assert worker.returncode == 0, _tail(log)
