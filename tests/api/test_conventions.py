"""API conventions that hold for every route: permissions, problems, the committed OpenAPI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.main import create_app
from app.models.directory import Role
from app.services.kernel.permissions import MANAGEMENT_PERMISSIONS, MATRIX, Permission
from tests.support.declared import api_routes
from tests.support.helpers import problem

OPENAPI_FILE = Path(__file__).parents[2] / "openapi" / "openapi.json"


def _markers(dependant: Any) -> list[Any]:
    found = []
    for dep in dependant.dependencies:
        call = dep.call
        if hasattr(call, "__permission__") or hasattr(call, "__public__"):
            found.append(call)
        found.extend(_markers(dep))
    return found


def test_every_route_declares_a_permission_or_is_public() -> None:
    app = create_app(Settings())
    undeclared = []
    routes = api_routes(app.routes)
    assert len(routes) > 30
    for route in routes:
        if not _markers(route.dependant):
            undeclared.append(f"{sorted(route.methods)} {route.path}")
    assert undeclared == [], f"routes without a declared permission: {undeclared}"


def test_public_routes_are_only_the_probes_and_login() -> None:
    app = create_app(Settings())
    public = sorted(
        route.path
        for route in api_routes(app.routes)
        if any(hasattr(m, "__public__") for m in _markers(route.dependant))
    )
    assert public == [
        "/api/v1/auth/token",
        "/healthz",
        "/metrics",
        "/readyz",
        "/webhooks/amocrm/{token}",
        "/webhooks/telegram",
    ]


def test_matrix_covers_every_role_and_admin_has_everything() -> None:
    assert set(MATRIX) == set(Role)
    # Management's decisions belong to the roles configured as management (the director), not to
    # the administrator of the system.
    assert MATRIX[Role.ADMIN] == frozenset(Permission) - MANAGEMENT_PERMISSIONS
    deciding = {role for role, perms in MATRIX.items() if MANAGEMENT_PERMISSIONS & perms}
    assert deciding == {Role.DIRECTOR}
    # Approvals belong to their roles: the directory is written only by an admin.
    writers = {role for role, perms in MATRIX.items() if Permission.DIRECTORY_WRITE in perms}
    assert writers == {Role.ADMIN}


def test_committed_openapi_matches_the_app() -> None:
    current = create_app(Settings()).openapi()
    committed = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(current)), "openapi/openapi.json is stale: run `make openapi`"


def test_openapi_documents_problems_for_every_failure() -> None:
    schema = create_app(Settings()).openapi()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation["responses"].items():
                if int(code) >= 400:
                    assert list(response["content"]) == ["application/problem+json"], (method, path, code)
            if operation.get("security"):
                assert "401" in operation["responses"], (method, path)


async def test_unknown_route_and_method_are_problems(client: httpx.AsyncClient, make_user: Any) -> None:
    user = await make_user(Role.ASSISTANT)
    problem(await client.get("/api/v1/nothing-here", headers=user.headers), 404)
    problem(await client.put("/api/v1/clients", headers=user.headers, json={}), 405)


async def test_bad_tokens_get_401_problems(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/tasks/mine")
    body = problem(response, 401)
    assert response.headers["www-authenticate"] == "Bearer"
    assert body["request_id"] == response.headers["x-request-id"]
    problem(await client.get("/api/v1/tasks/mine", headers={"Authorization": "Bearer nope"}), 401)
    problem(await client.get("/api/v1/tasks/mine", headers={"Authorization": "Basic eDp5"}), 401)


@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.WAREHOUSE, "/api/v1/clients", 403),
        (Role.DRIVER, "/api/v1/outbound", 403),
        (Role.ASSISTANT, "/api/v1/clients", 200),
        (Role.LAWYER, "/api/v1/clients", 200),
        (Role.DRIVER, "/api/v1/reference", 200),
    ],
)
async def test_deny_by_default(
    client: httpx.AsyncClient, make_user: Any, role: Role, path: str, status: int
) -> None:
    user = await make_user(role)
    response = await client.get(path, headers=user.headers)
    assert response.status_code == status, response.text
    if status == 403:
        assert problem(response, 403)["code"] == "forbidden"


async def test_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["x-request-id"] != "bad id with spaces"


async def test_metrics_and_readiness(client: httpx.AsyncClient) -> None:
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'http_requests_total{method="GET",route="/healthz",status="200"}' in metrics.text
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["checks"]["database"] == "ok"


async def test_database_down_is_503_not_a_crash() -> None:
    from app.core.config import DbSettings, RedisSettings
    from app.main import Overrides
    from tests.conftest import RecordingQueue

    settings = Settings(
        db=DbSettings(url="postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"),
        redis=RedisSettings(url="redis://127.0.0.1:1/0"),
    )
    app = create_app(settings, Overrides(queue=RecordingQueue()))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        ready = await http.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"]["database"].startswith("unavailable")
        assert (await http.get("/healthz")).status_code == 200
        response = await http.get("/api/v1/clients", headers={"Authorization": "Bearer pmk_x"})
        assert problem(response, 503)["code"] == "unavailable"
        assert response.headers["Retry-After"] == "5"
    await app.state.engine.dispose()


async def test_dates_are_iso_8601_only_a_number_is_not_a_day(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    """pydantic reads a bare number as a Unix timestamp (0 is 1970-01-01); the API refuses it."""
    head = await make_user(Role.HEAD)
    refused = await client.get("/api/v1/daily-reports", headers=head.headers, params={"day": "0"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "query.day"
    assert "ISO 8601 date" in refused.json()["errors"][0]["reason"]
    taken = await client.get("/api/v1/daily-reports", headers=head.headers, params={"day": "2026-12-01"})
    assert taken.status_code == 200, taken.text

    accountant = await make_user(Role.ACCOUNTANT)
    body = {"client_id": 1, "amount": "100.00", "paid_on": 0, "reference": "п/п 1"}
    paid = await client.post("/api/v1/payments", headers=accountant.headers, json=body)
    assert paid.status_code == 422, paid.text
    assert "paid_on" in [e["field"] for e in paid.json()["errors"]]


async def test_a_nul_character_in_text_is_a_422_not_a_server_error(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    """PostgreSQL cannot store U+0000 in text; found by the stateful contract run as a 500."""
    admin = await make_user(Role.ADMIN)
    link = {"kind": "chat", "title": "Чат\x00склада", "url": "https://example.com/chat"}
    refused = await client.post("/api/v1/reference/links", headers=admin.headers, json=link)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["title"]
    assert "NUL" in refused.json()["errors"][0]["reason"]
    listed = await client.get("/api/v1/reference/links", headers=admin.headers)
    assert "Чат" not in listed.text  # nothing was stored
    searched = await client.get("/api/v1/clients", headers=admin.headers, params={"q": "ООО\x00"})
    assert searched.status_code == 422, searched.text
    assert [e["field"] for e in searched.json()["errors"]] == ["query.q"]


def _concrete(path: str) -> str:
    """A route's path with every parameter filled (ids 1; the converters in FastAPI paths dropped)."""
    import re

    return re.sub(r"\{([^}:]+)(:[^}]+)?\}", "1", path)


