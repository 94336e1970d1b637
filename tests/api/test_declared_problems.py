"""The problems the OpenAPI declares, reached route by route from the committed document.

Each test walks every operation of ``openapi/openapi.json`` that declares a status and makes the
request that must get it: 413 for a body over the limit, 422 for a value outside the schema, 404 for
an identifier that names nothing, 409 for an Idempotency-Key still being processed. One client and
one user per test (on each database); ``tests/support/declared.py`` checks over the whole suite that
nothing declared is left unreached.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from app.core.db import MAX_ID
from app.models.directory import Role
from app.models.events import Event
from app.services.kernel.idempotency import IdempotencyService
from app.services.kernel.unit_of_work import UnitOfWork
from tests.support.declared import OPENAPI_FILE
from tests.support.helpers import problem

SPEC: dict[str, Any] = json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))
SCHEMAS: dict[str, Any] = SPEC["components"]["schemas"]
# An 8×8 red PNG: a picture every upload of a photo, a logo or a scan accepts.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000080000000808020000004b6d29dc00000014494441"
    "54789c633c2127c7800d3061151db41200d0ca01143e63a8990000000049454e44ae426082"
)


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec["operationId"])

    def declares(self, status: int) -> bool:
        return str(status) in self.spec["responses"]

    def parameters(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p["in"] == where]

    @property
    def body_media(self) -> str | None:
        body = self.spec.get("requestBody")
        return next(iter(body["content"])) if body else None

    def body_schema(self) -> dict[str, Any]:
        body = self.spec["requestBody"]["content"]
        return resolve(next(iter(body.values()))["schema"])

    def url(self, **values: Any) -> str:
        """The path with every parameter filled: ``values`` by name, else a value the schema allows."""

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in values:
                return str(values[name])
            param = next(p for p in self.parameters("path") if p["name"] == name)
            return str(sample(param["schema"]))

        return re.sub(r"\{([^}]+)\}", fill, self.path)


def operations(status: int, *, public: bool = False) -> Iterator[Operation]:
    """The operations that declare ``status``; the public ones (login, webhooks) only if asked."""
    for path, methods in SPEC["paths"].items():
        for method, spec in methods.items():
            if str(status) in spec["responses"] and (public or spec.get("security")):
                yield Operation(method.upper(), path, spec)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
    return schema


# Values a schema alone does not tell: patterns and the few fields with checks of their own.
_PATTERNS = {
    r"^\d{4}[0-9A-Z]{2}\d{3}$": "352501001",
    r"^\d+$": "1",
    r"^[a-z][a-z0-9_]{1,31}$": "sample_code",
    r"^[А-ЯЁA-Z]{2,4}$": "ИВП",
    r"^\d{3}(-\d{3})?$": "001",
    r"^[a-z_]+$": "sample",
}
_FORMATS = {
    "date": "2026-12-02",
    "date-time": "2026-12-02T10:00:00+03:00",
    "time": "10:00:00",
    "email": "sample@example.com",
    "uri": "https://example.com/sample",
    "password": "Sample-passw0rd!",
}


def sample(schema: dict[str, Any]) -> Any:
    """The smallest value the schema accepts: required properties only, the first of a choice."""
    schema = resolve(schema)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            choices = [c for c in schema[key] if resolve(c).get("type") != "null"]
            return sample(choices[0])
    if "allOf" in schema:
        return sample(schema["allOf"][0])
    kind = schema.get("type")
    if kind == "object":
        return {name: sample(schema["properties"][name]) for name in schema.get("required", [])}
    if kind == "array":
        return [sample(schema["items"]) for _ in range(schema.get("minItems", 0))]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), int(schema.get("exclusiveMinimum", 0)) + 1)
    if kind == "number":
        return max(float(schema.get("minimum", 1)), float(schema.get("exclusiveMinimum", 0)) + 1)
    if kind == "boolean":
        return False
    if kind == "string":
        if schema.get("pattern") in _PATTERNS:
            return _PATTERNS[schema["pattern"]]
        if schema.get("format") in _FORMATS:
            return _FORMATS[schema["format"]]
        return "Образец"[: schema.get("maxLength", 7)].ljust(schema.get("minLength", 0), "о")
    raise AssertionError(f"no sample for {schema}")


# Where the smallest valid body is still refused by a rule of the model: the fields that satisfy it.
BODY_FIELDS: dict[str, dict[str, Any]] = {
    "record_payment": {"paid_on": "2026-11-30"},
    "revise_invoice": {"lines": [{"position": 1, "quantity": 1}]},
    "add_proposal_line": {"name": "Куртка рабочая"},
    "complete_task": {"reached": True},
    "update_task": {"title": "Перезвонить"},
    "create_task": {"due_in_working_days": 1},
    "sign_reconciliation_act": {"signed_on": "2026-12-01"},
}


def request_args(op: Operation, body: Any = None, ids: dict[str, Any] | None = None) -> dict[str, Any]:
    """The body (a valid one unless ``body`` is given) and the required query of a request; the
    body's fields that name a resource of ``ids`` (``order_id``…) name that one."""
    args: dict[str, Any] = {
        "params": {p["name"]: sample(p["schema"]) for p in op.parameters("query") if p.get("required")}
    }
    media = op.body_media
    if media == "application/json":
        if body is None:
            body = {**sample(op.body_schema()), **BODY_FIELDS.get(op.id, {})}
            body.update({k: v for k, v in (ids or {}).items() if k in body and k.endswith("_id")})
        args["json"] = body
    elif media == "multipart/form-data":
        schema = op.body_schema()
        files = {n for n, s in schema["properties"].items() if "contentMediaType" in resolve(s)}
        args["files"] = dict.fromkeys(files, ("sample.png", PNG, "image/png"))
        args["data"] = {
            n: sample(schema["properties"][n]) for n in schema.get("required", []) if n not in files
        }
    return args


