"""`allowed_actions` as this caller sees them: of the actions a resource's state allows, those whose
endpoint the caller's permissions admit.

The endpoint of an action is found in the route table, as a client finds it: the route under the
resource's path (`/api/v1/orders/{order_id}`) whose last segment is the action's name; its required
permissions are the ones `allowed(...)` declares on the route. So a permission is never written twice,
and an action with no endpoint is never offered."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute

from app.models.directory import Employee
from app.services.kernel.permissions import Permission, permissions_of

_PARAM = re.compile(r"\{([^}:]+)(?::[^}]+)?\}")
READS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class ActionRoute:
    """A route that acts on one resource: `METHOD <item>/…/<segment>`."""

    item: str  # the resource's path, `/api/v1/orders/{order_id}`
    segment: str  # the action's name
    method: str
    path: str  # the route's path as the OpenAPI writes it
    permissions: frozenset[Permission]


def _permissions(dependant: Any) -> set[Permission]:
    found: set[Permission] = set()
    for dep in dependant.dependencies:
        permission = getattr(dep.call, "__permission__", None)
        if permission is not None:
            found.add(permission)
        found |= _permissions(dep)
    return found


def _flat(routes: Iterable[Any]) -> list[APIRoute]:
    flat: list[APIRoute] = []
    for route in routes:
        if hasattr(route, "original_router"):
            flat.extend(_flat(route.original_router.routes))
        elif isinstance(route, APIRoute):
            flat.append(route)
    return flat


def action_routes(routes: Iterable[Any]) -> dict[tuple[str, str], list[ActionRoute]]:
    """Every writing route that names an action of one resource, by (resource path, last segment):
    one path parameter (the resource's id), then fixed segments."""
    table: dict[tuple[str, str], list[ActionRoute]] = {}
    for route in _flat(routes):
        path = _PARAM.sub(r"{\1}", route.path)
        segments = path.split("/")
        params = [i for i, s in enumerate(segments) if s.startswith("{")]
        if len(params) != 1 or params[0] == len(segments) - 1:
            continue
        item = "/".join(segments[: params[0] + 1])
        for method in sorted((route.methods or set()) - READS):
            found = ActionRoute(item, segments[-1], method, path, frozenset(_permissions(route.dependant)))
            table.setdefault((item, found.segment), []).append(found)
    return table


@dataclass(frozen=True)
class Caller:
    actor: Employee
    permissions: frozenset[Permission]
    table: Mapping[tuple[str, str], list[ActionRoute]]

    def may(self, item: str, action: str) -> bool:
        routes = self.table.get((item, action))
        return bool(routes) and all(route.permissions <= self.permissions for route in routes or ())


# Set when the request's caller is authenticated (deps.current_actor), read as a resource is written
# out: the read models are built in many places, and all of them after the caller is known.
caller_var: ContextVar[Caller | None] = ContextVar("caller", default=None)


def bind_caller(app: FastAPI, actor: Employee) -> None:
    table = getattr(app.state, "action_routes", None)
    if table is None:
        table = app.state.action_routes = action_routes(app.routes)
    permissions = permissions_of(actor.role_set) if actor.is_active else frozenset()
    caller_var.set(Caller(actor, permissions, table))


def offered(
    item: str, actions: Iterable[str], person: Callable[[Employee, str], bool] | None = None
) -> list[str]:
    """The actions (by name) that the caller of this request may call on the resource at ``item``:
    their permissions admit the action's endpoint and, where the resource's rules name who may act
    (``person``: the manager a report was sent to …), they are that person. None without a caller."""
    caller = caller_var.get()
    if caller is None:
        return []
    return [
        action
        for action in actions
        if caller.may(item, action) and (person is None or person(caller.actor, action))
    ]
