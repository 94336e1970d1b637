"""Department scoping holds for every route that takes a client, an order, an invoice or a proposal.

The routes are read from the app's own route table and OpenAPI document (path parameters and body
fields named after the four kinds, and a task's subject), so a new route is walked too. Each is
called by an employee of another department whose roles hold the route's permission but do not see
every row of that kind: the answer is the 404 a read gives (naming the id), and nothing is written.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import Base
from app.models.directory import Role
from app.services.kernel.permissions import MATRIX, Permission
from app.services.seed import inn10
from tests.conftest import NOW
from tests.support.declared import api_routes

KINDS = ("client", "order", "invoice", "proposal")
# Who sees every row of a kind, whatever their department.
SEES_ALL = {
    "client": {Permission.CLIENTS_READ_ALL},
    "order": {Permission.ORDERS_READ_ALL},
    "invoice": {Permission.ORDERS_READ_ALL},
    "proposal": {Permission.ORDERS_READ_ALL, Permission.PROPOSALS_PRICE},
}
OUTSIDERS = (
    Role.MANAGER,
    Role.ASSISTANT,
    Role.ACCOUNTANT,
    Role.LAWYER,
    Role.SUPPLY,
    Role.WAREHOUSE,
    Role.WORKSHOP,
    Role.DRIVER,
)
# Tables that authenticating a request touches (a token's last use), not what the route wrote.
AUTH_TABLES = {"api_tokens"}
# Bodies whose rules span fields (what the JSON schema cannot say), by the schema's name.
BODIES: dict[str, dict[str, Any]] = {
    "InvoiceRevise": {"lines": [{"position": 1, "quantity": 2}]},
    "ProposalLineIn": {"name": "Куртка", "quantity": 1},
    "TaskCreate": {"due_in_working_days": 1},
}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 0)).save(out, "PNG")
    return out.getvalue()


def _permissions(dependant: Any) -> list[Permission]:
    found = []
    for dep in dependant.dependencies:
        if hasattr(dep.call, "__permission__"):
            found.append(dep.call.__permission__)
        found.extend(_permissions(dep))
    return found


class Sample:
    """A valid value for a JSON schema (the OpenAPI's), with the ids of the kinds put in."""

    def __init__(self, components: dict[str, Any], ids: dict[str, int]) -> None:
        self.components = components
        self.ids = ids

    def resolve(self, schema: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in schema:
            schema = self.components[schema["$ref"].rsplit("/", 1)[-1]]
        return schema

    def value(self, schema: dict[str, Any], name: str = "") -> Any:
        schema = self.resolve(schema)
        if "default" in schema and schema["default"] is not None and name not in self.ids_by_field():
            return schema["default"]
        for key in ("anyOf", "oneOf"):
            if key in schema:
                options = [s for s in schema[key] if self.resolve(s).get("type") != "null"]
                return self.value(options[0], name)
        if "allOf" in schema:
            return self.value(schema["allOf"][0], name)
        if "enum" in schema:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        kind = schema.get("type")
        if kind == "object":
            required = set(schema.get("required", []))
            return {
                key: self.field(key, sub)
                for key, sub in schema.get("properties", {}).items()
                if key in required or key in self.ids_by_field()
            }
        if kind == "array":
            return [self.value(schema["items"], name) for _ in range(max(1, schema.get("minItems", 0)))]
        if kind == "integer":
            return max(1, int(schema.get("minimum", 1)))
        if kind == "number":
            return max(1, schema.get("minimum", 1))
        if kind == "boolean":
            return False
        if kind == "string":
            return self.text(schema, name)
        return "x"

    def ids_by_field(self) -> dict[str, int]:
        return {f"{kind}_id": ident for kind, ident in self.ids.items()}

    def field(self, key: str, schema: dict[str, Any]) -> Any:
        if key in self.ids_by_field():
            return self.ids_by_field()[key]
        return self.value(schema, key)

    def text(self, schema: dict[str, Any], name: str) -> str:
        fmt = schema.get("format")
        today = NOW.date()
        if fmt == "date":
            return (today + timedelta(days=1) if "due" in name or "deadline" in name else today).isoformat()
        if fmt == "date-time":
            return (NOW + timedelta(days=1)).isoformat()
        if fmt == "email":
            return "client@example.com"
        minimum = schema.get("minLength", 1)
        words = ["Проверка" + "а" * max(0, minimum - 8), "1", "1.00", "x" * max(1, minimum)]
        if name in ("amount", "price", "percent") or "price" in name or "percent" in name:
            words.insert(0, "1")
        pattern = schema.get("pattern")
        return next((w for w in words if pattern is None or re.search(pattern, w)), words[0])


async def _rows(factory: async_sessionmaker[AsyncSession]) -> dict[str, list[tuple[Any, ...]]]:
    """Everything in the database, table by table (what authenticating touches left out)."""
    found = {}
    async with factory() as session:
        for table in Base.metadata.sorted_tables:
            if table.name in AUTH_TABLES:
                continue
            rows = (await session.execute(select(table))).all()
            found[table.name] = sorted(tuple(map(repr, row)) for row in rows)
    return found


async def _department_rows(client: httpx.AsyncClient, app: Any, make_user: Any) -> dict[str, int]:
    """A client of the shop with an order, its invoice and a proposal with a line."""
    manager = await make_user(Role.MANAGER, department="shop")
    assistant = await make_user(Role.ASSISTANT, department="shop")
    card = await client.post(
        "/api/v1/clients",
        headers=manager.headers,
        json={
            "name": "ООО «Магазинный клиент»",
            "inn": inn10("352803333"),
            "kpp": "352801001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
            "legal_address": "160000, г. Вологда, ул. Ленина, д. 1",
            "contacts": [{"name": "Гусев Олег Павлович", "level": "director", "emails": []}],
        },
    )
    assert card.status_code == 201, card.text
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "mailbox",
            "client_id": card.json()["id"],
            "lines": [{"product_id": suit.id, "price_category": "Оптовая", "quantity": 3}],
        },
    )
    assert order.status_code == 201, order.text
    invoice = await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    assert invoice.status_code == 201, invoice.text
    proposal = await client.post(
        "/api/v1/proposals",
        headers=manager.headers,
        json={
            "client_id": card.json()["id"],
            "workwear_kind": "зимние куртки",
            "models_count": 1,
            "markup_percent": "25",
        },
    )
    assert proposal.status_code == 201, proposal.text
    line = await client.post(
        f"/api/v1/proposals/{proposal.json()['id']}/lines",
        headers=assistant.headers,
        json={"product_id": suit.id, "quantity": 2},
    )
    assert line.status_code == 201, line.text
    return {
        "client": card.json()["id"],
        "order": order.json()["id"],
        "invoice": invoice.json()["id"],
        "proposal": proposal.json()["id"],
    }


