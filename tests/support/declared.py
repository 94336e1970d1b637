"""Every problem the OpenAPI declares must be answered somewhere in the suite.

A pytest plugin. Every response a FastAPI app gives inside the test processes (through httpx's ASGI
transport or a loopback uvicorn) is recorded as (method, route template, status): the route is the
one FastAPI matched (``scope["route"]``), or, for a response given by a middleware before routing
(413, a NUL in the URL, an Idempotency-Key in flight), the route that would have matched.

Each pytest-xdist worker writes what it saw to its own file in a run directory; the controller (or a
run without xdist) merges the files at the end. With ``POMOSHNIK_CHECK_DECLARED=1`` (``make test``
sets it) a run of the whole suite then fails unless every 4xx/5xx status declared on every operation
of ``openapi/openapi.json`` was seen, and lists what was not, on the terminal and in
``var/declared-responses-missing.txt``. Without the variable, or when only some tests are chosen
(paths, ``-k``, ``-m``), there is no check.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import Message, Receive, Scope, Send

ROOT = Path(__file__).parents[2]
OPENAPI_FILE = ROOT / "openapi" / "openapi.json"
MISSING_FILE = ROOT / "var" / "declared-responses-missing.txt"
CHECK_ENV = "POMOSHNIK_CHECK_DECLARED"
_RUN_DIR_KEY = "pomoshnik_declared_run_dir"
_CONVERTER = re.compile(r"\{([^}:]+):[^}]+\}")

Seen = tuple[str, str, int]
SEEN: set[Seen] = set()


def template(path: str) -> str:
    """A route's path as the OpenAPI writes it (``{task_id:int}`` → ``{task_id}``)."""
    return _CONVERTER.sub(r"{\1}", path)


def api_routes(routes: Iterable[Any]) -> list[APIRoute]:
    """The app's routes, with included routers flattened."""
    flat: list[APIRoute] = []
    for route in routes:
        if hasattr(route, "original_router"):
            flat.extend(api_routes(route.original_router.routes))
        elif isinstance(route, APIRoute):
            flat.append(route)
    return flat


def _route_of(app: FastAPI, scope: Scope) -> Any:
    route = scope.get("route")
    if route is not None:
        return route
    # Answered before routing (a middleware): the route the request was addressed to, if any.
    for candidate in api_routes(app.routes):
        match, _ = candidate.matches(scope)
        if match is Match.FULL:
            return candidate
    return None


_original_call = FastAPI.__call__


async def _recording_call(self: FastAPI, scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        await _original_call(self, scope, receive, send)
        return
    status: int | None = None

    async def watching_send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    try:
        await _original_call(self, scope, receive, watching_send)
    finally:
        route = _route_of(self, scope) if status is not None else None
        if status is not None and isinstance(route, APIRoute):
            SEEN.add((str(scope["method"]), template(route.path), status))


FastAPI.__call__ = _recording_call  # type: ignore[method-assign]


def declared_problems(openapi: dict[str, Any]) -> set[Seen]:
    """Every (method, path, status) of a 4xx/5xx response the OpenAPI declares."""
    return {
        (method.upper(), path, int(code))
        for path, operations in openapi["paths"].items()
        for method, operation in operations.items()
        for code in operation.get("responses", {})
        if code.isdigit() and int(code) >= 400
    }


def missing(seen: set[Seen], openapi: dict[str, Any]) -> list[Seen]:
    return sorted(declared_problems(openapi) - seen, key=lambda s: (s[1], s[0], s[2]))


def _worker_id(config: pytest.Config) -> str:
    workerinput = getattr(config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


def _run_dir(config: pytest.Config) -> Path:
    workerinput = getattr(config, "workerinput", None)
    if workerinput and _RUN_DIR_KEY in workerinput:
        return Path(workerinput[_RUN_DIR_KEY])
    run_dir: Path | None = getattr(config, "_declared_run_dir", None)
    if run_dir is None:
        run_dir = Path(tempfile.mkdtemp(prefix="pomoshnik-declared-"))
        config._declared_run_dir = run_dir  # type: ignore[attr-defined]
    return run_dir


def _subset(config: pytest.Config) -> bool:
    """Only some of the tests were chosen (paths, -k, -m): what they miss says nothing."""
    chosen = {str(Path(a).resolve()) for a in config.args}
    everything = {str((config.rootpath / p).resolve()) for p in config.getini("testpaths")}
    chosen_part = chosen != everything or bool(config.option.keyword) or bool(config.option.markexpr)
    return chosen_part or bool(config.option.collectonly)


def pytest_configure(config: pytest.Config) -> None:
    if not hasattr(config, "workerinput"):
        _run_dir(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """xdist, on the controller: tell each worker where to write what it saw."""
    node.workerinput[_RUN_DIR_KEY] = str(_run_dir(node.config))


@pytest.hookimpl(tryfirst=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    config = session.config
    run_dir = _run_dir(config)
    (run_dir / f"{_worker_id(config)}.json").write_text(json.dumps(sorted(SEEN)), encoding="utf-8")
    if hasattr(config, "workerinput") or os.environ.get(CHECK_ENV) != "1":
        return
    if _subset(config):
        config._declared_skipped = True  # type: ignore[attr-defined]
        return
    seen: set[Seen] = set()
    for part in run_dir.glob("*.json"):
        seen |= {(m, p, int(s)) for m, p, s in json.loads(part.read_text(encoding="utf-8"))}
    gaps = missing(seen, json.loads(OPENAPI_FILE.read_text(encoding="utf-8")))
    MISSING_FILE.parent.mkdir(parents=True, exist_ok=True)
    MISSING_FILE.write_text("".join(f"{m} {p} {s}\n" for m, p, s in gaps), encoding="utf-8")
    config._declared_gaps = gaps  # type: ignore[attr-defined]
    if gaps and session.exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if getattr(config, "_declared_skipped", False):
        terminalreporter.write_line(f"{CHECK_ENV}: a part of the suite was run, the check is skipped")
        return
    gaps: list[Seen] | None = getattr(config, "_declared_gaps", None)
    if gaps is None:
        return
    if not gaps:
        terminalreporter.write_line("every declared problem response was reached", green=True)
        return
    terminalreporter.section("declared problem responses never reached", red=True)
    for method, path, status in gaps:
        terminalreporter.write_line(f"{status} {method} {path}")
    terminalreporter.write_line(f"{len(gaps)} missing; the list is in {MISSING_FILE.relative_to(ROOT)}")
