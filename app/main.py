"""The application factory: settings in, a configured FastAPI app out."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from prometheus_client import CollectorRegistry

from app.adapters.notices import RedisNotices
from app.adapters.onec import build_erp
from app.adapters.queue import ArqQueue
from app.adapters.storage import build_storage
from app.api import (
    aging,
    auth,
    catalogue,
    chats,
    clients,
    collection,
    credit,
    deliveries,
    directory,
    flags,
    health,
    invoices,
    mailbox,
    openapi,
    orders,
    payments,
    penalties,
    problems,
    proposals,
    reconciliations,
    reference,
    reports,
    requisitions,
    specs,
    statistics,
    tasks,
    warehouse_checks,
    webhooks,
)
from app.api.console import ConsoleMiddleware
from app.api.middleware import (
    BodyLimitMiddleware,
    IdempotencyMiddleware,
    MetricsMiddleware,
    NulInUrlMiddleware,
    RequestIdMiddleware,
    StaleWriteRetryMiddleware,
)
from app.core.calendar import BusinessCalendar
from app.core.clock import Clock, system_clock
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_session_factory
from app.core.logging import configure_logging
from app.core.security import PasswordHashing
from app.services.kernel.actor_cache import ACTORS_CHANGED, ActorCache
from app.services.kernel.permissions import configure_management
from app.services.kernel.ports import Erp, JobQueue, Storage
from app.services.kernel.rendering import Renderer, default_renderer
from app.services.kernel.unit_of_work import UnitOfWork

API_DESCRIPTION = """
Pomoshnik runs the regulations of the sales service department: orders, invoices, proposals,
workshop specs, receivables, the morning warehouse check and the daily report.

* Authenticate with `Authorization: Bearer <token>` (`POST /api/v1/auth/token`, or a personal token).
* Every error is `application/problem+json` (RFC 9457) with a stable `code` and the `request_id`;
  422 carries `errors` with the field and the reason.
* A query parameter an operation does not take is refused (422, `query.<name>`), not ignored.
* Creating POSTs accept `Idempotency-Key`; updates take `If-Match` with the `ETag` you read (412 if stale).
  Without `If-Match` a change is applied over the row as it stands, or refused on its own merits.
* Lists are cursor-paginated: pass `next_cursor` back as `cursor`.
* Emails and chat posts are sent by a worker after the change that makes them is committed, at
  least once: sent is recorded the moment the server takes a message, and only a worker that dies
  before that record sends it again (an email with the same Message-ID). See `GET /api/v1/outbound`.
