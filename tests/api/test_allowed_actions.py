"""Every action a resource offers in `allowed_actions` is callable by who is offered it, and nobody is
offered what their permissions do not admit.

The walk is driven by the answers and the route table, not by a list of actions: each kind of
resource is made in its first state (and in the states only the system or another resource leads
to), read by one employee of each role, and every action offered is called, on a fresh copy brought
to the same state, at the route under the resource's path whose last segment is the action's name.
New states reached are walked the same way. So a new endpoint and its action are walked as soon as
a state offers them; a body it needs is added to BODIES."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest

from app.api.actions import ActionRoute, action_routes
from app.core.config import Settings
from app.main import create_app
from app.models.directory import Role
from app.services.directory import flags, tasks
from app.services.invoices import service as invoices
from app.services.kernel.permissions import MATRIX
from app.services.kernel.state_machine import StateMachine
from app.services.orders import requisitions
from app.services.orders import service as orders
from app.services.proposals import rules as proposal_rules
from app.services.receivables import collection, credit, reconciliations
from app.services.seed import inn10
from app.services.specs import service as specs
from app.services.workday import daily_reports as reports
from app.services.workday import warehouse_checks
from app.worker.jobs import sweep
from tests.api.test_collection_cases import SCAN, _overdue_case
from tests.api.test_spec_walk import DETAILS, png
from tests.conftest import NOW

ROUTES = action_routes(create_app(Settings()).routes)
TODAY = NOW.date()

# Every state machine, with the path of the resource it belongs to.
MACHINES: list[tuple[StateMachine[Any], str]] = [
    (orders.ACTIONS, "/api/v1/orders/{order_id}"),
    (invoices.ACTIONS, "/api/v1/invoices/{invoice_id}"),
    (requisitions.ACTIONS, "/api/v1/requisitions/{requisition_id}"),
    (tasks.ACTIONS, "/api/v1/tasks/{task_id}"),
    (proposal_rules.ACTIONS, "/api/v1/proposals/{proposal_id}"),
    (specs.ACTIONS, "/api/v1/specs/{spec_id}"),
    (collection.ACTIONS, "/api/v1/collection-cases/{case_id}"),
    (reconciliations.ACTIONS, "/api/v1/reconciliation-acts/{act_id}"),
    (warehouse_checks.ACTIONS, "/api/v1/warehouse-checks/{check_id}"),
    (reports.ACTIONS, "/api/v1/daily-reports/{report_id}"),
    (credit.ACTIONS, "/api/v1/credit-requests/{request_id}"),
    (flags.ACTIONS, "/api/v1/document-flags/{flag_id}"),
]


@pytest.mark.parametrize(("machine", "item"), MACHINES, ids=[m.entity for m, _ in MACHINES])
def test_every_action_a_state_allows_names_an_endpoint_of_its_resource(
    machine: StateMachine[Any], item: str
) -> None:
    states = {state for sources, _ in machine.transitions.values() for state in sources}
    names = {name for state in states for name in machine.allowed(state)}
    assert names
    assert sorted(n for n in names if len(ROUTES.get((item, n), [])) != 1) == []


def _route(url: str, action: str) -> tuple[ActionRoute, str]:
    """The route of ``action`` on the resource at ``url``, found as a client finds it."""
    for (item, segment), routes in ROUTES.items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[0-9]+", re.escape(item))
        if segment == action and re.fullmatch(pattern, url):
            assert len(routes) == 1, routes
            return routes[0], url + routes[0].path.removeprefix(item)
    raise AssertionError(f"no endpoint for '{action}' under {url}")


@dataclass
class Walk:
    client: httpx.AsyncClient
    app: Any
    people: dict[Role, Any]
    context: dict[str, Any] = field(default_factory=dict)

    async def read(self, url: str, role: Role) -> dict[str, Any] | None:
        answer = await self.client.get(url, headers=self.people[role].headers)
        if answer.status_code in (403, 404):
            return None
        assert answer.status_code == 200, (url, role, answer.text)
        return dict(answer.json())

    async def call(self, url: str, role: Role, action: str, kind: str) -> httpx.Response:
        route, path = _route(url, action)
        resource = await self.read(url, role)
        assert resource is not None
        made = BODIES.get((kind, action), lambda _w, _r: {})(self, resource)
        sent = await made if inspect.isawaitable(made) else made
        if "files" not in sent:
            sent = {"json": sent}
        return await self.client.request(route.method, path, headers=self.people[role].headers, **sent)


# A role of each permission set, the ones doing the work first.
ROLES = [
    Role.ASSISTANT,
    Role.MANAGER,
    Role.HEAD,
    Role.LAWYER,
    Role.ACCOUNTANT,
    Role.SUPPLY,
    Role.WAREHOUSE,
    Role.WORKSHOP,
    Role.DRIVER,
    Role.ADMIN,
    Role.DIRECTOR,
]
DEPARTMENT = {
    Role.SUPPLY: "supply",
    Role.WAREHOUSE: "warehouse",
    Role.WORKSHOP: "workshop",
    Role.LAWYER: "administration",
    Role.ACCOUNTANT: "finance",
}


async def _guarantee(walk: Walk, case: dict[str, Any]) -> dict[str, Any]:
    scan = await _ok(
        await walk.client.post(
            f"/api/v1/collection-cases/{case['id']}/attachments",
            headers=walk.people[Role.ASSISTANT].headers,
            data={"kind": "guarantee_letter"},
            files={"file": ("письмо.pdf", SCAN, "application/pdf")},
        )
    )
    return {"promised_on": "2026-12-15", "file_id": scan["id"]}


# (the walk, the resource as read) -> a JSON body, or httpx's `files` and `data` for an upload
Body = Callable[[Walk, dict[str, Any]], dict[str, Any] | Awaitable[dict[str, Any]]]
BODIES: dict[tuple[str, str], Body] = {
    ("order", "clarify"): lambda w, _: {"lines": [{"product_id": w.context["in_stock"], "quantity": 2}]},
    ("order", "cancel"): lambda _w, _r: {"reason": "Клиент передумал"},
    ("order", "approve-credit"): lambda _w, _r: {"reason": "Оплатит на неделе"},
    ("order", "delivery"): lambda _w, _r: {"method": "pickup", "planned_on": str(TODAY + timedelta(days=2))},
    ("order", "feedback"): lambda _w, _r: {"rating": 5, "comment": "Спасибо"},
    ("order", "assign"): lambda w, _r: {
        "assistant_id": w.people[Role.ASSISTANT].id,
        "manager_id": w.people[Role.MANAGER].id,
    },
    ("invoice", "request-changes"): lambda _w, _r: {"comment": "Другое количество"},
    ("invoice", "refuse-discount"): lambda _w, _r: {"comment": "Не больше 10 %"},
    ("invoice", "revise"): lambda _w, r: {
        "reason": "Клиент просит 3",
        "lines": [{"position": line["position"], "quantity": 3} for line in r["lines"]],
    },
    ("requisition", "expected"): lambda _w, _r: {"expected_on": str(TODAY + timedelta(days=3))},
    ("requisition", "cancel"): lambda _w, _r: {"comment": "Не нужно"},
    ("credit request", "verdict"): lambda _w, _r: {"verdict": "reliable", "comment": "Долгов нет"},
    ("credit request", "recommend"): lambda _w, _r: {"recommendation": "approve", "comment": "Платит в срок"},
    ("credit request", "approve"): lambda _w, _r: {"comment": "Согласовано"},
    ("credit request", "reject"): lambda _w, _r: {"comment": "Рано"},
    ("reconciliation act", "sign"): lambda _w, _r: {"signed_on": str(TODAY)},
    ("reconciliation act", "discrepancy"): lambda _w, _r: {"notes": "Не сходится оплата"},
    ("daily report", "feedback"): lambda _w, _r: {"feedback": "Хорошо"},
    ("proposal", "send-to-client"): lambda _w, _r: {"valid_until": str(TODAY + timedelta(days=10))},
    ("spec", "logo"): lambda _w, _r: {"files": {"file": ("logo.png", png(), "image/png")}},
    ("spec", "signed-scan"): lambda w, _r: {
        "data": {"signer_id": str(w.people[Role.SUPPLY].id)},
        "files": {"file": ("скан ТЗ.png", png(), "image/png")},
    },
    ("spec", "workshop-feedback"): lambda _w, _r: {"text": "Ткань другого оттенка"},
    ("spec", "cancel"): lambda _w, _r: {"reason": "Клиент отказался"},
    ("collection case", "guarantee"): _guarantee,
    ("collection case", "guarantee-refusal"): lambda _w, _r: {"comment": "Денег нет до января"},
    ("collection case", "calls"): lambda _w, _r: {
        "level": "director",
        "reached": True,
        "result": "Обещал",
        "promised_on": "2026-12-15",
    },
    ("collection case", "negotiation-done"): lambda _w, _r: {"comment": "Итог"},
    ("collection case", "close"): lambda _w, _r: {"reason": "settled", "comment": "Мировое соглашение"},
    ("warehouse_check", "marks"): lambda _w, r: {
        "marks": [{"item_id": item["id"], "mark": "set_aside_warehouse"} for item in r["items"]]
    },
    ("warehouse_check", "picked"): lambda _w, r: {"order_id": r["items"][0]["order_id"]},
    ("task", "complete"): lambda _w, _r: {"reached": True, "result": "Договорились"},
}


@dataclass(frozen=True)
class Kind:
    """A kind of resource: how to make a fresh one in a state to start from, the states the walk
    must reach from there, and what names its state."""

    name: str
    make: Callable[[Walk], Awaitable[str]]
    reaches: frozenset[str]
    state: str = "status"


async def _walk(walk: Walk, kind: Kind) -> set[str]:
    """Every state reached from ``kind.make`` through offered actions; asserts as it goes."""
    seen: set[str] = set()
    walked: set[tuple[str, frozenset[tuple[Role, str]]]] = set()
    pending: list[tuple[list[tuple[Role, str]], str]] = [([], await kind.make(walk))]
    while pending:
        path, url = pending.pop(0)
        offers: dict[Role, list[str]] = {}
        state = None
        for role in ROLES:
            resource = await walk.read(url, role)
            if resource is not None:
                offers[role], state = resource["allowed_actions"], resource[kind.state]
        assert state is not None, url
        # A state is walked again when it offers something new (a call logged ends the negotiation).
        key = (state, frozenset((role, action) for role, offered in offers.items() for action in offered))
        if key in walked:
            continue
        walked.add(key)
        seen.add(state)
        # Nobody is offered an action whose endpoint their permissions do not admit.
        for role, offered in offers.items():
            for action in offered:
                route, _ = _route(url, action)
                assert route.permissions <= MATRIX[role], (kind.name, state, role, action)
        # Whoever is offered an action may call it, in this state.
        for role, offered in offers.items():
            for action in offered:
                fresh = await kind.make(walk)
                for step_role, step in path:
                    done = await walk.call(fresh, step_role, step, kind.name)
                    assert done.status_code < 400, (kind.name, path, step, done.text)
                answer = await walk.call(fresh, role, action, kind.name)
                assert answer.status_code < 400, (kind.name, state, role.value, action, answer.text)
                pending.append(([*path, (role, action)], fresh))
    return seen


async def _people(make_user: Any) -> dict[Role, Any]:
    return {role: await make_user(role, department=DEPARTMENT.get(role, "service")) for role in ROLES}


async def _client_card(walk: Walk) -> int:
    if "client" not in walk.context:
        people = walk.people
        card = await walk.client.post(
            "/api/v1/clients",
            headers=people[Role.HEAD].headers,
            json={
                "name": "ООО «Северная Стройгруппа»",
                "inn": inn10("352501234"),
                "kpp": "352501001",
                "manager_id": people[Role.MANAGER].id,
                "assistant_id": people[Role.ASSISTANT].id,
                "delivery_addresses": ["г. Вологда, ул. Мира, д. 1"],
                "contacts": [{"name": "Ковалёв Андрей", "level": "buyer", "emails": ["snab@stroy.example"]}],
            },
        )
        assert card.status_code == 201, card.text
        walk.context["client"] = card.json()["id"]
        walk.context["contact"] = card.json()["contacts"][0]["id"]
        products = await walk.app.state.erp.search_products("Костюм", 100)
        walk.context["in_stock"] = next(p.id for p in products if p.stock >= 10 and p.height)
        walk.context["missing"] = next(p.id for p in products if p.stock == 0 and p.height)
    return int(walk.context["client"])


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code < 400, response.text
    return dict(response.json())


async def _order(walk: Walk, product: str = "in_stock") -> int:
    client_id = await _client_card(walk)
    order = await _ok(
        await walk.client.post(
            "/api/v1/orders",
            headers=walk.people[Role.ASSISTANT].headers,
            json={
                "channel": "phone",
                "client_id": client_id,
                "lines": [{"product_id": walk.context[product], "price_category": "Оптовая", "quantity": 2}],
            },
        )
    )
    return int(order["id"])


async def _invoice(walk: Walk, product: str = "in_stock") -> tuple[int, int]:
    oid = await _order(walk, product)
    a = walk.people[Role.ASSISTANT].headers
    invoice = await _ok(await walk.client.post(f"/api/v1/orders/{oid}/invoice", headers=a))
    return oid, int(invoice["id"])


async def _approved(walk: Walk, product: str = "in_stock") -> int:
    oid, iid = await _invoice(walk, product)
    a = walk.people[Role.ASSISTANT].headers
    await _ok(await walk.client.post(f"/api/v1/invoices/{iid}/send", headers=a, json={}))
    await _ok(await walk.client.post(f"/api/v1/invoices/{iid}/approve", headers=a, json={}))
    return oid


async def _at_the_warehouse(walk: Walk, product: str) -> int:
    oid = await _approved(walk, product)
    a = walk.people[Role.ASSISTANT].headers
    await _ok(await walk.client.post(f"/api/v1/orders/{oid}/fulfil", headers=a))
    await _ok(await walk.client.post(f"/api/v1/orders/{oid}/send-to-warehouse", headers=a))
    keeper = walk.people[Role.WAREHOUSE].headers
    await _ok(await walk.client.post(f"/api/v1/orders/{oid}/warehouse-accepted", headers=keeper))
    return oid


async def make_order(walk: Walk) -> str:
    return f"/api/v1/orders/{await _order(walk)}"


async def make_invoice(walk: Walk) -> str:
    return f"/api/v1/invoices/{(await _invoice(walk))[1]}"


async def make_approved_order(walk: Walk) -> str:
    return f"/api/v1/orders/{await _approved(walk)}"


async def make_order_with_its_checklist_done(walk: Walk) -> str:
    oid = await _at_the_warehouse(walk, "in_stock")
    keeper = walk.people[Role.WAREHOUSE].headers
    await _ok(await walk.client.post(f"/api/v1/orders/{oid}/ready", headers=keeper))  # «собрано»
    a = walk.people[Role.ASSISTANT].headers
    delivery = await _ok(
        await walk.client.post(
            f"/api/v1/orders/{oid}/delivery",
            headers=a,
            json={"method": "pickup", "planned_on": str(TODAY + timedelta(days=2))},
        )
    )
    for item in delivery["checklist"]:
        await _ok(await walk.client.post(f"/api/v1/orders/{oid}/delivery/checklist/{item['key']}", headers=a))
    return f"/api/v1/orders/{oid}"


async def make_order_waiting_for_supply(walk: Walk) -> str:
    return f"/api/v1/orders/{await _at_the_warehouse(walk, 'missing')}"


async def make_spec(walk: Walk) -> str:
    """A manufacturing spec for an accepted order, the order's invoice made."""
    oid = await _order(walk)
    a = walk.people[Role.ASSISTANT].headers
    spec = await _ok(
        await walk.client.post(
            "/api/v1/specs",
            headers=a,
            json={"order_id": oid, "received_via": "email", "details": DETAILS["manufacturing"]},
        )
    )
    await _ok(await walk.client.post(f"/api/v1/orders/{oid}/invoice", headers=a))
    return f"/api/v1/specs/{spec['id']}"


