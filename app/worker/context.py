"""What every job needs, built once per worker process (or by a test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.adapters.amocrm import build_crm
from app.adapters.cbr import build_key_rate_source
from app.adapters.chat import build_chat_gateway
from app.adapters.email import build_mailer
from app.adapters.mail_in import build_mailbox
from app.adapters.onec import build_erp
from app.adapters.post import StubPostTracker, build_post_tracker
from app.adapters.queue import ArqQueue
from app.adapters.storage import build_storage
from app.core.calendar import BusinessCalendar
from app.core.clock import Clock
from app.core.config import Settings
from app.core.db import create_engine, create_session_factory
from app.core.logging import request_id_var
from app.services.kernel.ports import (
    ChatGateway,
    Crm,
    Erp,
    JobQueue,
    KeyRateSource,
    Mailbox,
    Mailer,
    PostTracker,
    Storage,
)
from app.services.kernel.rendering import Renderer, default_renderer
from app.services.kernel.unit_of_work import UnitOfWork


@dataclass
class JobContext:
    settings: Settings
    engine: AsyncEngine
    session_factory: async_sessionmaker[AsyncSession]
    clock: Clock
    calendar: BusinessCalendar
    chat: ChatGateway
    mailer: Mailer
    queue: JobQueue
    erp: Erp
    crm: Crm
    storage: Storage
    key_rates: KeyRateSource
    post: PostTracker = field(default_factory=StubPostTracker)
    renderer: Renderer = field(default_factory=default_renderer)
    mailbox: Mailbox | None = None  # the shared mailbox, when one is configured

    @property
    def stuck_after(self) -> timedelta:
        return timedelta(minutes=self.settings.worker.stuck_after_minutes)

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        """One transaction; commits on success and only then enqueues the jobs it produced."""
        async with self.session_factory() as session:
            uow = UnitOfWork(
                session=session,
                clock=self.clock,
                calendar=self.calendar,
                request_id=request_id_var.get(),
                renderer=self.renderer,
            )
            try:
                yield uow
            except BaseException:
                await uow.rollback()
                raise
            await uow.commit(self.queue)


def build_job_context(settings: Settings, clock: Clock, renderer: Renderer | None = None) -> JobContext:
    """The context of the settings' real collaborators (the worker's, and `pomoshnik sweep`'s); the
    renderer is started by whoever runs it."""
    engine = create_engine(settings.db.url, pool_size=settings.db.pool_size)
    return JobContext(
        settings=settings,
        engine=engine,
        session_factory=create_session_factory(engine),
        clock=clock,
        calendar=BusinessCalendar(ZoneInfo(settings.company.timezone)),
        chat=build_chat_gateway(settings),
        mailer=build_mailer(settings.smtp),
        queue=ArqQueue(settings.redis.url, settings.redis.queue_name),
        erp=build_erp(settings.onec),
        crm=build_crm(settings.amocrm),
        storage=build_storage(settings.storage),
        key_rates=build_key_rate_source(settings.rates),
        post=build_post_tracker(settings.post, clock),
        renderer=renderer or default_renderer(),
        mailbox=build_mailbox(settings.mailbox),
    )


async def close_job_context(app: JobContext) -> None:
    """Close what ``build_job_context`` opened, but the renderer (its owner stops it)."""
    for resource in (app.chat, app.queue, app.crm, app.storage, app.key_rates, app.post, app.erp):
        close = getattr(resource, "aclose", None)
        if close is not None:
            await close()
    await app.engine.dispose()
