"""ASGI middleware: request id, NUL characters in the URL, body size limit, Idempotency-Key replay,
Prometheus metrics."""

from __future__ import annotations

import contextlib
import hashlib
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qsl

from prometheus_client import CollectorRegistry, Counter, Histogram
from starlette._utils import get_route_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.config import Settings
from app.core.errors import DomainError, FieldError
from app.core.logging import get_logger, request_id_var
from app.services.kernel.idempotency import IdempotencyService
from app.services.kernel.unit_of_work import UnitOfWork

from .problems import STALE_WRITE, domain_problem, http_problem

log = get_logger(__name__)

_SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return None


class RequestIdMiddleware:
    """Takes X-Request-ID when it is sane, else makes one; binds it for logs, jobs and problems."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = _header(scope, b"x-request-id")
        rid = incoming if incoming and len(incoming) <= 64 and set(incoming) <= _SAFE_ID else uuid.uuid4().hex
        token = request_id_var.set(rid)

        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", rid.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            # The last line of defence, inside the request id: log it once, answer a 500 problem.
            log.exception("request.failed", path=scope.get("path"))
            if not started:
                response = http_problem(
                    500, "an unexpected error occurred; it has been logged", scope.get("path")
                )
                await response(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


class NulInUrlMiddleware:
    """A NUL character (%00) in the path or a query parameter is a 422 naming it, before any route
    runs: PostgreSQL cannot take one in text, and a search would end as a 500."""

    REASON = "must not contain the NUL character (U+0000)"

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            field: str | None = None
            if "\x00" in scope.get("path", ""):
                field = "path"
            else:
                query = scope.get("query_string", b"").decode("latin-1")
                if "%00" in query or "\x00" in query:
                    pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="replace")
                    name = next((k for k, v in pairs if "\x00" in k or "\x00" in v), None)
                    if name is not None:
                        field = f"query.{name.replace(chr(0), '')}"
            if field is not None:
                await domain_problem(FieldError(field, self.REASON), scope.get("path"))(scope, receive, send)
                return
        await self.app(scope, receive, send)


class _TooLarge(Exception):
    pass


def route_body_limit(route: Any, settings: Settings) -> int | None:
    """The body bound a route declares beside itself (``deps.body_limit``), in bytes; None if it
    declares none."""
    dependant = getattr(route, "dependant", None)
    stack = [dependant] if dependant is not None else []
    while stack:
        current = stack.pop()
        size = getattr(current.call, "__body_limit__", None)
        if size is not None:
            return int(size(settings))
        stack.extend(current.dependencies)
    return None


def _api_routes(routes: list[Any]) -> list[Any]:
    """The routes, with included routers flattened."""
    flat: list[Any] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            flat.extend(_api_routes(original.routes))
        elif getattr(route, "dependant", None) is not None:
            flat.append(route)
    return flat


class BodyLimitMiddleware:
    """Refuses bodies over the limit with 413, by Content-Length or while streaming, before the
    whole body is read. Every body is held to ``settings.api.max_body_bytes`` unless its route
    declares its own bound (a file upload): that route is looked up only for a body past the common
    bound, so the everyday request pays nothing for it. Once a streamed body (chunked, without a
    Content-Length) passes its bound, the answer is 413 whatever the route made of the cut-off body
    (FastAPI reads a failed body as invalid JSON)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self._declared: list[Any] | None = None

    def _route_limit(self, scope: Scope) -> int:
        default = self.settings.api.max_body_bytes
        if self._declared is None:
            routes = _api_routes(getattr(scope.get("app"), "routes", []))
            self._declared = [r for r in routes if route_body_limit(r, self.settings) is not None]
        path = get_route_path(scope)
        for route in self._declared:
            if scope["method"] in (route.methods or ()) and route.path_regex.match(path):
                return max(default, route_body_limit(route, self.settings) or default)
        return default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.settings.api.max_body_bytes
        declared = False  # whether the route's own bound was looked up
        length = _header(scope, b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            limit, declared = self._route_limit(scope), True
            if int(length) > limit:
                await self._refuse(scope, receive, send, limit)
                return
        seen = 0
        over = False
        started = False

        async def limited_receive() -> Message:
            nonlocal seen, over, limit, declared
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit and not declared:
                    limit, declared = self._route_limit(scope), True
                if seen > limit:
                    over = True
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if over and not started:
                return  # whatever the route answered to a cut-off body: 413 is sent instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        with contextlib.suppress(_TooLarge):  # raised past the route when a middleware reads the body
            await self.app(scope, limited_receive, tracking_send)
        if over and not started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = http_problem(413, f"the request body is larger than {limit} bytes", scope.get("path"))
        await response(scope, receive, send)


class StaleWriteRetryMiddleware:
    """A change sent without If-Match is applied or refused on its own merits: when its write loses
    a race with another request's (the row's version moved between the read and the write; the
    unit of work rolled back, no job left), it is run again over the row as it now stands, at most
    ``attempts`` times, and the caller sees only the last answer. A change that names a version with
    If-Match gets 412 when that version is stale, as it says. Bodies larger than ``replay_bytes``
    (file uploads) are not kept for a replay."""

    def __init__(self, app: ASGIApp, attempts: int = 3, replay_bytes: int = 1_048_576) -> None:
        self.app = app
        self.attempts = attempts
        self.replay_bytes = replay_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] in ("GET", "HEAD", "OPTIONS")
            or _header(scope, b"if-match") is not None
        ):
            await self.app(scope, receive, send)
            return
        kept: list[Message] = []  # the request's body messages, for a replay
        replayable = True
        size = 0

        async def keeping_receive() -> Message:
            nonlocal replayable, size
            message = await receive()
            if message["type"] == "http.request" and replayable:
                size += len(message.get("body", b""))
                replayable = size <= self.replay_bytes
                kept.append(message) if replayable else kept.clear()
            return message

        original = dict(scope)  # each attempt starts from the request as it came
        for attempt in range(1, self.attempts + 1):
            last = attempt == self.attempts or not replayable
            attempt_scope = dict(original)
            if attempt == 1:
                stale = await self._attempt(attempt_scope, keeping_receive, send, last)
            else:
                stale = await self._attempt(attempt_scope, _replaying(list(kept), receive), send, last)
            if "route" in attempt_scope:
                scope["route"] = attempt_scope["route"]  # for the metrics
            if not stale or last:
                return
            log.info("request.stale_write_retried", path=scope.get("path"), attempt=attempt)

    async def _attempt(self, scope: Scope, receive: Receive, send: Send, last: bool) -> bool:
        """Runs the request once; True when its write was stale and its answer was held back."""
        swallowed = False

        async def attempt_send(message: Message) -> None:
            nonlocal swallowed
            if message["type"] == "http.response.start" and scope.get(STALE_WRITE) and not last:
                swallowed = True
            if not swallowed:
                await send(message)

        await self.app(scope, receive, attempt_send)
        return swallowed


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """The request's body messages again, then the connection's own (a disconnect)."""
    replay = iter(messages)

    async def replay_receive() -> Message:
        return next(replay, None) or await receive()

    return replay_receive