async def test_the_declared_401_and_403_are_reachable_on_every_route(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    """Every route with a permission answers 401 without a token and 403 to an employee whose
    roles lack that permission, as its OpenAPI says, before it looks at the body or the ids."""
    app = create_app(Settings())
    documented = json.loads(OPENAPI_FILE.read_text())["paths"]
    people = {role: await make_user(role) for role in (Role.DRIVER, Role.WAREHOUSE, Role.ASSISTANT)}
    checked_401 = checked_403 = 0
    for route in api_routes(app.routes):
        permissions = [m.__permission__ for m in _markers(route.dependant) if hasattr(m, "__permission__")]
        if not permissions:
            continue
        path = _concrete(route.path)
        for method in sorted(route.methods - {"HEAD"}):
            declared = documented[route.path.replace(":int}", "}")][method.lower()]["responses"]
            anonymous = await client.request(method, path)
            assert anonymous.status_code == 401, (method, route.path, anonymous.text)
            assert "401" in declared, (method, route.path)
            checked_401 += 1
            lacking = next(
                (u for r, u in people.items() if not all(p in MATRIX[r] for p in permissions)), None
            )
            if lacking is None:
                continue
            refused = await client.request(method, path, headers=lacking.headers)
            assert refused.status_code == 403, (method, route.path, refused.text)
            assert "403" in declared, (method, route.path)
            checked_403 += 1
    assert checked_401 > 150
    assert checked_403 > 100
