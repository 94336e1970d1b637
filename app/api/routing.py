"""How the API's routers are made, so that a route declares only what is its own.

A route's operationId is its handler's name: the console's generated client and integrators call
operations by it, so it must never change by accident (a route whose id differs from its handler's
name says so with ``operation_id=``).

The problems a route can answer because of what it depends on are declared by the route class, read
from its dependencies, so that a route writes out only the problems of its own rules (a 409 of a
state machine, a 429, a 503 of the renderer):

* 401 from a permission (``allow``): a token is needed; 403 too when some role lacks the permission;
* 404 from an identifier in the path (``{order_id:int}``): it may name no row;
* 412 from ``If-Match`` (``IfMatchDep``): the version named is stale;
* 413 from a request body (past the bound on bodies);
* 422 from parameters or a body, and on every /api/ route (an unknown query parameter is refused).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_flat_params
from fastapi.routing import APIRoute
from fastapi.utils import create_model_field
from starlette.convertors import IntegerConvertor

from app.api.deps import if_match
from app.schemas.common import problems
from app.services.kernel.permissions import MATRIX, Permission


def operation_id(route: APIRoute) -> str:
    """The operationId of a route that names none: its handler's name."""
    return route.name


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any] | None]:
    for dependency in dependant.dependencies:
        yield dependency.call
        yield from _calls(dependency)


def derived_problems(route: APIRoute) -> list[int]:
    """The problem statuses the route's dependencies can answer with (see the module's docstring)."""
    calls = list(_calls(route.dependant))
    permissions: list[Permission] = [
        p for c in calls if (p := getattr(c, "__permission__", None)) is not None
    ]
    held_by_all = frozenset.intersection(*MATRIX.values())
    statuses = set()
    if permissions:
        statuses.add(401)
        if any(p not in held_by_all for p in permissions):
            statuses.add(403)
    if any(isinstance(c, IntegerConvertor) for c in route.param_convertors.values()):
        statuses.add(404)
    if if_match in calls:
        statuses.add(412)
    if route.body_field is not None:
        statuses.add(413)
    if route.path_format.startswith("/api/") or route.body_field or get_flat_params(route.dependant):
        statuses.add(422)
    return sorted(statuses)


class ApiRoute(APIRoute):
    """A route that declares the problems its dependencies can answer with, beside its own."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        # The operationId, named or taken from the handler, is what a reader of the route finds in
        # its operation_id, as when every route wrote it out.
        self.operation_id = self.operation_id or self.unique_id
        derived = {s: r for s, r in problems(*derived_problems(self)).items() if s not in self.responses}
        self.responses = {**derived, **self.responses}
        for status, response in derived.items():
            self.response_fields[status] = create_model_field(
                name=f"Response_{status}_{self.unique_id}", type_=response["model"], mode="serialization"
            )


def api_router(prefix: str = "", *, tags: list[str]) -> APIRouter:
    """A router of the API: operation ids from the handlers' names, problems from the dependencies."""
    return APIRouter(
        prefix=prefix, tags=list(tags), route_class=ApiRoute, generate_unique_id_function=operation_id
    )