class IdempotencyMiddleware:
    """Replays the stored response of a creating POST sent again with the same Idempotency-Key."""

    def __init__(
        self, app: ASGIApp, uow_factory: Callable[[], Awaitable[UnitOfWork]], ttl: timedelta
    ) -> None:
        self.app = app
        self.uow_factory = uow_factory
        self.ttl = ttl

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, b"idempotency-key") if scope["type"] == "http" else None
        # Keys are scoped to the caller's credential; a request without one is refused by the route.
        if (
            scope["type"] != "http"
            or scope["method"] != "POST"
            or key is None
            or not _header(scope, b"authorization")
        ):
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if not key or len(key) > 255:
            await http_problem(
                422,
                "Idempotency-Key must be 1 to 255 characters",
                path,
                errors=[
                    {
                        "field": "header.Idempotency-Key",
                        "reason": "must be 1 to 255 characters",
                        "code": "invalid",
                    }
                ],
            )(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body.extend(message.get("body", b""))
            more = message.get("more_body", False)
        auth = _header(scope, b"authorization") or ""
        caller = hashlib.sha256(auth.encode()).hexdigest()
        request_hash = hashlib.sha256(
            scope["method"].encode() + path.encode() + b"\n" + bytes(body)
        ).hexdigest()

        try:
            uow = await self.uow_factory()
            async with uow.session:
                stored = await IdempotencyService(uow).begin(
                    caller, key, "POST", path, request_hash, self.ttl
                )
                await uow.commit(None)
        except DomainError as exc:
            await domain_problem(exc, path)(scope, receive, send)
            return
        if stored is not None:
            headers = [
                (k.encode("latin-1"), v.encode("latin-1")) for k, v in json.loads(stored.headers or "[]")
            ]
            headers.append((b"idempotent-replayed", b"true"))
            await send({"type": "http.response.start", "status": stored.status_code, "headers": headers})
            await send({"type": "http.response.body", "body": stored.body})
            return

        sent_body = False

        async def replay_receive() -> Message:
            nonlocal sent_body
            if not sent_body:
                sent_body = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        status = 500
        headers_out: list[tuple[str, str]] = []
        chunks: list[bytes] = []

        async def capture_send(message: Message) -> None:
            nonlocal status, headers_out
            if message["type"] == "http.response.start":
                status = message["status"]
                headers_out = [
                    (k.decode("latin-1"), v.decode("latin-1"))
                    for k, v in message.get("headers", [])
                    if k.lower() not in (b"x-request-id", b"content-length", b"date", b"server")
                ]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, replay_receive, capture_send)
        finally:
            uow = await self.uow_factory()
            async with uow.session:
                service = IdempotencyService(uow)
                if status < 500:
                    await service.complete(caller, key, status, json.dumps(headers_out), b"".join(chunks))
                else:
                    await service.abandon(caller, key)
                await uow.commit(None)


class MetricsMiddleware:
    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "http_requests_total", "HTTP requests", ["method", "route", "status"], registry=registry
        )
        self.latency = Histogram(
            "http_request_duration_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def tracking_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", "unmatched")
            self.requests.labels(scope["method"], template, str(status)).inc()
            self.latency.labels(scope["method"], template).observe(time.perf_counter() - started)