def _calls(app: Any, sample: Sample) -> list[tuple[str, str, list[str], dict[str, Any]]]:
    """Every (method, path, kinds it names, request) of a route that takes an id of the kinds."""
    document = app.openapi()
    calls = []
    for route in api_routes(app.routes):
        template = route.path.replace(":int}", "}")
        for method in sorted(route.methods - {"HEAD"}):
            operation = document["paths"][template][method.lower()]
            path_kinds = [k for k in KINDS if f"{{{k}_id}}" in template]
            path = template
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "path":
                    continue
                name = parameter["name"]
                kind = name.removesuffix("_id")
                value = sample.ids[kind] if kind in sample.ids else sample.value(parameter["schema"], name)
                path = path.replace(f"{{{name}}}", str(value))
            content = operation.get("requestBody", {}).get("content", {})
            requests: list[tuple[list[str], dict[str, Any]]] = []
            if "application/json" in content:
                schema = sample.resolve(content["application/json"]["schema"])
                properties = schema.get("properties", {})
                body_kinds = [k for k in KINDS if f"{k}_id" in properties]
                body = sample.value(schema) | BODIES.get(schema.get("title", ""), {})
                subject = sample.resolve(properties.get("subject_type", {}))
                subjects = [k for k in KINDS if k in subject.get("enum", [])]
                for kind in subjects:  # a task names its subject by kind and id
                    requests.append(
                        ([kind], {"json": body | {"subject_type": kind, "subject_id": sample.ids[kind]}})
                    )
                if not subjects:
                    requests.append((path_kinds + body_kinds, {"json": body}))
            elif "multipart/form-data" in content:
                schema = sample.resolve(content["multipart/form-data"]["schema"])
                form = {
                    k: str(sample.value(v, k)) for k, v in schema.get("properties", {}).items() if k != "file"
                }
                files = {"file": ("photo.png", _png(), "image/png")}
                requests.append((path_kinds, {"data": form, "files": files}))
            else:
                requests.append((path_kinds, {}))
            for kinds, request in requests:
                if kinds:
                    calls.append((method, path, kinds, request))
    return calls


