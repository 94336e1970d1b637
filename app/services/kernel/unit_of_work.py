"""The unit of work: one session, one clock, one actor; jobs leave only after the commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.calendar import BusinessCalendar
from app.core.clock import Clock
from app.core.logging import get_logger
from app.models.directory import Employee
from app.services.kernel.actor_cache import ACTORS_CHANGED, ActorCache
from app.services.kernel.jobs import JobKind
from app.services.kernel.ports import JobQueue, Notices
from app.services.kernel.rendering import Renderer, default_renderer

log = get_logger(__name__)


@dataclass(frozen=True)
class PendingJob:
    function: str
    args: tuple[Any, ...]
    job_id: str


@dataclass
class UnitOfWork:
    session: AsyncSession
    clock: Clock
    calendar: BusinessCalendar
    actor: Employee | None = None
    request_id: str | None = None
    jobs: list[PendingJob] = field(default_factory=list)
    actors: ActorCache | None = None
    forget_actors: bool = False  # a token or an employee changed: the caches are cleared on commit
    notices: Notices | None = None  # how the other processes are told
    renderer: Renderer = field(default_factory=default_renderer)  # documents are made in its processes

    def after_commit(self, kind: JobKind, subject: int, *run: object) -> None:
        """Queue a job about ``subject`` to be enqueued once the transaction has committed (never
        before), under the id ``run`` tells apart from the kind's other runs."""
        job_id = kind.run_id(subject, *run)
        if all(j.job_id != job_id for j in self.jobs):
            self.jobs.append(PendingJob(kind.function, (subject,), job_id))

    async def commit(self, queue: JobQueue | None) -> None:
        await self.session.commit()
        if self.forget_actors:
            self.forget_actors = False
            if self.actors is not None:
                self.actors.clear()
            if self.notices is not None:
                await self.notices.publish(ACTORS_CHANGED)
        jobs, self.jobs = self.jobs, []
        if queue is None:
            return
        for job in jobs:
            # A failed enqueue loses nothing: the row stays due and the minute sweep picks it up.
            if not await queue.enqueue(job.function, *job.args, job_id=job.job_id):
                log.warning("job.enqueue_deferred", function=job.function, job_id=job.job_id)

    async def rollback(self) -> None:
        self.jobs = []
        await self.session.rollback()
