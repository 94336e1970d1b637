"""Annotated dependencies: settings, the unit of work, the actor and its permissions, paging, ETags."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Header, Path, Query, Request, Response, params
from fastapi.dependencies.utils import get_flat_params
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import Field

from app.api.actions import bind_caller
from app.core.config import Settings
from app.core.db import MAX_ID
from app.core.errors import FieldError, Unauthenticated
from app.core.logging import request_id_var
from app.core.security import PasswordHashing
from app.models.directory import Employee
from app.schemas.common import Page
from app.schemas.events import EventRead
from app.services.directory.employees import AuthService
from app.services.kernel.history import HistoryService
from app.services.kernel.permissions import Permission, require
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.unit_of_work import UnitOfWork


def known_query_only(request: Request) -> None:
    """Every /api/ route refuses a query parameter it does not take, naming it (422): a misspelt
    filter (`?stauts=approved`) would otherwise be ignored and the whole list given back. Called by
    `allow` and `public`, which every route has: after the token and the permission, as FastAPI's
    own validation comes after them, and before anything is read or written."""
    if not request.scope.get("query_string"):
        return
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.path_format.startswith("/api/"):
        return
    known = _query_parameters(route)
    unknown = [name for name in dict.fromkeys(request.query_params) if name not in known]
    if unknown:
        takes = ", ".join(sorted(known)) or "none"
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"not a parameter of this operation (it takes: {takes})",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
        )


def _query_parameters(route: APIRoute) -> frozenset[str]:
    """The query parameters the route takes, its dependencies' included: what FastAPI's OpenAPI
    document lists for it (the same flattening), read once per route and kept on it, without
    building the document (1.5 s for this API)."""
    known: frozenset[str] | None = getattr(route, "query_parameters", None)
    if known is None:
        fields = get_flat_params(route.dependant)
        known = frozenset(field.alias for field in fields if isinstance(field.field_info, params.Query))
        route.query_parameters = known  # type: ignore[attr-defined]
    return known


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


# The app's collaborators, typed: a route names the one it needs instead of reading app.state.
async def get_erp(request: Request) -> Erp:
    erp: Erp = request.app.state.erp
    return erp


ErpDep = Annotated[Erp, Depends(get_erp)]


async def get_storage(request: Request) -> Storage:
    storage: Storage = request.app.state.storage
    return storage


StorageDep = Annotated[Storage, Depends(get_storage)]


async def get_password_hashing(request: Request) -> PasswordHashing:
    hashing: PasswordHashing = request.app.state.password_hashing
    return hashing


PasswordHashingDep = Annotated[PasswordHashing, Depends(get_password_hashing)]


async def get_uow(request: Request) -> AsyncIterator[UnitOfWork]:
    """One unit of work per request; only this edge commits, and jobs leave after the commit."""
    state = request.app.state
    async with state.session_factory() as session:
        uow = UnitOfWork(
            session=session,
            clock=state.clock,
            calendar=state.calendar,
            request_id=request_id_var.get(),
            actors=state.actors,
            notices=state.notices,
            renderer=state.renderer,
        )
        try:
            yield uow
        except BaseException:
            await uow.rollback()
            raise
        await uow.commit(state.queue)


UowDep = Annotated[UnitOfWork, Depends(get_uow, scope="function")]


# A service that several routers use has its alias here; one that only its own router uses is
# provided beside that router's routes. FastAPI caches ``get_uow`` per request, so every service a
# route takes shares the request's one unit of work.
async def auth_service(uow: UowDep) -> AuthService:
    return AuthService(uow)


AuthDep = Annotated[AuthService, Depends(auth_service)]

bearer = HTTPBearer(auto_error=False, description="A login session token or a personal API token")
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


async def _authenticated(
    request: Request, uow: UnitOfWork, credentials: HTTPAuthorizationCredentials | None
) -> Employee:
    """The caller of the request, once per unit of work (a route that takes both ``allow`` and
    ``ActorDep`` asks twice)."""
    if uow.actor is not None:
        return uow.actor
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise Unauthenticated(
            "send 'Authorization: Bearer <token>'; get a token from POST /api/v1/auth/token"
        )
    actor = await AuthService(uow).authenticate(credentials.credentials)
    uow.actor = actor
    bind_caller(request.app, actor)
    return actor


async def current_actor(request: Request, uow: UowDep, credentials: BearerDep) -> Employee:
    return await _authenticated(request, uow, credentials)


ActorDep = Annotated[Employee, Depends(current_actor)]


def allow(permission: Permission) -> Callable[..., Coroutine[Any, Any, Employee]]:
    """A dependency that admits the caller only with ``permission`` (deny by default). It
    authenticates the caller itself rather than through ``ActorDep``: every route has one, and
    each dependency FastAPI resolves costs a share of a request's CPU (the order intake's above
    all)."""

    async def dependency(request: Request, uow: UowDep, credentials: BearerDep) -> Employee:
        actor = await _authenticated(request, uow, credentials)
        require(actor, permission)
        known_query_only(request)
        return actor

    dependency.__permission__ = permission  # type: ignore[attr-defined]
    dependency.__name__ = f"allow_{permission.value.replace(':', '_')}"
    return dependency


def allowed(permission: Permission) -> list[params.Depends]:
    """A route's ``dependencies`` admitting only callers with ``permission``:
    ``@router.get(..., dependencies=allowed(Permission.ORDERS_READ))``."""
    return [_allowed(permission)]


@functools.cache
def _allowed(permission: Permission) -> params.Depends:
    """One dependency per permission, whichever module's routes ask for it."""
    return params.Depends(allow(permission))