@pytest.fixture
async def everyone(make_user: Any) -> Any:
    """An employee with every role: no permission or role check stands before the one under test."""
    return await make_user(*Role)


async def test_a_body_over_the_limit_is_413_on_every_route_that_takes_one(
    client: httpx.AsyncClient, everyone: Any, settings: Any
) -> None:
    too_large = b"{" + b" " * (60 * 1024 * 1024) + b"}"
    reached = []
    for op in operations(413, public=True):
        response = await client.request(
            op.method,
            op.url(),
            content=too_large,
            headers={**everyone.headers, "Content-Type": op.body_media or "application/json"},
        )
        problem(response, 413)
        reached.append(op.id)
    assert len(reached) >= 80


async def test_the_amocrm_webhook_takes_only_a_form(client: httpx.AsyncClient) -> None:
    """amoCRM posts form-encoded deliveries; JSON (or anything else) is 415."""
    from tests.conftest import AMOCRM_SECRET

    refused = await client.post(f"/webhooks/amocrm/{AMOCRM_SECRET}", json={"leads": {"add": [{"id": "1"}]}})
    assert problem(refused, 415)["code"] == "unsupported_media_type", refused.text


async def test_a_value_outside_the_schema_is_422_on_every_route_that_takes_one(
    client: httpx.AsyncClient, everyone: Any
) -> None:
    reached = []
    for op in operations(422):
        ids = [p for p in op.parameters("path") if p["schema"].get("minimum") == 1]
        names = [p for p in op.parameters("path") if "maxLength" in p["schema"]]
        query = op.parameters("query")
        args = request_args(op)
        if ids:
            url, field = op.url(**{ids[0]["name"]: 0}), f"path.{ids[0]['name']}"
        elif names:
            name = names[0]["name"]
            url, field = op.url(**{name: "x" * (names[0]["schema"]["maxLength"] + 1)}), f"path.{name}"
        elif op.body_media == "application/json":
            url, field = op.url(), "body"
            args["json"] = ["not", "an", "object"]
        elif query:
            url, field = op.url(), f"query.{query[0]['name']}"
            args["params"][query[0]["name"]] = "x" * 10_000
        elif op.path.startswith("/api/"):
            url, field = op.url(), "query.no_such_parameter"  # it takes none: any is refused
            args["params"]["no_such_parameter"] = "1"
        else:
            raise AssertionError(f"{op.method} {op.path} declares 422 but takes nothing to refuse")
        response = await client.request(op.method, url, headers=everyone.headers, **args)
        assert response.status_code == 422, (op.method, op.path, response.text)
        assert field in [e["field"] for e in problem(response, 422)["errors"]], (op.id, response.text)
        reached.append(op.id)
    assert len(reached) >= 150


