"""A route declares only what is its own: its operationId is its handler's name unless it says
otherwise, and the problems its dependencies can answer with are declared for it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from pydantic import BaseModel

import app.api
from app.api import openapi
from app.api.deps import IfMatchDep, PathId, allowed, public
from app.api.routing import api_router
from app.schemas.common import problems
from app.services.kernel.permissions import Permission


class Thing(BaseModel):
    name: str


def _document() -> dict[str, Any]:
    router = api_router("/api/v1/things", tags=["things"])

    @router.get("/{thing_id:int}", dependencies=allowed(Permission.CLIENTS_READ))
    async def get_thing(thing_id: PathId) -> Thing:
        return Thing(name="one")

    @router.patch(
        "/{thing_id:int}",
        responses=problems(409),
        dependencies=allowed(Permission.CLIENTS_WRITE),
        operation_id="change_a_thing",
    )
    async def update_thing(thing_id: PathId, data: Thing, version: IfMatchDep) -> Thing:
        return data

    # Every role holds this permission: no 403.
    @router.get("", dependencies=allowed(Permission.REFERENCE_READ))
    async def list_things() -> list[Thing]:
        return []

    outside = api_router("/elsewhere", tags=["things"])

    @outside.get("", dependencies=[Depends(public("a probe"))])
    async def probe() -> Thing:
        return Thing(name="up")

    service = FastAPI()
    openapi.install(service)
    service.include_router(router)
    service.include_router(outside)
    return service.openapi()


def _problems(operation: dict[str, Any]) -> list[int]:
    return [int(code) for code in operation["responses"] if int(code) >= 400]


def test_operation_ids_are_the_handlers_names_unless_named() -> None:
    paths = _document()["paths"]
    assert paths["/api/v1/things/{thing_id}"]["get"]["operationId"] == "get_thing"
    assert paths["/api/v1/things/{thing_id}"]["patch"]["operationId"] == "change_a_thing"
    assert paths["/api/v1/things"]["get"]["operationId"] == "list_things"


def test_problems_are_derived_from_the_dependencies() -> None:
    paths = _document()["paths"]
    one = paths["/api/v1/things/{thing_id}"]
    # A permission (401, 403), an id in the path (404), and parameters (422).
    assert _problems(one["get"]) == [401, 403, 404, 422]
    # ... and If-Match (412), a body (413); the route's own 409 is kept.
    assert _problems(one["patch"]) == [401, 403, 404, 409, 412, 413, 422]
    assert one["patch"]["responses"]["412"]["description"] == "The resource has changed"
    # A permission every role holds: no 403. An /api/ route refuses unknown query parameters: 422.
    assert _problems(paths["/api/v1/things"]["get"]) == [401, 422]
    # Public, outside /api/, no parameters: nothing to declare.
    assert _problems(paths["/elsewhere"]["get"]) == []
    for operation in (one["get"], one["patch"]):
        for code in _problems(operation):
            assert list(operation["responses"][str(code)]["content"]) == ["application/problem+json"]


def test_routes_name_their_collaborators_instead_of_reading_app_state() -> None:
    """1C, the file store and the password hashing come through typed dependencies (deps.ErpDep,
    StorageDep, PasswordHashingDep); only deps.py reads them off the app, with the middleware and
    the probes (which check the engine, the queue and 1C themselves)."""
    api = Path(app.api.__file__).parent
    readers = sorted(
        module.name
        for module in api.glob("*.py")
        if module.name not in {"deps.py", "middleware.py", "health.py", "actions.py"}
        and "app.state." in module.read_text(encoding="utf-8")
    )
    assert readers == []


def test_every_app_serves_the_routes_built_at_import() -> None:
    """An app is given the routers' own routes, not included routers that FastAPI builds again for
    each app on its first requests (seconds for the first caller of a fresh process)."""
    from fastapi.routing import APIRoute

    from app.core.config import Settings
    from app.main import create_app
    from tests.support.declared import api_routes

    routes = create_app(Settings()).routes
    assert [r for r in routes if hasattr(r, "original_router")] == []
    built = {
        id(r)
        for module in vars(app.api).values()
        for r in getattr(getattr(module, "router", None), "routes", [])
    }
    served = {id(r) for r in api_routes(routes)}
    assert built
    assert built <= served
    assert all(isinstance(r, APIRoute) for r in api_routes(routes))