def public(reason: str) -> Callable[[Request], Coroutine[Any, Any, None]]:
    """Marks a route that needs no token, with the reason (checked by the permission test)."""

    async def dependency(request: Request) -> None:
        known_query_only(request)

    dependency.__public__ = reason  # type: ignore[attr-defined]
    return dependency


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')
# An If-Match that names no version we could have issued: the update must fail with 412, but only
# after the request itself was found valid (a malformed body is still a 422).
NO_VERSION = -1


async def if_match(
    value: Annotated[
        str | None,
        Header(
            alias="If-Match",
            description='The ETag of the version you read (e.g. `"3"`); a stale one gets 412',
            max_length=64,
        ),
    ] = None,
) -> int | None:
    if value is None or value.strip() == "*":
        return None
    match = _ETAG.match(value)
    return int(match.group(1)) if match else NO_VERSION


IfMatchDep = Annotated[int | None, Depends(if_match)]


def body_limit(size: Callable[[Settings], int]) -> params.Depends:
    """A route's own bound on its request body, declared beside it (``dependencies=[...]``) for a
    route that takes more than ``api.max_body_bytes`` (a file upload). BodyLimitMiddleware reads it
    from the matched route and answers 413 past it, before the body is read."""

    async def dependency() -> None:
        return None

    dependency.__body_limit__ = size  # type: ignore[attr-defined]
    marker: params.Depends = Depends(dependency)
    return marker


# A multipart form's envelope (its boundaries, headers and other fields) around the file it carries.
FORM_ENVELOPE = 64 * 1024
DOCUMENT_BODY = body_limit(lambda s: s.storage.max_document_bytes + FORM_ENVELOPE)
PHOTO_BODY = body_limit(lambda s: s.proposals.max_photo_bytes + FORM_ENVELOPE)

PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
QueryId = Annotated[int | None, Query(ge=1, le=MAX_ID)]
# Several ids of one kind (`?id=3&id=7`): a list's rows named by id, read in one request.
MAX_QUERY_IDS = 100
QueryIds = Annotated[
    list[Annotated[int, Field(ge=1, le=MAX_ID)]] | None,
    Query(max_length=MAX_QUERY_IDS, description=f"Only these (up to {MAX_QUERY_IDS}, e.g. `?id=3&id=7`)"),
]


# The 200 of a route that gives back a file as it was uploaded: with the content type it came with
# (a scan, a photo, a text), so any type, not one.
STORED_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
        "description": "The file as it was uploaded, with its own content type",
    }
}


# A browser must take a file for the type we send, never guess it from the content (an uploaded
# "photo" that is really HTML would run as a page of ours).
NOSNIFF = {"X-Content-Type-Options": "nosniff"}


def file_response(
    content: bytes, media_type: str, filename: str, disposition: str = "attachment"
) -> Response:
    """A stored or generated file for download, its name in RFC 5987 form (Cyrillic names survive).
    A stored upload always goes as an attachment (saved, not opened in our origin)."""
    return Response(
        content,
        media_type=media_type,
        headers={"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}", **NOSNIFF},
    )


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF we render, shown in the browser (inline), saved under ``filename``."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"', **NOSNIFF},
    )


def set_etag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


class PageParams:
    def __init__(self, limit: int, cursor: str | None) -> None:
        self.limit = limit
        self.cursor = cursor


async def page_params(
    settings: SettingsDep,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Page size (at most the configured maximum)")
    ] = None,
    cursor: Annotated[
        str | None, Query(max_length=512, description="`next_cursor` of the previous page")
    ] = None,
) -> PageParams:
    if limit is not None and limit > settings.api.max_page_size:
        raise FieldError("query.limit", f"must be at most {settings.api.max_page_size}")
    return PageParams(limit or settings.api.default_page_size, cursor)


# Every dependency is a coroutine: a plain function would be run in the thread pool, a thread hop
# per request for nothing.
PageDep = Annotated[PageParams, Depends(page_params)]


async def history_service(uow: UowDep) -> HistoryService:
    return HistoryService(uow)


HistoryDep = Annotated[HistoryService, Depends(history_service)]


async def history_page(
    history: HistoryService, entity: str, entity_id: int, page: PageParams
) -> Page[EventRead]:
    """One page of an aggregate's history, oldest first."""
    result = await history.page(entity, entity_id, cursor=page.cursor, limit=page.limit)
    return Page(items=[EventRead.model_validate(e) for e in result.items], next_cursor=result.next_cursor)