async def test_every_route_taking_an_id_answers_another_department_404_and_writes_nothing(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any
) -> None:
    ids = await _department_rows(client, app, make_user)
    sample = Sample(app.openapi()["components"]["schemas"], ids)
    calls = _calls(app, sample)
    outsiders = {role: await make_user(role, department="service") for role in OUTSIDERS}
    before = await _rows(session_factory)
    walked: set[str] = set()
    for method, path, kinds, request in calls:
        route = next(r for r in api_routes(app.routes) if r.path_regex.match(path) and method in r.methods)
        needed = _permissions(route.dependant)
        caller = next(
            (
                user
                for role, user in outsiders.items()
                if all(p in MATRIX[role] for p in needed)
                and not any(p in MATRIX[role] for k in kinds for p in SEES_ALL[k])
            ),
            None,
        )
        if caller is None:
            continue  # everyone who may call it sees every row of its kinds
        response = await client.request(method, path, headers=caller.headers, **request)
        assert response.status_code == 404, (method, path, caller.roles, response.status_code, response.text)
        others = [p for p in re.findall(r"\{(\w+)_id", route.path) if p not in KINDS]
        if not others:  # otherwise the row the path names may be what the caller cannot see
            named = {f"{k} {ids[k]} does not exist" for k in kinds}
            assert response.json()["detail"] in named, (method, path, response.json())
        walked.add(f"{method} {route.path}")
    assert await _rows(session_factory) == before
    # The ones the issue was about, and the walk reaching every kind.
    for expected in (
        "POST /api/v1/orders",
        "POST /api/v1/proposals",
        "POST /api/v1/orders/{order_id:int}/invoice",
        "GET /api/v1/invoices/{invoice_id:int}/pdf",
        "POST /api/v1/tasks",
        "POST /api/v1/credit-requests",
        "POST /api/v1/reconciliation-acts",
        "POST /api/v1/specs",
        "GET /api/v1/clients/{client_id:int}/ledger",
        "GET /api/v1/proposals/{proposal_id:int}/pdf",
    ):
        assert expected in walked, (expected, sorted(walked))
    assert len(walked) > 50, sorted(walked)


async def test_a_client_that_does_not_exist_is_the_same_404(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    """The answer for another department's client and for no client at all is one and the same."""
    manager = await make_user(Role.MANAGER)
    for url, body in (
        ("/api/v1/orders", {"channel": "phone", "client_id": 999_999, "lines": []}),
        (
            "/api/v1/proposals",
            {"client_id": 999_999, "workwear_kind": "куртки", "models_count": 1, "markup_percent": "25"},
        ),
    ):
        response = await client.post(url, headers=manager.headers, json=body)
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "client 999999 does not exist"