async def test_a_query_parameter_a_route_does_not_take_is_422_and_changes_nothing(
    client: httpx.AsyncClient, everyone: Any, session_factory: Any
) -> None:
    """A misspelt filter is refused, naming it and what the route takes, on every /api/ route (the
    request otherwise valid), before anything is written; the webhooks and probes are not asked."""
    async with session_factory() as session:
        events = await session.scalar(select(func.count()).select_from(Event))
    tried = 0
    for path, methods in SPEC["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, spec in methods.items():
            op = Operation(method.upper(), path, spec)
            args = request_args(op)
            args["params"]["stauts"] = "approved"
            response = await client.request(op.method, op.url(), headers=everyone.headers, **args)
            answer = problem(response, 422)
            assert [e["field"] for e in answer["errors"]] == ["query.stauts"], (op.id, response.text)
            takes = sorted(p["name"] for p in op.parameters("query"))
            assert f"(it takes: {', '.join(takes) or 'none'})" in answer["errors"][0]["reason"], op.id
            tried += 1
    assert tried >= 190
    async with session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Event)) == events
    # The probes and the webhooks take what they are sent.
    assert (await client.get("/healthz", params={"stauts": "x"})).status_code == 200


_NAMED_IN_BODY = {"client_id", "order_id", "invoice_id", "proposal_id", "subject_id"}


def _missing_ids(op: Operation) -> dict[str, Any]:
    """Every identifier of the path at its largest: no such rows in a test database."""
    values: dict[str, Any] = {}
    for param in op.parameters("path"):
        schema = param["schema"]
        if schema.get("type") == "integer":
            values[param["name"]] = schema.get("maximum", MAX_ID)
        else:
            values[param["name"]] = "no_such_thing"
    return values


async def test_an_identifier_that_names_nothing_is_404_on_every_route_with_one(
    client: httpx.AsyncClient, everyone: Any
) -> None:
    wrong = []
    reached = 0
    for op in operations(404):
        args = request_args(op)
        if not op.parameters("path"):
            # A list filtered by something that does not exist (e.g. a client).
            ids = [p["name"] for p in op.parameters("query") if p["name"].endswith("_id")]
            args["params"].update(dict.fromkeys(ids, MAX_ID))
            # A new row naming a client, an order… that does not exist (or a task's subject).
            if "json" in args:
                named = [k for k in resolve(op.body_schema()).get("properties", {}) if k in _NAMED_IN_BODY]
                args["json"].update(dict.fromkeys(named, MAX_ID))
                if "subject_id" in args["json"]:
                    args["json"]["subject_type"] = "client"
        response = await client.request(
            op.method, op.url(**_missing_ids(op)), headers=everyone.headers, **args
        )
        if response.status_code != 404:
            wrong.append((op.method, op.path, response.status_code, response.text[:300]))
            continue
        problem(response, 404)
        reached += 1
    assert wrong == [], "\n".join(map(str, wrong))
    assert reached >= 140


async def test_an_idempotency_key_in_flight_is_409_on_every_route_that_takes_one(
    client: httpx.AsyncClient, everyone: Any, uow: UnitOfWork
) -> None:
    """The first request with the key is still running (its reservation is made here, as the
    middleware makes it): the same request again is refused with 409 and nothing is created."""
    caller = hashlib.sha256(everyone.headers["Authorization"].encode()).hexdigest()
    reached = []
    for op in operations(409):
        if not any(p["name"] == "Idempotency-Key" for p in op.parameters("header")):
            continue
        args = request_args(op)
        path = op.url(**{p["name"]: 1 for p in op.parameters("path")})
        request = client.build_request(op.method, path, headers=everyone.headers, **args)
        body = request.read()
        key = f"in-flight-{op.id}"
        digest = hashlib.sha256(b"POST" + path.encode() + b"\n" + body).hexdigest()
        assert (
            await IdempotencyService(uow).begin(caller, key, "POST", path, digest, timedelta(hours=1)) is None
        )
        await uow.commit(None)
        request.headers["Idempotency-Key"] = key
        response = await client.send(request)
        assert problem(response, 409)["code"] == "idempotency_in_progress", (op.id, response.text)
        reached.append(op.id)
    assert len(reached) >= 8