async def make_spec_with_its_invoice_approved(walk: Walk) -> str:
    """A spec whose invoice the manager checked and the client approved."""
    url = await make_spec(walk)
    a = walk.people[Role.ASSISTANT].headers
    await _ok(await walk.client.post(f"{url}/invoice-to-manager", headers=a))
    spec = await _ok(await walk.client.post(f"{url}/invoice-checked", headers=a))
    for step in ("send", "approve"):
        await _ok(await walk.client.post(f"/api/v1/invoices/{spec['invoice_id']}/{step}", headers=a, json={}))
    return url


async def make_collection_case(walk: Walk) -> str:
    """A case the sweep opened for an overdue invoice (the clock is moved past its due date)."""
    walk.context["case"] = walk.context.get("case", 0) + 1
    clock = walk.context["clock"]
    clock.set(NOW)
    _, case = await _overdue_case(
        walk.client,
        walk.app,
        walk.context["job_ctx"],
        clock,
        walk.people[Role.HEAD],
        walk.people[Role.ASSISTANT],
        f"35281{walk.context['case']:04d}",
    )
    return f"/api/v1/collection-cases/{case['id']}"


async def make_warehouse_check(walk: Walk) -> str:
    """Today's check sheet of an assistant with an order at the warehouse (one sheet a day each, so
    a new assistant for each)."""
    assistant = await walk.context["make_user"](Role.ASSISTANT)
    walk.context["sheet"] = walk.context.get("sheet", 0) + 1
    card = await _ok(
        await walk.client.post(
            "/api/v1/clients",
            headers=walk.people[Role.HEAD].headers,
            json={
                "name": f"ООО «Склад {walk.context['sheet']}»",
                "inn": inn10(f"35282{walk.context['sheet']:04d}"),
                "kpp": "352501001",
                "assistant_id": assistant.id,
                "contacts": [{"name": "Ковалёв Андрей", "level": "buyer", "emails": ["snab@sklad.example"]}],
            },
        )
    )
    await _client_card(walk)  # the catalogue items
    a = assistant.headers
    order = await _ok(
        await walk.client.post(
            "/api/v1/orders",
            headers=a,
            json={
                "channel": "phone",
                "client_id": card["id"],
                "lines": [
                    {"product_id": walk.context["in_stock"], "price_category": "Оптовая", "quantity": 1}
                ],
            },
        )
    )
    invoice = await _ok(await walk.client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a))
    await _ok(await walk.client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={}))
    await _ok(await walk.client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={}))
    await _ok(await walk.client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=a))
    await _ok(await walk.client.post(f"/api/v1/orders/{order['id']}/send-to-warehouse", headers=a))
    await sweep({"app": walk.context["job_ctx"]})
    sheets = await _ok(
        await walk.client.get(
            "/api/v1/warehouse-checks",
            headers=walk.people[Role.WAREHOUSE].headers,
            params={"assistant_id": assistant.id},
        )
    )
    return f"/api/v1/warehouse-checks/{sheets['items'][0]['id']}"


