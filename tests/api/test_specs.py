"""Bad input to workshop specs: each is a clear problem naming the field or the reason, and nothing
is changed or sent."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update

from app.models.orders import Order
from app.models.outbox import OutboundMessage
from app.models.specs import Spec
from app.services.seed import inn10
from tests.api.test_spec_walk import DETAILS, if_match, order_for_spec, people, png, run_jobs
from tests.conftest import RecordingQueue
from tests.support.helpers import problem


async def _count(session_factory: Any, model: Any, *where: Any) -> int:
    async with session_factory() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def _chat_posts(session_factory: Any) -> int:
    return await _count(session_factory, OutboundMessage, OutboundMessage.kind == "chat")


def _with(kind: str, **changes: Any) -> dict[str, Any]:
    details = copy.deepcopy(DETAILS[kind])
    details.update(changes)
    return details


@pytest.mark.parametrize(
    ("details", "field"),
    [
        (
            _with("tailoring", wearers=[{**DETAILS["tailoring"]["wearers"][1], "height_cm": 310}]),
            "details.tailoring.wearers.0.height_cm",
        ),
        (
            _with("tailoring", wearers=[{**DETAILS["tailoring"]["wearers"][1], "chest_cm": 12}]),
            "details.tailoring.wearers.0.chest_cm",
        ),
        (
            _with("tailoring", wearers=[{**DETAILS["tailoring"]["wearers"][0], "sleeve_cm": "580"}]),
            "details.tailoring.wearers.0.sleeve_cm",
        ),
        (
            _with("tailoring", wearers=[{**DETAILS["tailoring"]["wearers"][1], "waist_cm": "-74"}]),
            "details.tailoring.wearers.0.waist_cm",
        ),
        (
            _with("manufacturing", grid=[{"size": "48-50", "height": "170-176", "quantity": 0}]),
            "details.manufacturing",
        ),
        (
            _with("manufacturing", grid=[{"size": "48-50", "height": "170-176"}]),
            "details.manufacturing.grid.0.quantity",
        ),
        (_with("manufacturing", grid=[]), "details.manufacturing.grid"),
        (
            _with("manufacturing", grid=[{"size": "48-50", "height": "высокий", "quantity": 2}]),
            "details.manufacturing.grid.0.height",
        ),
        (_with("logo", width_mm=0), "details.logo.width_mm"),
        (_with("logo", method="painting"), "details.logo.method"),
        (_with("logo", garments=[{"name": "Куртка", "quantity": 0}]), "details.logo.garments.0.quantity"),
        ({**DETAILS["logo"], "kind": "sculpture"}, "details"),
    ],
)
async def test_bad_details_are_refused_and_nothing_is_made(
    details: dict[str, Any],
    field: str,
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    session_factory: Any,
) -> None:
    p = await people(make_user)
    order = await order_for_spec(client, app, p)
    response = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": order["id"], "received_via": "in_person", "details": details},
    )
    body = problem(response, 422)
    fields = [e["field"] for e in body["errors"]]
    assert any(f.startswith(field) for f in fields), (field, body)
    assert await _count(session_factory, Spec) == 0


async def test_a_grid_with_no_quantity_says_so(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    p = await people(make_user)
    order = await order_for_spec(client, app, p)
    zeros = [{"size": s, "height": "170-176", "quantity": 0} for s in ("48-50", "52-54")]
    response = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={
            "order_id": order["id"],
            "received_via": "email",
            "details": _with("manufacturing", grid=zeros),
        },
    )
    body = problem(response, 422)
    assert "no size and height has a quantity" in body["detail"]


async def _spec(client: httpx.AsyncClient, p: Any, order_id: int, kind: str) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": order_id, "received_via": "in_person", "details": DETAILS[kind]},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_a_logo_that_is_not_a_picture_or_pdf_is_refused(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    order = await order_for_spec(client, app, p)
    spec = await _spec(client, p, order["id"], "logo")
    url = f"/api/v1/specs/{spec['id']}"
    for name, content in (
        ("logo.png", b"this is a text file pretending to be a picture"),
        ("logo.zip", b"PK\x03\x04" + b"\x00" * 40),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 30),  # a PNG header and nothing of a picture
        ("empty.svg", b""),
    ):
        response = await client.put(
            f"{url}/logo", headers=p.assistant.headers, files={"file": (name, content)}
        )
        body = problem(response, 422, "file")
        assert body["code"] in ("not_a_logo", "invalid_input"), body
    after = (await client.get(url, headers=p.assistant.headers)).json()
    assert (after["logo_filename"], after["revision"], after["version"]) == (None, 1, spec["version"])
    problem(await client.get(f"{url}/logo", headers=p.assistant.headers), 404)
    # A vector logo is taken, told by its content whatever its name.
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'
    taken = await client.put(f"{url}/logo", headers=p.assistant.headers, files={"file": ("лого.bin", svg)})
    assert taken.status_code == 200, taken.text
    assert (taken.json()["logo_content_type"], taken.json()["logo_filename"]) == (
        "image/svg+xml",
        "лого.bin.svg",
    )
    # Only a logo spec has a logo.
    other = await order_for_spec(client, app, p, inn=inn10("352501234"))
    tailoring = await _spec(client, p, other["id"], "tailoring")
    refused = await client.put(
        f"/api/v1/specs/{tailoring['id']}/logo", headers=p.assistant.headers, files={"file": ("l.png", png())}
    )
    assert problem(refused, 409)["code"] == "not_a_logo_spec"


async def _checked(client: httpx.AsyncClient, p: Any, order_id: int, kind: str) -> tuple[dict, dict]:
    spec = await _spec(client, p, order_id, kind)
    url = f"/api/v1/specs/{spec['id']}"
    invoice = (await client.post(f"/api/v1/orders/{order_id}/invoice", headers=p.assistant.headers)).json()
    await client.post(f"{url}/invoice-to-manager", headers=p.assistant.headers)
    spec = (await client.post(f"{url}/invoice-checked", headers=p.manager.headers)).json()
    assert spec["status"] == "invoice_checked", spec
    return spec, invoice


async def test_nothing_goes_to_the_workshop_unsigned_or_unapproved(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    session_factory: Any,
    job_ctx: Any,
    queue: RecordingQueue,
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    spec, invoice = await _checked(client, p, order["id"], "manufacturing")
    url = f"/api/v1/specs/{spec['id']}"

    # Unsigned: refused, nothing posted, the order untouched.
    unsigned = await client.post(f"{url}/send", headers=a, json={})
    body = problem(unsigned, 409)
    assert body["code"] == "not_signed"
    assert "unsigned" in body["detail"]
    assert await _chat_posts(session_factory) == 0

    # Signed, but the client has not approved the invoice: refused, nothing posted.
    signed = (await client.post(f"{url}/sign", headers=p.supply.headers)).json()
    assert signed["status"] == "signed"
    unapproved = await client.post(f"{url}/send", headers=a, json={})
    assert problem(unapproved, 409)["code"] == "invoice_not_approved"
    assert await _chat_posts(session_factory) == 0
    after = (await client.get(url, headers=a)).json()
    assert (after["status"], after["version"]) == ("signed", signed["version"])
    order_now = (await client.get(f"/api/v1/orders/{order['id']}", headers=a)).json()
    assert order_now["status"] == "invoiced"

    # The details change after signing: a new revision, the signature no longer counts.
    changed = await client.patch(
        url,
        headers=a | if_match(after),
        json={"details": _with("manufacturing", color="чёрный")},
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["revision"], changed.json()["status"]) == (2, "invoice_checked")
    assert changed.json()["signature_current"] is False
    await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    await client.post(f"/api/v1/invoices/{invoice['id']}/approve", headers=a, json={})
    stale = await client.post(f"{url}/send", headers=a, json={})
    assert problem(stale, 409)["code"] == "not_signed"
    assert "revision 2" in stale.json()["detail"]
    assert await _chat_posts(session_factory) == 0
    # A stale ETag changes nothing either.
    problem(await client.post(f"{url}/sign", headers=p.supply.headers | if_match(after)), 412)
    # The kind of a spec does not change.
    problem(await client.patch(url, headers=a, json={"details": DETAILS["logo"]}), 422, "details.kind")

    # Signed again for revision 2: it goes, to «Тех. задание швейный цех».
    resigned = (await client.post(f"{url}/sign", headers=p.supply.headers)).json()
    assert resigned["signed_revision"] == 2
    sent = await client.post(f"{url}/send", headers=a, json={})
    assert sent.status_code == 200, sent.text
    assert await _chat_posts(session_factory) == 1
    await run_jobs(queue, job_ctx)
    assert await _chat_posts(session_factory) == 1
    problem(await client.post(f"{url}/send", headers=a, json={}), 409)


async def test_a_spec_needs_an_open_order_and_only_one(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any
) -> None:
    p = await people(make_user)
    order = await order_for_spec(client, app, p)
    await _spec(client, p, order["id"], "logo")
    duplicate = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": order["id"], "received_via": "in_person", "details": DETAILS["tailoring"]},
    )
    assert problem(duplicate, 409)["code"] == "duplicate"
    missing = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": 999_999, "received_via": "in_person", "details": DETAILS["tailoring"]},
    )
    problem(missing, 404)
    unknown = await client.post(
        "/api/v1/specs",
        headers=p.assistant.headers,
        json={"order_id": order["id"], "received_via": "pigeon", "details": DETAILS["logo"], "x": 1},
    )
    problem(unknown, 422, "received_via")
    assert await _count(session_factory, Spec) == 1
    # The workshop reads specs but may not make them; supply may not send them.
    problem(
        await client.post(
            "/api/v1/specs",
            headers=p.workshop.headers,
            json={"order_id": order["id"], "received_via": "in_person", "details": DETAILS["logo"]},
        ),
        403,
    )
    listed = await client.get("/api/v1/specs", headers=p.workshop.headers)
    assert [s["kind"] for s in listed.json()["items"]] == ["logo"]


async def test_a_logo_spec_prints_only_with_its_logo(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    order = await order_for_spec(client, app, p)
    spec, _ = await _checked(client, p, order["id"], "logo")
    url = f"/api/v1/specs/{spec['id']}"
    problem(await client.get(f"{url}/pdf", headers=p.assistant.headers), 422, "logo")
    problem(await client.post(f"{url}/sign", headers=p.supply.headers), 422, "logo")
    after = (await client.get(url, headers=p.assistant.headers)).json()
    assert (after["status"], after["signed_by_id"]) == ("invoice_checked", None)


async def test_a_cancelled_spec_or_order_goes_nowhere(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    spec = await _spec(client, p, order["id"], "tailoring")
    url = f"/api/v1/specs/{spec['id']}"
    problem(await client.post(f"{url}/cancel", headers=a, json={"reason": ""}), 422, "reason")
    cancelled = await client.post(f"{url}/cancel", headers=a, json={"reason": "Клиент передумал"})
    assert cancelled.json()["status"] == "cancelled", cancelled.text
    assert cancelled.json()["allowed_actions"] == []
    problem(await client.post(f"{url}/send", headers=a, json={}), 409)
    # The order's own cancellation cancels its spec too.
    other = await order_for_spec(client, app, p, inn=inn10("352507777"))
    second = await _spec(client, p, other["id"], "logo")
    await client.post(f"/api/v1/orders/{other['id']}/invoice", headers=a)
    await client.post(f"/api/v1/orders/{other['id']}/cancel", headers=a, json={"reason": "Дубль заявки"})
    # Its invoice was in the requisition book from the start: the entries are cancelled with it.
    book = (
        await client.get("/api/v1/requisitions", headers=p.supply.headers, params={"order_id": other["id"]})
    ).json()["items"]
    assert [r["status"] for r in book] == ["cancelled", "cancelled"]
    after = (await client.get(f"/api/v1/specs/{second['id']}", headers=a)).json()
    assert after["status"] == "cancelled"
    history = (await client.get(f"/api/v1/specs/{second['id']}/history", headers=a)).json()["items"]
    assert history[-1]["action"] == "cancel"


async def test_a_cancelled_spec_takes_its_lines_out_of_the_requisition_book(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    spec = await _spec(client, p, order["id"], "tailoring")
    invoice = (await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a)).json()
    # A revision the client asks for before approving changes the booked quantity too.
    await client.post(f"/api/v1/specs/{spec['id']}/invoice-to-manager", headers=a)
    await client.post(f"/api/v1/specs/{spec['id']}/invoice-checked", headers=p.manager.headers)
    await client.post(f"/api/v1/invoices/{invoice['id']}/send", headers=a, json={})
    inv = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{inv}/request-changes", headers=a, json={"comment": "Четыре вместо трёх"})
    revised = await client.post(
        f"{inv}/revise",
        headers=a,
        json={"reason": "по просьбе клиента", "lines": [{"position": 2, "quantity": 4}]},
    )
    assert revised.status_code == 200, revised.text

    async def book() -> list[tuple[int, str]]:
        items = (
            await client.get(
                "/api/v1/requisitions", headers=p.supply.headers, params={"order_id": order["id"]}
            )
        ).json()["items"]
        return [(r["quantity"], r["status"]) for r in items]

    assert await book() == [(10, "requested"), (4, "requested")]
    cancelled = await client.post(
        f"/api/v1/specs/{spec['id']}/cancel", headers=a, json={"reason": "Клиент передумал"}
    )
    assert cancelled.status_code == 200, cancelled.text
    assert await book() == [(10, "cancelled"), (4, "cancelled")]
    # The order goes on without the spec: the line in stock is reserved, the other booked again.
    await client.post(f"{inv}/send", headers=a, json={})
    assert (await client.post(f"{inv}/approve", headers=a, json={})).status_code == 200
    fulfilled = await client.post(f"/api/v1/orders/{order['id']}/fulfil", headers=a)
    assert [line["fulfilment"] for line in fulfilled.json()["lines"]] == ["reserve", "procure"], (
        fulfilled.text
    )
    assert await book() == [(10, "cancelled"), (4, "requested")]


async def test_a_due_date_in_the_past_is_refused_and_nothing_changes(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    late = await client.post(
        "/api/v1/specs",
        headers=a,
        json={
            "order_id": order["id"],
            "received_via": "in_person",
            "due_on": "2026-11-30",
            "details": DETAILS["logo"],
        },
    )
    assert "in the past" in problem(late, 422, "due_on")["detail"]
    assert await _count(session_factory, Spec) == 0
    spec = await _spec(client, p, order["id"], "logo")
    url = f"/api/v1/specs/{spec['id']}"
    moved = await client.patch(
        url, headers=a | if_match(spec), json={"details": DETAILS["logo"], "due_on": "2026-11-01"}
    )
    problem(moved, 422, "due_on")
    after = (await client.get(url, headers=a)).json()
    assert (after["due_on"], after["revision"], after["version"]) == (None, 1, spec["version"])
    # Today is still in time.
    today = await client.patch(
        url, headers=a | if_match(spec), json={"details": DETAILS["logo"], "due_on": "2026-12-01"}
    )
    assert today.status_code == 200, today.text
    assert today.json()["due_on"] == "2026-12-01"


async def test_a_signature_made_void_by_a_change_gives_supply_the_spec_to_sign_again(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    spec, _ = await _checked(client, p, order["id"], "tailoring")
    url = f"/api/v1/specs/{spec['id']}"

    async def sign_tasks() -> list[tuple[str, str]]:
        items = (await client.get("/api/v1/tasks", headers=p.supply.headers)).json()["items"]
        return sorted(
            (t["title"], t["status"])
            for t in items
            if t["subject_type"] == "spec" and t["subject_id"] == spec["id"]
        )

    signed = (await client.post(f"{url}/sign", headers=p.supply.headers)).json()
    assert [status for _, status in await sign_tasks()] == ["done"]
    changed = await client.patch(
        url, headers=a | if_match(signed), json={"details": _with("tailoring", color="голубой")}
    )
    assert changed.json()["status"] == "invoice_checked", changed.text
    assert (await sign_tasks())[0] == (f"Подписать заново ТЗ в швейный цех № {spec['id']} (ред. 2)", "open")
    # A change to an unsigned spec makes no second task; signing closes the open one.
    again = await client.patch(url, headers=a, json={"details": _with("tailoring", color="синий")})
    assert again.json()["revision"] == 3, again.text
    assert len(await sign_tasks()) == 2
    await client.post(f"{url}/sign", headers=p.supply.headers)
    assert [status for _, status in await sign_tasks()] == ["done", "done"]


async def test_the_invoice_goes_to_the_manager_only_when_the_order_has_one(
    client: httpx.AsyncClient, app: Any, make_user: Any, session_factory: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    order = await order_for_spec(client, app, p)
    spec = await _spec(client, p, order["id"], "manufacturing")
    await client.post(f"/api/v1/orders/{order['id']}/invoice", headers=a)
    async with session_factory() as session:
        await session.execute(update(Order).where(Order.id == order["id"]).values(manager_id=None))
        await session.commit()
    url = f"/api/v1/specs/{spec['id']}"
    body = problem(await client.post(f"{url}/invoice-to-manager", headers=a), 409)
    assert body["code"] == "no_manager_email"
    assert "manager" in body["detail"]
    after = (await client.get(url, headers=a)).json()
    assert (after["status"], after["version"]) == ("received", spec["version"])
    assert await _count(session_factory, OutboundMessage) == 0