async def _made(client: httpx.AsyncClient, user: Any, url: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(url, headers=user.headers, json=body)
    assert response.status_code in (200, 201), (url, response.text)
    made: dict[str, Any] = response.json()
    return made


async def world(
    client: httpx.AsyncClient, app: Any, uow: UnitOfWork, user: Any, manager: Any
) -> dict[str, Any]:
    """One resource of every kind a route acts on, made as the service makes it (through the API
    where there is a route that creates it; the ones the worker makes, as rows)."""
    from app.models.collection import CaseStage, CollectionCase
    from app.models.credit import CreditRequest
    from app.models.deliveries import Delivery, DeliveryMethod
    from app.models.invoices import Invoice, InvoiceStatus
    from app.models.mailbox import InboundEmail, InboundKind
    from app.models.orders import OrderLine
    from app.models.proposals import Proposal, ProposalStatus
    from app.models.reports import DailyReport, ReportStatus
    from app.models.requisitions import Requisition, RequisitionStatus
    from app.models.warehouse_checks import CheckStatus, ItemMark, WarehouseCheck, WarehouseCheckItem
    from app.services.seed import inn10

    v1 = "/api/v1"
    card = await _made(
        client,
        user,
        f"{v1}/clients",
        {
            "name": "ООО «Образец»",
            "inn": inn10("352507777"),
            "kpp": "352501001",
            "manager_id": user.id,
            "assistant_id": user.id,
        },
    )
    ids: dict[str, Any] = {"client_id": card["id"], "employee_id": user.id}
    ids["department_id"] = user.department_id
    ids["token_id"] = (await _made(client, user, f"{v1}/auth/tokens", {"name": "Интеграция"}))["id"]
    contact = await _made(
        client,
        user,
        f"{v1}/clients/{card['id']}/contacts",
        {"name": "Соколов Андрей", "emails": ["supply@client.example.ru"]},
    )
    ids["contact_id"] = contact["id"]
    credit = sample(resolve({"$ref": "#/components/schemas/CreditRequestCreate"}))
    ids["request_id"] = (
        await _made(client, user, f"{v1}/credit-requests", {**credit, "client_id": card["id"]})
    )["id"]
    product = (await app.state.erp.search_products("Костюм", 5))[0]
    new_order = {
        "channel": "phone",
        "client_id": card["id"],
        "raw_text": "Звонок: 10 костюмов",
        "lines": [{"product_id": product.id, "price_category": "Оптовая", "quantity": 10}],
    }
    order = await _made(client, user, f"{v1}/orders", new_order)
    ids["order_id"] = order["id"]
    ids["item"] = "documents"
    invoiced = await _made(client, user, f"{v1}/orders/{order['id']}/invoice", {})
    ids["invoice_id"] = invoiced["id"]
    proposal = sample(resolve({"$ref": "#/components/schemas/ProposalCreate"}))
    ids["proposal_id"] = (
        await _made(client, user, f"{v1}/proposals", {**proposal, "client_id": card["id"]})
    )["id"]
    await _made(client, user, f"{v1}/proposals/{ids['proposal_id']}/lines", {"quantity": 1, "name": "Куртка"})
    ids["position"] = 1
    act = {"client_id": card["id"], "date_from": "2026-11-01", "date_to": "2026-11-30"}
    ids["act_id"] = (await _made(client, user, f"{v1}/reconciliation-acts", act))["id"]
    spec = sample(resolve({"$ref": "#/components/schemas/SpecCreate"}))
    # A spec on an order of its own: its invoice would wait for the manager's check.
    for_spec = await _made(client, user, f"{v1}/orders", new_order)
    await _made(client, user, f"{v1}/orders/{for_spec['id']}/invoice", {})
    ids["spec_id"] = (await _made(client, user, f"{v1}/specs", {**spec, "order_id": for_spec["id"]}))["id"]

    task = {
        "kind": "call",
        "title": "Позвонить",
        "assignee_id": user.id,
        "due_at": "2026-12-03T15:00:00+03:00",
    }
    ids["task_id"] = (await _made(client, user, f"{v1}/tasks", task))["id"]
    flag = {"document_kind": "invoice", "document_ref": invoiced["number"], "description": "Не та цена"}
    ids["flag_id"] = (await _made(client, user, f"{v1}/document-flags", flag))["id"]
    report = {"day": "2026-12-01", "manager_id": manager.id}
    ids["report_id"] = (await _made(client, user, f"{v1}/daily-reports", report))["id"]
    reference = (await client.get(f"{v1}/reference", headers=user.headers)).json()
    ids["link_id"] = reference["links"][0]["id"]
    ids["term_id"] = reference["terms"][0]["id"]
    now = uow.clock.now()
    case = CollectionCase(
        client_id=card["id"],
        episode=1,
        stage=CaseStage.GUARANTEE_REQUESTED,
        opened_on=now.date(),
        debt_at_open=Decimal("1000.00"),
        created_at=now,
        updated_at=now,
    )
    check = WarehouseCheck(
        day=now.date(), assistant_id=user.id, status=CheckStatus.OPEN, created_at=now, updated_at=now
    )
    # The delivery agreed for the order (the order's walk to it is the feature tests' business).
    delivery = Delivery(
        order_id=order["id"],
        method=DeliveryMethod.OWN_DRIVER,
        planned_on=now.date(),
        checklist=[{"key": ids["item"], "title": "Документы", "done_by": None, "done_at": None}],
        created_at=now,
        updated_at=now,
    )
    # A message of the shared mailbox that failed and was never fetched (too large).
    failed_email = InboundEmail(
        folder="INBOX", uidvalidity=1, uid=1, kind=InboundKind.FAILED, size=10**9, parts=[], received_at=now
    )
    uow.session.add_all([case, check, delivery, failed_email])
    # Asked for by someone else: nobody recommends or decides their own credit request.
    await uow.session.execute(
        update(CreditRequest).where(CreditRequest.id == ids["request_id"]).values(requested_by_id=manager.id)
    )
    await uow.session.flush()
    ids["case_id"], ids["check_id"], ids["email_id"] = case.id, check.id, failed_email.id
    line_id = await uow.session.scalar(select(OrderLine.id).where(OrderLine.order_id == order["id"]))
    requisition = Requisition(
        order_id=order["id"],
        invoice_id=ids["invoice_id"],
        order_line_id=line_id,
        name="Костюм",
        quantity=10,
        requested_on=now.date(),
        status=RequisitionStatus.REQUESTED,
        created_at=now,
        updated_at=now,
    )
    uow.session.add(requisition)
    await uow.session.flush()
    ids["requisition_id"] = requisition.id
    item = WarehouseCheckItem(
        check_id=check.id,
        order_id=order["id"],
        invoice_id=ids["invoice_id"],
        order_line_id=line_id,
        position=1,
        name="Костюм",
        quantity=10,
        fulfilment="reserve",
        mark=ItemMark.PENDING,
    )
    uow.session.add(item)
    await uow.session.flush()
    ids["item_id"] = item.id
    await uow.commit(None)
    # The same kinds further along, put there directly (the walks there are the feature tests'):
    # a proposal the client declined, an order whose invoice is approved, a spec on an order with no
    # invoice yet, and the report as the worker drafts it.
    declined = await _made(client, user, f"{v1}/proposals", {**proposal, "client_id": card["id"]})
    await _made(client, user, f"{v1}/proposals/{declined['id']}/lines", {"quantity": 1, "name": "Куртка"})
    approved = await _made(client, user, f"{v1}/orders", new_order)
    approved_invoice = await _made(client, user, f"{v1}/orders/{approved['id']}/invoice", {})
    bare = await _made(client, user, f"{v1}/orders", new_order)
    bare_spec = await _made(client, user, f"{v1}/specs", {**spec, "order_id": bare["id"]})
    session = uow.session
    await session.execute(
        update(Proposal).where(Proposal.id == declined["id"]).values(status=ProposalStatus.DECLINED)
    )
    await session.execute(
        update(Invoice).where(Invoice.id == approved_invoice["id"]).values(status=InvoiceStatus.APPROVED)
    )
    await session.execute(
        update(DailyReport).where(DailyReport.id == ids["report_id"]).values(status=ReportStatus.DRAFT)
    )
    ids["further"] = {"proposal_id": declined["id"], "order_id": approved["id"], "spec_id": bare_spec["id"]}
    await uow.commit(None)
    return ids


async def test_a_stale_if_match_is_412_on_every_route_that_takes_one(
    client: httpx.AsyncClient, app: Any, everyone: Any, uow: UnitOfWork, make_user: Any
) -> None:
    ids = await world(client, app, uow, everyone, await make_user(Role.MANAGER))
    wrong = []
    for op in operations(412):
        headers = {**everyone.headers, "If-Match": '"999999"'}
        response = await client.request(op.method, op.url(**ids), headers=headers, **request_args(op))
        if response.status_code != 412:
            wrong.append((op.method, op.path, response.status_code, response.text[:300]))
            continue
        problem(response, 412)
    assert wrong == [], "\n".join(map(str, wrong))


async def test_an_action_the_state_does_not_allow_is_409_on_every_route_that_declares_it(
    client: httpx.AsyncClient, app: Any, everyone: Any, uow: UnitOfWork, make_user: Any
) -> None:
    """Every action on a resource of every kind is tried in turn, then all of them again in the
    reverse order, then once more: each action meets, at one of those moments, a state that does
    not allow it, and is refused with 409 (a try that is accepted moves the resource on). Removals
    come last, so that the resource is there for the rest."""
    manager = await make_user(Role.MANAGER)
    ids = await world(client, app, uow, everyone, manager)
    bodies = {"mark_warehouse_check": {"marks": [{"item_id": ids["item_id"], "mark": "arrived"}]}}
    actors = {"daily_report_feedback": manager}  # a report is answered by its manager
    actions = [
        op
        for op in operations(409)
        if op.parameters("path") and not any(p["name"] == "Idempotency-Key" for p in op.parameters("header"))
    ]
    changes = [op for op in actions if op.method != "DELETE"]
    removals = [op for op in actions if op.method == "DELETE"]
    reached: set[str] = set()
    further = ids | ids["further"]
    for order, at in ((changes, ids), (changes[::-1], ids), (changes + removals, ids), (actions, further)):
        for op in order:
            headers = (actors.get(op.id) or everyone).headers
            args = request_args(op, bodies.get(op.id), at)
            response = await client.request(op.method, op.url(**at), headers=headers, **args)
            if response.status_code == 409:
                problem(response, 409)
                reached.add(op.id)
    # A change that names a unique value another row holds is 422 by the service's own check; the
    # 409 of these routes is the race past that check (the next test).
    races = {"update_client", "update_department", "update_employee", "update_link", "update_term"}
    # The court package's 409 is a document lost from storage, not a state (the collection walk).
    lost = {"collection_court_package_zip"}
    never = sorted({op.id for op in actions} - reached - races - lost)
    assert never == [], never
    assert races <= {op.id for op in actions}


async def test_a_duplicate_that_races_past_the_check_is_409_not_a_server_error(
    client: httpx.AsyncClient, everyone: Any, make_user: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two requests take the same unique value at once: both pass the service's check before either
    has written, and the database refuses the second. The race is made by letting the check see
    nothing (as it would before the other commit); the answer must be a 409 problem, not a 500."""
    from app.services.directory.clients import ClientService
    from app.services.directory.employees import DepartmentService, EmployeeService
    from app.services.directory.reference import ReferenceService
    from app.services.seed import inn10

    async def sees_nothing(*args: Any, **kwargs: Any) -> None:
        return None

    other = await make_user(Role.MANAGER)
    cards = [
        await _made(
            client,
            everyone,
            "/api/v1/clients",
            {"name": f"ООО «Гонка {n}»", "inn": inn10(f"35250888{n}"), "kpp": "352501001"},
        )
        for n in (1, 2)
    ]
    departments = (await client.get("/api/v1/departments", headers=everyone.headers)).json()["items"]
    taken = next(d for d in departments if d["id"] != everyone.department_id)
    reference = (await client.get("/api/v1/reference", headers=everyone.headers)).json()
    links, terms = reference["links"], reference["terms"]
    for service, check in (
        (DepartmentService, "_check_unique"),
        (EmployeeService, "_check_email"),
        (ClientService, "_check_unique"),
        (ReferenceService, "_unique"),
    ):
        monkeypatch.setattr(service, check, sees_nothing)
    for url, body in (
        (f"/api/v1/departments/{everyone.department_id}", {"code": taken["code"]}),
        (f"/api/v1/employees/{everyone.id}", {"email": other.email}),
        (f"/api/v1/clients/{cards[0]['id']}", {"inn": cards[1]["inn"]}),
        (f"/api/v1/reference/links/{links[0]['id']}", {"title": links[1]["title"]}),
        (f"/api/v1/reference/terms/{terms[0]['id']}", {"term": terms[1]["term"]}),
    ):
        refused = await client.patch(url, json=body, headers=everyone.headers)
        assert problem(refused, 409)["code"] == "conflict", (url, refused.text)


def test_412_is_declared_exactly_where_a_route_reads_if_match() -> None:
    """A stale If-Match can only be met by a route that reads it, and every such route says so."""
    from app.api.deps import if_match
    from app.core.config import Settings
    from app.main import create_app
    from tests.support.declared import api_routes, template

    def reads_if_match(dependant: Any) -> bool:
        return any(d.call is if_match or reads_if_match(d) for d in dependant.dependencies)

    wrong = []
    for route in api_routes(create_app(Settings()).routes):
        for method in route.methods:
            declared = "412" in SPEC["paths"][template(route.path)][method.lower()]["responses"]
            if declared != reads_if_match(route.dependant):
                wrong.append((method, route.path, declared))
    assert wrong == []