"""


@dataclass
class Overrides:
    """Collaborators a test or a demo may replace."""

    clock: Clock | None = None
    queue: Any = None
    erp: Erp | None = None
    storage: Storage | None = None
    renderer: Renderer | None = None


def create_app(settings: Settings | None = None, overrides: Overrides | None = None) -> FastAPI:
    settings = settings or get_settings()
    overrides = overrides or Overrides()
    configure_logging(settings.log_level, settings.log_json)
    configure_management(settings.approvals.management_roles)
    engine = create_engine(settings.db.url, echo=settings.db.echo, pool_size=settings.db.pool_size)
    session_factory = create_session_factory(engine)
    queue: JobQueue = overrides.queue or ArqQueue(settings.redis.url, settings.redis.queue_name)
    clock = overrides.clock or system_clock(settings.clock.offset)
    calendar = BusinessCalendar(ZoneInfo(settings.company.timezone))
    renderer = overrides.renderer or default_renderer()

    notices = RedisNotices(settings.redis.url, settings.redis.queue_name)
    actors = ActorCache(settings.auth.actor_cache_seconds)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Who a token is, changed through another process: forgotten here as soon as it is told.
        app.state.notices_heard = asyncio.Event()  # set while subscribed
        listening = asyncio.create_task(notices.listen(ACTORS_CHANGED, actors.clear, app.state.notices_heard))
        renderer.start()  # the render processes warm up while the first requests are served
        if settings.env != "test":
            # What is loaded at start lives as long as the process: out of the collector's sight
            # (gc.freeze), and collections less often. Each request makes many short-lived objects
            # (ORM rows, models); a full collection among them is a latency spike for whoever waits.
            gc.collect()
            gc.freeze()
            gc.set_threshold(20_000, 20, 50)
        yield
        listening.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await listening
        for resource in (queue, notices, app.state.storage, app.state.erp):
            close = getattr(resource, "aclose", None)
            if close is not None:
                await close()
        await asyncio.to_thread(renderer.shutdown)  # no render process outlives the app
        await engine.dispose()
        app.state.password_hashing.close()

    app = FastAPI(
        title="Pomoshnik API",
        version="1.0.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        openapi_tags=[
            {"name": "auth", "description": "Login, the current user, personal API tokens"},
            {"name": "directory", "description": "Departments and employees"},
            {"name": "clients", "description": "Counterparties and their contacts"},
            {"name": "orders", "description": "Orders from every channel: intake and clarification"},
            {"name": "invoices", "description": "Invoices made from accepted orders, and their PDF"},
            {"name": "proposals", "description": "Commercial proposals: priced tables with photos, the PDF"},
            {"name": "mailbox", "description": "E-mails taken from the shared mailbox and what each became"},
            {"name": "document flags", "description": "Mistakes in documents, open until fixed"},
            {"name": "credit", "description": "Credit terms: requests, the lawyer's verdict, the decision"},
            {"name": "payments", "description": "Payments from clients, allocated to their invoices"},
            {"name": "penalties", "description": "Interest under art. 395 and contractual penalties"},
            {"name": "requisitions", "description": "The requisition book: what supply procures, and when"},
            {"name": "tasks", "description": "Calls, reminders and checks of the regulation"},
            {"name": "reference", "description": "Links, terms and abbreviations of the regulation"},
            {"name": "catalogue", "description": "The 1C nomenclature"},
            {"name": "chats", "description": "Work chats and outbound messages"},
            {"name": "webhooks", "description": "Inbound webhooks (amoCRM), each with its secret in the URL"},
            {"name": "health", "description": "Probes and metrics"},
        ],
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.queue = queue
    app.state.clock = clock
    app.state.actors = actors
    app.state.notices = notices
    app.state.calendar = calendar
    app.state.renderer = renderer
    app.state.erp = overrides.erp or build_erp(settings.onec)
    app.state.storage = overrides.storage or build_storage(settings.storage)
    app.state.metrics_registry = CollectorRegistry()
    app.state.password_hashing = PasswordHashing(settings.auth.max_concurrent_hashing)

    async def uow_factory() -> UnitOfWork:
        return UnitOfWork(session=session_factory(), clock=clock, calendar=calendar, renderer=renderer)

    problems.install(app)
    openapi.install(app)
    # Routes are matched in this order, one pattern after another, on every request: the intake
    # paths (orders, the amoCRM webhook) first, as the busiest. The prefixes do not overlap, so the
    # order decides nothing else.
    # The routers' own routes are added as they are, not through include_router: FastAPI builds an
    # included router's routes again for each app, on its first requests (seconds for ours), while
    # these were built once, when their modules were imported. Nothing is added at inclusion (no
    # prefix, tags, dependencies or overrides), so the routes are the same.
    for router in (
        orders,
        webhooks,
        health,
        auth,
        directory,
        clients,
        credit,
        deliveries,
        invoices,
        payments,
        proposals,
        penalties,
        reconciliations,
        aging,
        collection,
        flags,
        mailbox,
        requisitions,
        specs,
        tasks,
        reference,
        catalogue,
        chats,
        warehouse_checks,
        reports,
        statistics,
    ):
        app.router.routes.extend(router.router.routes)

    # Outermost last: request id → metrics → body limit → idempotency → CORS → stale-write retry →
    # the console's files → routes.
    app.add_middleware(ConsoleMiddleware, dist=settings.api.console_dir)
    app.add_middleware(StaleWriteRetryMiddleware)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api.cors_origins,
            allow_methods=["*"],
            allow_headers=["*"],
            expose_headers=["ETag", "X-Request-ID"],
        )
    app.add_middleware(
        IdempotencyMiddleware,
        uow_factory=uow_factory,
        ttl=timedelta(hours=settings.api.idempotency_ttl_hours),
    )
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    app.add_middleware(NulInUrlMiddleware)
    app.add_middleware(MetricsMiddleware, registry=app.state.metrics_registry)
    app.add_middleware(RequestIdMiddleware)
    return app
