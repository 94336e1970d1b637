"""arq WorkerSettings: `arq app.worker.settings.WorkerSettings` (or `pomoshnik worker`)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from arq import cron
from arq.connections import RedisSettings

from app.core.clock import system_clock
from app.core.config import get_settings
from app.core.logging import configure_logging, get_logger
from app.services.kernel.permissions import configure_management
from app.services.kernel.rendering import default_renderer
from app.worker.context import JobContext, build_job_context, close_job_context
from app.worker.jobs import (
    FUNCTIONS,
    SWEEP_TIMEOUT_SECONDS,
    import_payments,
    refresh_key_rates,
    sweep,
    track_claim_letters,
)
from app.worker.jobs.mailbox import READ_TIMEOUT_SECONDS, read_mailbox

log = get_logger(__name__)


async def startup(ctx: dict[str, Any]) -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    configure_management(settings.approvals.management_roles)
    renderer = default_renderer()
    renderer.start()
    ctx["app"] = build_job_context(settings, system_clock(settings.clock.offset), renderer)
    log.info("worker.started")


async def shutdown(ctx: dict[str, Any]) -> None:
    app: JobContext | None = ctx.get("app")
    if app is None:
        return
    await asyncio.to_thread(app.renderer.shutdown)
    await close_job_context(app)


_settings = get_settings()


def _cron(job: Any, **schedule: Any) -> Any:
    # arq names a cron run's job id after the cron job: the queue's name in it keeps the runs of two
    # installations on one Redis apart (else one's sweep of a minute would stand in for the other's).
    return cron(job, name=f"cron:{_settings.redis.queue_name}:{job.__qualname__}", **schedule)


class WorkerSettings:
    functions: ClassVar[list[Any]] = list(FUNCTIONS)
    cron_jobs: ClassVar[list[Any]] = [
        _cron(sweep, second=0, run_at_startup=True, unique=True, timeout=SWEEP_TIMEOUT_SECONDS),
        _cron(track_claim_letters, minute={5}, second=0, unique=True, timeout=300),
        _cron(import_payments, minute=set(range(0, 60, 10)), second=30, unique=True, timeout=300),
        # Every minute; each run waits for new mail (IDLE) most of its minute, so mail is taken at once.
        _cron(read_mailbox, second=15, run_at_startup=True, unique=True, timeout=READ_TIMEOUT_SECONDS),
        # Daily at 11:00 on the worker's clock (UTC in the image), 14:00 in Moscow: the Bank of Russia
        # announces a decision at 13:30 and it takes effect on a later day, so the table has it in time.
        _cron(
            refresh_key_rates, hour={11}, minute={0}, second=0, run_at_startup=True, unique=True, timeout=300
        ),
    ]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(_settings.redis.url)
    queue_name = _settings.redis.queue_name
    max_jobs = 10
    job_timeout = 120
    max_tries = 5
    keep_result = 3600
    health_check_interval = 60
