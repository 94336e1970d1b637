"""RFC 9457 problem details for every error the API can answer with."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core import errors
from app.core.logging import get_logger, request_id_var
from app.schemas.common import PROBLEM_MEDIA
from app.services.kernel.ports import ErpUnavailable

log = get_logger(__name__)

# A dependency that is down (the database, a file store) is told as a 503 worth retrying soon.
_RETRY_SOON = {"Retry-After": "5"}

# Set on a request's scope when its write lost a race with another writer (a stale row version).
STALE_WRITE = "pomoshnik.stale_write"

STATUS_OF: list[tuple[type[errors.DomainError], int]] = [
    (errors.NotFound, 404),
    (errors.Unauthenticated, 401),
    (errors.Forbidden, 403),
    (errors.PreconditionFailed, 412),
    (errors.Conflict, 409),
    (errors.FieldError, 422),
    (errors.TooManyRequests, 429),
    (errors.Unavailable, 503),
    (errors.DomainError, 400),
]

_HTTP_CODES = {
    400: ("bad_request", "Bad request"),
    401: ("unauthenticated", "Authentication required"),
    403: ("forbidden", "Not allowed"),
    404: ("not_found", "Not found"),
    405: ("method_not_allowed", "Method not allowed"),
    406: ("not_acceptable", "Not acceptable"),
    409: ("conflict", "Conflict with the current state"),
    412: ("precondition_failed", "The resource has changed"),
    413: ("payload_too_large", "Request body too large"),
    415: ("unsupported_media_type", "Unsupported media type"),
    422: ("invalid_input", "Invalid input"),
    428: ("precondition_required", "Precondition required"),
    429: ("too_many_requests", "Too many requests"),
    500: ("internal_error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


def problem_response(
    status: int,
    code: str,
    title: str,
    detail: str | None,
    *,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://pomoshnik.example/problems/{code.replace('_', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        "code": code,
        "request_id": request_id_var.get(),
    }
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA, headers=headers)


def http_problem(
    status: int,
    detail: str | None,
    instance: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    code, title = _HTTP_CODES.get(status, ("error", "Error"))
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return problem_response(status, code, title, detail, instance=instance, headers=headers, **extra)


def domain_problem(exc: errors.DomainError, instance: str | None) -> JSONResponse:
    status = next(s for cls, s in STATUS_OF if isinstance(exc, cls))
    extra = dict(exc.extra)
    if isinstance(exc, errors.FieldError):
        extra["errors"] = [{"field": exc.field, "reason": exc.reason, "code": exc.code}]
    extra.pop("entity", None)
    extra.pop("permission", None)
    extra.pop("state", None)
    extra.pop("action", None)
    extra.pop("current_version", None)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if (retry_after := extra.pop("retry_after", None)) is not None:
        headers = {"Retry-After": str(retry_after)}
    return problem_response(
        status, exc.code, exc.title, exc.detail, instance=instance, headers=headers, **extra
    )


def _field_path(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc)


def validation_problem(exc: RequestValidationError, instance: str | None) -> JSONResponse:
    problems = []
    for err in exc.errors():
        loc = tuple(err.get("loc", ()))
        # pydantic puts the validator name into the path for constrained/union types; drop it.
        loc = tuple(p for p in loc if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
        if loc[:1] == ("body",) and len(loc) > 1:
            loc = loc[1:]
        problems.append(
            {
                "field": _field_path(loc),
                "reason": err.get("msg", "is invalid"),
                "code": err.get("type", "invalid"),
            }
        )
    detail = "; ".join(f"{p['field']}: {p['reason']}" for p in problems[:5])
    return problem_response(422, "invalid_input", "Invalid input", detail, instance=instance, errors=problems)


def _flatten(routes: list[Any]) -> list[APIRoute]:
    flat: list[APIRoute] = []
    for route in routes:
        original = getattr(route, "original_router", None)
        if original is not None:
            flat.extend(_flatten(original.routes))
        elif isinstance(route, APIRoute):
            flat.append(route)
    return flat


def _allowed_methods(app: FastAPI, path: str) -> list[str]:
    """Every method any route serves on this path (routers split one path over several routes)."""
    routes = _flatten(list(app.routes))
    # A literal path (/tasks/mine) is its own resource even where a template (/tasks/{id}) matches it.
    literal = [r for r in routes if r.path == path]
    methods: set[str] = set()
    for route in literal or [r for r in routes if r.path_regex.match(path)]:
        methods |= route.methods or set()
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def install(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def _domain(request: Request, exc: errors.DomainError) -> JSONResponse:
        return domain_problem(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return validation_problem(exc, request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = str(exc.detail) if exc.detail else None
        headers = dict(exc.headers or {})
        if exc.status_code == 400:
            # The body could not be read as JSON at all (e.g. not UTF-8): bad input like any other.
            reason = "is not valid JSON text (UTF-8)"
            return http_problem(
                422,
                f"body: {reason}",
                request.url.path,
                errors=[{"field": "body", "reason": reason, "code": "json_invalid"}],
            )
        if exc.status_code == 405:
            headers["Allow"] = ", ".join(_allowed_methods(app, request.url.path))
        return http_problem(exc.status_code, detail, request.url.path, headers=headers)

    @app.exception_handler(StaleDataError)
    async def _stale(request: Request, exc: StaleDataError) -> JSONResponse:
        # Another request changed the row between this one's read and its write. With If-Match the
        # caller named a version, now stale: 412. Without, the request is run again over the row as
        # it now stands (StaleWriteRetryMiddleware, told by this mark); if it loses every time, 409.
        request.scope[STALE_WRITE] = True
        if request.headers.get("if-match") is not None:
            return http_problem(
                412, "the resource was changed by another request; read it again", request.url.path
            )
        return problem_response(
            409,
            "concurrent_change",
            "Conflict with the current state",
            "the resource is being changed by other requests at the same time; try again",
            instance=request.url.path,
        )

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> JSONResponse:
        log.info("db.integrity_conflict", error=str(exc.orig)[:300])
        return http_problem(
            409,
            "the change conflicts with existing data (a duplicate or a missing reference)",
            request.url.path,
        )

    @app.exception_handler(InterfaceError)
    @app.exception_handler(OperationalError)
    async def _db_down(request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("db.unavailable", error=str(exc.orig)[:300])
        return http_problem(
            503, "the database is unavailable; try again shortly", request.url.path, headers=_RETRY_SOON
        )

    @app.exception_handler(ErpUnavailable)
    async def _erp_down(request: Request, exc: ErpUnavailable) -> JSONResponse:
        log.error("onec.unavailable", error=str(exc)[:300])
        return http_problem(
            503, "1C is unavailable; try again shortly", request.url.path, headers=_RETRY_SOON
        )

    @app.exception_handler(OSError)
    async def _os(request: Request, exc: OSError) -> JSONResponse:
        log.error("dependency.unavailable", error=str(exc)[:300])
        return http_problem(
            503, "a dependency is unavailable; try again shortly", request.url.path, headers=_RETRY_SOON
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("request.failed")
        return http_problem(500, "an unexpected error occurred; it has been logged", request.url.path)
