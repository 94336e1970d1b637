"""The worker's jobs as the services ask for them.

A job kind is the worker's function and the prefix of the ids its runs are queued under. A run's id
is that prefix, the subject's id and whatever tells this run from another (an attempt, a revision,
the sweep's minute): a second request under an id the queue still holds is the same run. The
services and the worker's sweep build the ids here, so a kind's ids are written once.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class JobKind:
    function: str  # the name the worker registers the job under
    prefix: str  # the first part of every run's id

    def run_id(self, subject: int, *parts: object) -> str:
        return ":".join([self.prefix, str(subject), *(str(part) for part in parts)])
