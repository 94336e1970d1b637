"""Routes take their services as typed dependencies; the services of one request share its one
unit of work (FastAPI caches ``get_uow`` per request), so they read and write in one transaction
that the edge commits once."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
from fastapi.routing import APIRoute

from app.api.deps import UowDep, history_service
from app.api.directory import department_service
from app.models.directory import Role
from app.services.directory.employees import DepartmentService
from app.services.kernel.history import HistoryService

API = Path(__file__).parents[2] / "app" / "api"
# The classes a route is given rather than builds: the services, and the intake and the court
# archive, which are built the same way.
SERVICE_SUFFIXES = ("Service", "Intake", "Archive")


async def test_two_services_of_one_route_share_the_request_unit_of_work(
    app: Any, client: httpx.AsyncClient, make_user: Any
) -> None:
    seen: list[DepartmentService | HistoryService] = []

    async def departments(uow: UowDep) -> DepartmentService:
        service = await department_service(uow)
        seen.append(service)
        return service

    async def history(uow: UowDep) -> HistoryService:
        service = await history_service(uow)
        seen.append(service)
        return service

    admin = await make_user(Role.ADMIN)
    created = await client.post(
        "/api/v1/departments", headers=admin.headers, json={"code": "sales", "name": "Отдел продаж"}
    )
    assert created.status_code == 201, created.text
    # The real route, mounted once more on this app's own router, where FastAPI's overrides reach
    # (the app adds its routers' routes as they were built at import, without a provider of
    # overrides): the overrides record each service as its provider makes it.
    route = next(r for r in app.routes if isinstance(r, APIRoute) and r.name == "department_history")
    probe = "/api/v1/probe/departments/{department_id:int}/history"
    app.add_api_route(probe, route.endpoint, dependencies=route.dependencies)
    app.dependency_overrides[department_service] = departments
    app.dependency_overrides[history_service] = history
    url = f"/api/v1/probe/departments/{created.json()['id']}/history"
    response = await client.get(url, headers=admin.headers)
    assert response.status_code == 200, response.text
    assert [e["action"] for e in response.json()["items"]] == ["created"]

    department, events = seen
    assert isinstance(department, DepartmentService)
    assert isinstance(events, HistoryService)
    assert department.uow is events.uow
    # The same unit of work the permission check put the caller on.
    assert department.uow.actor is not None
    assert department.uow.actor.id == admin.id


def test_no_route_builds_a_service_itself() -> None:
    """A route takes each service as a typed dependency (one provider and one alias per service),
    so none calls a service's class in its body."""
    built = []
    for path in sorted(API.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for handler in ast.walk(tree):
            if not isinstance(handler, ast.AsyncFunctionDef | ast.FunctionDef):
                continue
            if not any(_is_route(d) for d in handler.decorator_list):
                continue
            for node in ast.walk(handler):
                if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                    continue
                if node.func.id.endswith(SERVICE_SUFFIXES):
                    built.append(f"{path.name}:{node.lineno} {handler.name} builds {node.func.id}")
    assert built == []


def _is_route(decorator: ast.expr) -> bool:
    call = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(call, ast.Attribute) and isinstance(call.value, ast.Name) and call.value.id == "router"
