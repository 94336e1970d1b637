"""Every job the services ask for is one the worker runs, and no two kinds share a run-id prefix
(a run of one would then stand in for a run of the other)."""

from __future__ import annotations

import importlib
import pkgutil

import app.services
from app.services.kernel.jobs import JobKind
from app.worker.settings import WorkerSettings


def _kinds() -> dict[str, JobKind]:
    found: dict[str, JobKind] = {}
    for module in pkgutil.walk_packages(app.services.__path__, "app.services."):
        for name, value in vars(importlib.import_module(module.name)).items():
            if isinstance(value, JobKind):
                found[f"{module.name}.{name}"] = value
    return found


def test_every_job_kind_is_a_function_the_worker_runs() -> None:
    kinds = _kinds()
    registered = {function.__name__ for function in WorkerSettings.functions}
    assert len({kind.function for kind in kinds.values()}) >= 9
    assert {where: kind.function for where, kind in kinds.items() if kind.function not in registered} == {}


def test_job_kinds_have_prefixes_of_their_own() -> None:
    by_prefix: dict[str, set[str]] = {}
    for kind in _kinds().values():
        by_prefix.setdefault(kind.prefix, set()).add(kind.function)
    assert {prefix: functions for prefix, functions in by_prefix.items() if len(functions) > 1} == {}


def test_a_run_id_is_the_prefix_the_subject_and_what_tells_the_run_apart() -> None:
    kind = JobKind("register_invoice", "invoice-1c")
    assert kind.run_id(7) == "invoice-1c:7"
    assert kind.run_id(7, "revision", 3) == "invoice-1c:7:revision:3"
