"""The arq worker's resident memory through a batch of jobs (goal: < 200 MB, as the API's).

A real worker process (`python -m app.cli worker`) runs against PostgreSQL, Redis and an SMTP sink
it is given on loopback. Its memory is read once it is up and idle (the baseline, after its startup
sweep), then the batch goes through the job path the service uses: e-mails, each with a
reconciliation act to render as a PDF when it goes out (BENCH_WORKER_ACTS acts of
BENCH_WORKER_ACT_LINES lines), recorded in the outbox and enqueued after the commit; the worker
renders and sends them, up to its max_jobs at once. Reported: the RSS after the batch, the peak
during it, and their ratio to the idle RSS. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import gc
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app.adapters.queue import ArqQueue  # noqa: E402
from app.core.calendar import BusinessCalendar  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.core.db import create_engine, create_session_factory  # noqa: E402
from app.models.outbox import OutboundKind, OutboundMessage, OutboundStatus  # noqa: E402
from app.services.kernel.outbox import OutboxService  # noqa: E402
from app.services.kernel.unit_of_work import UnitOfWork  # noqa: E402
from bench.common import machine, shown, start_postgres, start_redis, verdict, write_result  # noqa: E402
from bench.documents import act_view  # noqa: E402
from tests.support.smtp import smtp_sink  # noqa: E402

ACTS = int(os.environ.get("BENCH_WORKER_ACTS", "10"))
ACT_LINES = int(os.environ.get("BENCH_WORKER_ACT_LINES", "500"))
BATCH_TIMEOUT = float(os.environ.get("BENCH_WORKER_TIMEOUT", "600"))
QUEUE_NAME = "pomoshnik:bench"


def rss(process: psutil.Process) -> float:
    """The worker's resident memory with its render processes' (and their fork server's); those
    forked from one server share pages, so theirs is counted by PSS where the system tells it."""
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        try:
            info = child.memory_full_info()
        except (psutil.NoSuchProcess, psutil.AccessDenied):  # a render process replaced meanwhile
            continue
        total += getattr(info, "pss", info.rss)
    return float(total) / 2**20


def wait_idle(process: psutil.Popen, log: Path, timeout: float = 120) -> float:
    """Seconds until the worker has started and its memory has settled (three equal-ish readings)."""
    started = time.monotonic()
    while "worker.started" not in log.read_text(encoding="utf-8", errors="replace"):
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        if time.monotonic() - started > timeout:
            raise RuntimeError("the worker did not start")
        time.sleep(0.2)
    readings: list[float] = []
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            raise RuntimeError(f"the worker exited ({process.returncode}):\n{log.read_text()[-2000:]}")
        readings.append(rss(process))
        if len(readings) >= 3 and max(readings[-3:]) - min(readings[-3:]) < 0.5:
            break
        time.sleep(1)
    return time.monotonic() - started


async def enqueue_batch(db_url: str, redis_url: str) -> list[int]:
    """The e-mails with their acts, recorded in the outbox; the jobs go to Redis after the commit."""
    engine = create_engine(db_url, pool_size=2)
    queue = ArqQueue(redis_url, QUEUE_NAME)
    view = act_view(ACT_LINES).to_json()
    ids: list[int] = []
    try:
        async with create_session_factory(engine)() as session:
            uow = UnitOfWork(
                session=session, clock=FixedClock(datetime.now(UTC)), calendar=BusinessCalendar()
            )
            for i in range(ACTS):
                message, _ = await OutboxService(uow).add(
                    kind=OutboundKind.EMAIL,
                    channel="email",
                    recipient=f"buh{i}@example.ru",
                    subject=f"Акт сверки № {1000 + i}",
                    body="Направляем акт сверки взаимных расчётов.",
                    dedupe_key=f"bench-act:{i}",
                    payload={"attachments": [{"kind": "reconciliation_act_pdf", "view": view}]},
                )
                ids.append(message.id)
            await uow.commit(queue)
    finally:
        await queue.aclose()
        await engine.dispose()
    return ids


async def unsent(db_url: str, ids: list[int]) -> int:
    engine = create_engine(db_url, pool_size=1)
    try:
        async with create_session_factory(engine)() as session:
            count = await session.scalar(
                select(func.count())
                .select_from(OutboundMessage)
                .where(OutboundMessage.id.in_(ids), OutboundMessage.status != OutboundStatus.SENT)
            )
            return int(count or 0)
    finally:
        await engine.dispose()


def measure(tmp: Path) -> dict[str, Any]:
    pg, db_url = start_postgres(tmp)
    redis, redis_url = start_redis(tmp)
    worker: psutil.Popen | None = None
    try:
        with smtp_sink() as (mailbox, smtp_port):
            env = os.environ | {
                "APP_DB__URL": db_url,
                "APP_REDIS__URL": redis_url,
                "APP_REDIS__QUEUE_NAME": QUEUE_NAME,
                "APP_SMTP__HOST": "127.0.0.1",
                "APP_SMTP__PORT": str(smtp_port),
                "APP_CHAT__STUB_DIR": str(tmp / "chat"),
                "APP_STORAGE__LOCAL_DIR": str(tmp / "storage"),
                "APP_LOG_LEVEL": "INFO",
                "APP_LOG_JSON": "false",
            }
            cli = [sys.executable, "-m", "app.cli"]
            subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
            log = tmp / "worker.log"
            with log.open("wb") as out:
                worker = psutil.Popen(
                    [*cli, "worker"], env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
                )
            settle = wait_idle(worker, log)
            idle = rss(worker)
            ids = asyncio.run(enqueue_batch(db_url, redis_url))
            started = time.monotonic()
            peak = idle
            left = len(ids)
            last_check = 0.0
            while left and time.monotonic() - started < BATCH_TIMEOUT:
                if worker.poll() is not None:
                    raise RuntimeError(f"the worker exited ({worker.returncode}):\n{log.read_text()[-2000:]}")
                peak = max(peak, rss(worker))
                if time.monotonic() - last_check > 1:
                    left = asyncio.run(unsent(db_url, ids))
                    last_check = time.monotonic()
                time.sleep(0.1)
            seconds = time.monotonic() - started
            if left:
                raise RuntimeError(f"{left} of {len(ids)} messages unsent after {BATCH_TIMEOUT:.0f} s")
            time.sleep(1)
            after = rss(worker)
            peak = max(peak, after)
            return {
                "acts": ACTS,
                "act_lines": ACT_LINES,
                "emails_received": len(mailbox.received),
                "batch_seconds": round(seconds, 1),
                "startup_seconds": round(settle, 1),
                "worker_rss_idle_mb": round(idle, 1),
                "worker_rss_after_mb": round(after, 1),
                "worker_rss_peak_mb": round(peak, 1),
                "ratio_after_idle": round(after / idle, 2),
            }
    finally:
        if worker is not None and worker.is_running():
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except psutil.TimeoutExpired:
                worker.kill()
        redis.terminate()
        redis.wait(timeout=20)
        pg.stop()
        del pg
        gc.collect()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-") as tmp:
        os.chmod(tmp, 0o755)
        result = measure(Path(tmp))
    result |= {"machine": machine(), "when": time.strftime("%Y-%m-%d %H:%M")}
    out = write_result("worker-memory", result)
    print(f"\nWorker memory ({ACTS} e-mails, each with a {ACT_LINES}-line act) — {result['machine']}")
    print(f"{'measure':44} {'value':>10}  goal")
    print(f"{'worker RSS idle after start, MB':44} {result['worker_rss_idle_mb']:10.1f}")
    print(f"{'batch rendered and sent, s':44} {result['batch_seconds']:10.1f}")
    print(f"{'worker RSS peak during the batch, MB':44} {result['worker_rss_peak_mb']:10.1f}")
    after = result["worker_rss_after_mb"]
    print(f"{'worker RSS after the batch, MB':44} {after:10.1f}  < 200 ({verdict(after < 200)})")
    print(f"{'ratio after / idle':44} {result['ratio_after_idle']:10.2f}")
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
