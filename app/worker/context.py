"""What every job needs, built once per worker process (or by a test)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.adapters.post import StubPostTracker
from app.core.calendar import BusinessCalendar
from app.core.clock import Clock
from app.core.config import Settings
from app.core.logging import request_id_var
from app.services.documents.rendering import Renderer, default_renderer
from app.services.ports import (
    ChatGateway,
    Crm,
    Erp,
    JobQueue,
    KeyRateSource,
    Mailer,
    PostTracker,
    Storage,
)
from app.services.unit_of_work import UnitOfWork


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
