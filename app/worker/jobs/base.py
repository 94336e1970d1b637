"""What every job shares: the request id it was queued with, its context, and the shape of a
process's part in the minute sweep."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar, cast

from app.core.logging import JOB_REQUEST_ID, request_id_var
from app.services.kernel.jobs import JobKind
from app.worker.context import JobContext

T = TypeVar("T")
P = ParamSpec("P")


def correlated(job: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """``job`` as arq runs it: the request id it was queued with, taken off its keywords, is the
    request id of everything it logs and records."""

    @functools.wraps(job)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        token = request_id_var.set(cast(str | None, kwargs.pop(JOB_REQUEST_ID, None)))
        try:
            return await job(*args, **kwargs)
        finally:
            request_id_var.reset(token)

    return run


def job_context(ctx: dict[str, Any]) -> JobContext:
    app: JobContext = ctx["app"]
    return app


@dataclass
class Swept:
    """What one process's part of the minute sweep did: its counts by name, and the job runs it
    asks for (enqueued by the sweep once every part has run)."""

    counts: dict[str, int] = field(default_factory=dict)
    runs: list[tuple[JobKind, int, str]] = field(default_factory=list)

    def run(self, kind: JobKind, subject: int, *parts: object) -> None:
        self.runs.append((kind, subject, kind.run_id(subject, *parts)))


# A process's part of the sweep: given the context and the sweep's minute («YYYYmmddHHMM», which
# tells one minute's runs from the next), it does what fell due, each in a unit of work of its own.
SweepStep = Callable[[JobContext, str], Awaitable[Swept]]
