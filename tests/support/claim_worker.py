"""A real arq worker process for the exactly-once tests: the production startup (settings from the
environment), only the delivery job, and no cron (the test runs the sweep itself)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from arq.connections import RedisSettings

from app.worker.jobs import deliver_outbound
from app.worker.settings import shutdown, startup


class WorkerSettings:
    functions: ClassVar[list[Any]] = [deliver_outbound]
    on_startup = startup
    on_shutdown = shutdown
    redis_settings = RedisSettings.from_dsn(os.environ["APP_REDIS__URL"])
    queue_name = os.environ["APP_REDIS__QUEUE_NAME"]
    poll_delay = 0.05
    max_tries = 5