async def make_requisition(walk: Walk) -> str:
    oid = await _at_the_warehouse(walk, "missing")
    found = await _ok(
        await walk.client.get(
            "/api/v1/requisitions", headers=walk.people[Role.SUPPLY].headers, params={"order_id": oid}
        )
    )
    return f"/api/v1/requisitions/{found['items'][0]['id']}"


async def make_task(walk: Walk) -> str:
    a = walk.people[Role.ASSISTANT]
    task = await _ok(
        await walk.client.post(
            "/api/v1/tasks",
            headers=a.headers,
            json={
                "kind": "call",
                "title": "Позвонить клиенту",
                "assignee_id": a.id,
                "due_in_working_days": 1,
            },
        )
    )
    return f"/api/v1/tasks/{task['id']}"


async def make_credit_request(walk: Walk) -> str:
    asked = await _ok(
        await walk.client.post(
            "/api/v1/credit-requests",
            headers=walk.people[Role.MANAGER].headers,
            json={
                "client_id": await _client_card(walk),
                "deferment_days": 30,
                "credit_limit": "500000.00",
                "justification": "Три года закупок без просрочек",
            },
        )
    )
    return f"/api/v1/credit-requests/{asked['id']}"


async def make_reconciliation_act(walk: Walk) -> str:
    walk.context["act"] = walk.context.get("act", 0) + 1  # one act per client and period
    month_end = TODAY.replace(day=1) - timedelta(days=1)
    for _ in range(walk.context["act"] - 1):
        month_end = month_end.replace(day=1) - timedelta(days=1)
    act = await _ok(
        await walk.client.post(
            "/api/v1/reconciliation-acts",
            headers=walk.people[Role.ASSISTANT].headers,
            json={
                "client_id": await _client_card(walk),
                "date_from": str(month_end.replace(day=1)),
                "date_to": str(month_end),
                "email": "buh@stroy.example",
            },
        )
    )
    return f"/api/v1/reconciliation-acts/{act['id']}"


async def make_daily_report(walk: Walk) -> str:
    walk.context["day"] = walk.context.get("day", 0) + 1
    report = await _ok(
        await walk.client.post(
            "/api/v1/daily-reports",
            headers=walk.people[Role.ASSISTANT].headers,
            json={
                "day": str(TODAY - timedelta(days=walk.context["day"])),
                "manager_id": walk.people[Role.MANAGER].id,
                "text": "День",
            },
        )
    )
    return f"/api/v1/daily-reports/{report['id']}"


async def make_proposal(walk: Walk) -> str:
    client_id = await _client_card(walk)
    proposal = await _ok(
        await walk.client.post(
            "/api/v1/proposals",
            headers=walk.people[Role.MANAGER].headers,
            json={
                "client_id": client_id,
                "contact_id": walk.context["contact"],
                "workwear_kind": "летние рабочие костюмы",
                "models_count": 1,
                "markup_percent": "30",
                "deadline": str(TODAY + timedelta(days=2)),
            },
        )
    )
    url = f"/api/v1/proposals/{proposal['id']}"
    await _ok(
        await walk.client.post(
            f"{url}/lines",
            headers=walk.people[Role.ASSISTANT].headers,
            json={"product_id": walk.context["in_stock"], "quantity": 5},
        )
    )
    return url


KINDS = [
    Kind("task", make_task, frozenset({"open", "in_progress", "done", "cancelled"})),
    Kind("order", make_order, frozenset({"accepted", "needs_clarification", "invoiced", "cancelled"})),
    Kind(
        "invoice", make_invoice, frozenset({"issued", "sent_for_approval", "revision_requested", "approved"})
    ),
    Kind(
        "order",
        make_approved_order,
        frozenset(
            {
                "approved",
                "fulfilment",
                "sent_to_warehouse",
                "waiting_for_supply",
                "ready",
                "delivery_agreed",
                "cancelled",
            }
        ),
    ),
    Kind("order", make_order_waiting_for_supply, frozenset({"waiting_for_supply", "cancelled"})),
    Kind(
        "order",
        make_order_with_its_checklist_done,
        frozenset({"delivery_agreed", "shipped", "delivered", "closed"}),
    ),
    Kind(
        "requisition",
        make_requisition,
        frozenset({"requested", "ordered", "expected", "arrived", "cancelled"}),
    ),
    Kind(
        "credit request",
        make_credit_request,
        frozenset({"requested", "reviewed", "recommended", "approved", "rejected"}),
    ),
    Kind("reconciliation act", make_reconciliation_act, frozenset({"sent", "discrepancy", "signed"})),
    Kind("daily report", make_daily_report, frozenset({"submitted", "reviewed"})),
    Kind(
        "proposal",
        make_proposal,
        frozenset(
            {"priced", "sent_to_manager", "approved", "sent_to_client", "accepted", "declined", "converted"}
        ),
    ),
    Kind(
        "collection case",
        make_collection_case,
        frozenset({"guarantee_requested", "guarantee_received", "escalated", "waiting", "closed"}),
        state="stage",
    ),
    Kind("warehouse_check", make_warehouse_check, frozenset({"open", "started", "done"})),
    Kind(
        "spec",
        make_spec,
        frozenset({"received", "invoice_with_manager", "invoice_checked", "signed", "cancelled"}),
    ),
    Kind(
        "spec",
        make_spec_with_its_invoice_approved,
        frozenset(
            {
                "invoice_checked",
                "signed",
                "sent_to_workshop",
                "accepted_by_workshop",
                "goods_ready",
                "cancelled",
            }
        ),
    ),
]


@pytest.mark.parametrize("kind", KINDS, ids=[k.make.__name__.removeprefix("make_") for k in KINDS])
async def test_every_action_offered_is_callable_by_who_is_offered_it(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, kind: Kind
) -> None:
    walk = Walk(
        client, app, await _people(make_user), {"job_ctx": job_ctx, "clock": clock, "make_user": make_user}
    )
    seen = await _walk(walk, kind)
    assert seen == kind.reaches
