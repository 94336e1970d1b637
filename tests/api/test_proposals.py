"""Proposals: bad input is refused with a clear problem and changes nothing; roles; expiry; preview."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from PIL import Image

from app.core.clock import FixedClock
from app.models.directory import Role
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, sweep
from tests.support.helpers import problem
from tests.support.logos import bomb_png


def if_match(body: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{body["version"]}"'}


@pytest.fixture
async def people(client: httpx.AsyncClient, make_user: Any) -> dict[str, Any]:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    supply = await make_user(Role.SUPPLY, department="supply")
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "АО «Речной порт»",
            "inn": inn10("352598765"),
            "kpp": "352501001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
            "contacts": [{"name": "Гусев Олег Павлович", "level": "director", "emails": []}],
        },
    )
    assert card.status_code == 201, card.text
    return {"head": head, "manager": manager, "assistant": assistant, "supply": supply, "client": card.json()}


async def new_proposal(client: httpx.AsyncClient, people: dict[str, Any], **extra: Any) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/proposals",
        headers=people["manager"].headers,
        json={
            "client_id": people["client"]["id"],
            "workwear_kind": "зимние куртки",
            "models_count": 1,
            "markup_percent": "25",
        }
        | extra,
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def with_catalogue_line(client: httpx.AsyncClient, app: Any, people: dict[str, Any]) -> dict[str, Any]:
    proposal = await new_proposal(client, people)
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    response = await client.post(
        f"/api/v1/proposals/{proposal['id']}/lines",
        headers=people["assistant"].headers,
        json={"product_id": suit.id, "quantity": 2},
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def test_markup_below_zero_or_above_the_cap_is_refused(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    base = {"client_id": people["client"]["id"], "workwear_kind": "куртки", "models_count": 1}
    url, headers = "/api/v1/proposals", people["manager"].headers
    problem(
        await client.post(url, headers=headers, json=base | {"markup_percent": "-1"}), 422, "markup_percent"
    )
    body = problem(await client.post(url, headers=headers, json=base | {"markup_percent": "300.01"}), 422)
    assert body["errors"][0]["field"] == "markup_percent"
    assert "300" in body["errors"][0]["reason"]
    proposal = await new_proposal(client, people)
    problem(
        await client.patch(
            f"/api/v1/proposals/{proposal['id']}",
            headers=people["assistant"].headers,
            json={"markup_percent": "1000"},
        ),
        422,
        "markup_percent",
    )
    listed = (await client.get("/api/v1/proposals", headers=people["manager"].headers)).json()["items"]
    assert [p["markup_percent"] for p in listed] == ["25"]


async def test_request_needs_an_assistant_and_a_working_day(
    client: httpx.AsyncClient, people: dict[str, Any], make_user: Any
) -> None:
    other = await client.post(
        "/api/v1/clients",
        headers=people["head"].headers,
        json={
            "name": "ИП Соколов",
            "inn": inn10("352511111"),
            "kpp": "352501001",
            "manager_id": people["manager"].id,
        },
    )
    base = {"workwear_kind": "перчатки", "models_count": 1, "markup_percent": "10"}
    headers = people["manager"].headers
    problem(
        await client.post(
            "/api/v1/proposals", headers=headers, json=base | {"client_id": other.json()["id"]}
        ),
        422,
        "assistant_id",
    )
    problem(
        await client.post(
            "/api/v1/proposals",
            headers=headers,
            json=base | {"client_id": people["client"]["id"], "deadline": "2026-12-05"},  # a Saturday
        ),
        422,
        "deadline",
    )


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (10, 10), (0, 0, 0)).save(out, "PNG")
    return out.getvalue()


async def test_photos_that_are_not_pictures_or_too_large_are_refused(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await with_catalogue_line(client, app, people)
    url = f"/api/v1/proposals/{proposal['id']}/lines/1/photo"
    headers = people["assistant"].headers
    body = problem(
        await client.put(
            url, headers=headers, files={"file": ("photo.jpg", b"<html>not a photo</html>", "image/jpeg")}
        ),
        422,
        "file",
    )
    assert body["errors"][0]["code"] == "not_an_image"
    gif = io.BytesIO()
    Image.new("RGB", (10, 10)).save(gif, "GIF")
    problem(
        await client.put(url, headers=headers, files={"file": ("a.gif", gif.getvalue(), "image/gif")}),
        422,
        "file",
    )
    limit = app.state.settings.proposals.max_photo_bytes
    big = _png() + b"\0" * (limit + 1 - len(_png()))
    body = problem(
        await client.put(url, headers=headers, files={"file": ("big.png", big, "image/png")}), 422, "file"
    )
    assert body["errors"][0]["code"] == "file_too_large"
    problem(
        await client.put(url, headers=headers, files={"file": ("huge.png", b"\0" * (limit + 200_000))}), 413
    )
    # A small file that decodes into 20000×20000 pixels is as too large as a big one.
    body = problem(
        await client.put(url, headers=headers, files={"file": ("bomb.png", bomb_png(), "image/png")}),
        422,
        "file",
    )
    assert body["errors"][0]["code"] == "file_too_large"
    after = (await client.get(f"/api/v1/proposals/{proposal['id']}", headers=headers)).json()
    assert after["version"] == proposal["version"]
    assert not after["lines"][0]["has_photo"]
    problem(await client.get(url, headers=headers), 404)


async def test_a_below_cost_price_waits_for_a_head_who_approves_or_rejects_it(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await with_catalogue_line(client, app, people)
    pid = proposal["id"]
    line = proposal["lines"][0]
    cheap = str(Decimal(line["purchase_price"]) - 1)
    a, head = people["assistant"].headers, people["head"].headers
    url = f"/api/v1/proposals/{pid}"

    async def waiting_list(pending: bool) -> list[int]:
        found = await client.get(f"/api/v1/proposals?below_cost_pending={str(pending).lower()}", headers=head)
        assert found.status_code == 200, found.text
        return [p["id"] for p in found.json()["items"]]

    # The assistant's price below the purchase is kept as asked and waits; the proposal stays a draft.
    asked = await client.patch(f"{url}/lines/1", headers=a, json={"price": cheap})
    assert asked.status_code == 200, asked.text
    waiting = asked.json()
    assert (waiting["lines"][0]["price"], waiting["lines"][0]["below_cost_pending"]) == (cheap, True)
    assert (waiting["status"], waiting["below_cost_pending_positions"]) == ("draft", [1])
    assert "send-to-manager" not in waiting["allowed_actions"]
    assert waiting["lines"][0]["allowed_actions"] == []
    refused = problem(await client.post(f"{url}/send-to-manager", headers=a, json={}), 409)
    assert (refused["code"], refused["positions"]) == ("below_cost_pending", [1])
    assert (await client.get(url, headers=a)).json()["version"] == waiting["version"]
    # The heads see it on their list, and are offered their word on the line.
    assert pid in await waiting_list(True)
    assert pid not in await waiting_list(False)
    seen = (await client.get(url, headers=head)).json()
    assert seen["lines"][0]["allowed_actions"] == ["approve-below-cost", "reject-below-cost"]

    # Rejected: the line needs a price again, the reason in the history.
    problem(await client.post(f"{url}/lines/1/reject-below-cost", headers=head, json={}), 422, "reason")
    problem(await client.post(f"{url}/lines/1/reject-below-cost", headers=a, json={"reason": "нет"}), 403)
    rejected = await client.post(
        f"{url}/lines/1/reject-below-cost", headers=head, json={"reason": "Ниже закупки не продаём"}
    )
    assert rejected.status_code == 200, rejected.text
    after = rejected.json()
    assert (after["lines"][0]["price"], after["lines"][0]["below_cost_pending"]) == (None, False)
    assert (after["status"], after["unpriced_positions"], after["below_cost_pending_positions"]) == (
        "draft",
        [1],
        [],
    )
    events = (await client.get(f"{url}/history?limit=100", headers=head)).json()["items"]
    entry = next(e for e in events if e["action"] == "below_cost_rejected")
    assert (entry["after"]["reason"], entry["after"]["price"]) == ("Ниже закупки не продаём", cheap)
    assert pid not in await waiting_list(True)
    not_waiting = problem(
        await client.post(f"{url}/lines/1/reject-below-cost", headers=head, json={"reason": "ещё раз"}), 409
    )
    assert not_waiting["code"] == "not_waiting"

    # Asked again and approved by a head at the price asked: the proposal is priced and goes on.
    asked = await client.patch(f"{url}/lines/1", headers=a, json={"price": cheap})
    assert asked.json()["below_cost_pending_positions"] == [1]
    approval = {"reason": "Пробная партия для нового клиента"}
    problem(await client.post(f"{url}/lines/1/approve-below-cost", headers=a, json=approval), 403)
    problem(
        await client.post(
            f"{url}/lines/1/approve-below-cost", headers=people["manager"].headers, json=approval
        ),
        403,
    )
    approved = await client.post(f"{url}/lines/1/approve-below-cost", headers=head, json=approval)
    assert approved.status_code == 200, approved.text
    done = approved.json()
    line = done["lines"][0]
    assert (line["price"], line["price_source"], line["below_cost_pending"]) == (cheap, "manual", False)
    assert line["below_cost_approved_by_id"] == people["head"].id
    assert Decimal(line["margin"]) == Decimal(-1)
    assert (done["status"], done["below_cost_pending_positions"]) == ("priced", [])
    assert "send-to-manager" in (await client.get(url, headers=a)).json()["allowed_actions"]
    assert pid not in await waiting_list(True)
    sent = await client.post(f"{url}/send-to-manager", headers=a, json={})
    assert sent.status_code == 200, sent.text


async def test_flow_refusals_name_the_state_and_change_nothing(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await with_catalogue_line(client, app, people)
    pid = proposal["id"]
    a = people["assistant"].headers
    # A stale version: 412.
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-manager", headers=a | {"If-Match": '"1"'}, json={}
        ),
        412,
    )
    body = problem(await client.post(f"/api/v1/proposals/{pid}/accept", headers=a, json={}), 409)
    assert body["code"] == "invalid_transition"
    assert body["allowed_actions"] == ["send-to-manager"]
    assert "'priced'" in body["detail"]
    await client.post(f"/api/v1/proposals/{pid}/send-to-manager", headers=a, json={})
    problem(await client.post(f"/api/v1/proposals/{pid}/approve", headers=a, json={}), 403)
    await client.post(f"/api/v1/proposals/{pid}/approve", headers=people["manager"].headers, json={})
    # The contact has no email and none is given: the problem names the field.
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-client",
            headers=a,
            json={"contact_id": people["client"]["contacts"][0]["id"]},
        ),
        422,
        "contact_id",
    )
    problem(
        await client.post(f"/api/v1/proposals/{pid}/send-to-client", headers=a, json={}), 422, "contact_id"
    )
    sent = await client.post(
        f"/api/v1/proposals/{pid}/send-to-client", headers=a, json={"email": "gusev@rechport.example"}
    )
    assert sent.json()["status"] == "sent_to_client"
    declined = (
        await client.post(f"/api/v1/proposals/{pid}/decline", headers=a, json={"comment": "Дорого"})
    ).json()
    assert declined["allowed_actions"] == []
    body = problem(await client.post(f"/api/v1/proposals/{pid}/convert", headers=a), 409)
    assert "'declined'" in body["detail"]
    assert body["allowed_actions"] == []
    after = (await client.get(f"/api/v1/proposals/{pid}", headers=a)).json()
    assert (after["status"], after["order_id"], after["version"]) == ("declined", None, declined["version"])
    assert (await client.get("/api/v1/orders", headers=a)).json()["items"] == []


async def test_roles(client: httpx.AsyncClient, app: Any, people: dict[str, Any], make_user: Any) -> None:
    proposal = await with_catalogue_line(client, app, people)
    pid = proposal["id"]
    supply = people["supply"].headers
    # Supply reads proposals and answers price requests, but does not edit them.
    assert (await client.get(f"/api/v1/proposals/{pid}", headers=supply)).status_code == 200
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/lines", headers=supply, json={"name": "x", "quantity": 1}
        ),
        403,
    )
    # Only supply (and heads) give purchase prices; a catalogue line takes none.
    answer = {"purchase_price": "10.00"}
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/lines/1/purchase-price", headers=people["manager"].headers, json=answer
        ),
        403,
    )
    problem(
        await client.post(f"/api/v1/proposals/{pid}/lines/1/purchase-price", headers=supply, json=answer),
        422,
        "position",
    )
    driver = await make_user(Role.DRIVER, department="warehouse")
    problem(await client.get("/api/v1/proposals", headers=driver.headers), 403)


async def test_a_sent_proposal_expires_after_its_validity(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any], job_ctx: Any, clock: FixedClock
) -> None:
    job_ctx.clock = clock
    proposal = await with_catalogue_line(client, app, people)
    pid = proposal["id"]
    a = people["assistant"].headers
    await client.post(f"/api/v1/proposals/{pid}/send-to-manager", headers=a, json={})
    await client.post(f"/api/v1/proposals/{pid}/approve", headers=people["manager"].headers, json={})
    problem(
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-client",
            headers=a,
            json={"email": "gusev@rechport.example", "valid_until": "2026-11-30"},
        ),
        422,
        "valid_until",
    )
    await client.post(
        f"/api/v1/proposals/{pid}/send-to-client",
        headers=a,
        json={"email": "gusev@rechport.example", "valid_until": "2026-12-02"},
    )
    assert (await sweep({"app": job_ctx}))["proposals_expired"] == 0
    clock.advance(timedelta(days=2))
    assert (await sweep({"app": job_ctx}))["proposals_expired"] == 1
    assert (await sweep({"app": job_ctx}))["proposals_expired"] == 0
    after = (await client.get(f"/api/v1/proposals/{pid}", headers=a)).json()
    assert (after["status"], after["allowed_actions"]) == ("expired", [])


async def test_preview_is_escaped_html_with_inlined_photos_and_no_purchase_prices(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await new_proposal(client, people)
    pid = proposal["id"]
    a = people["assistant"].headers
    problem(await client.get(f"/api/v1/proposals/{pid}/preview", headers=a), 422, "lines")
    await client.post(
        f"/api/v1/proposals/{pid}/lines",
        headers=a,
        json={
            "name": "Куртка <script>alert(1)</script>",
            "description": '<img src="http://example.com/x.png">',
            "quantity": 3,
            "purchase_price": "1234.50",
        },
    )
    await client.put(f"/api/v1/proposals/{pid}/lines/1/photo", headers=a, files={"file": ("a.png", _png())})
    preview = await client.get(f"/api/v1/proposals/{pid}/preview", headers=a)
    assert preview.status_code == 200
    assert preview.headers["content-type"].startswith("text/html")
    html = preview.text
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'src="http://example.com' not in html
    assert "data:image/jpeg;base64," in html
    assert format_rub(Decimal("1543.13")) in html  # 1234.50 + 25 %, rounded to the kopeck
    assert format_rub(Decimal("1234.50")) not in html
    pdf = await client.get(f"/api/v1/proposals/{pid}/pdf", headers=a)
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


async def test_orders_from_proposals_come_only_by_conversion(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/v1/orders",
        headers=people["assistant"].headers,
        json={"channel": "proposal", "client_id": people["client"]["id"], "lines": []},
    )
    problem(response, 422, "channel")


async def test_the_email_to_the_manager_goes_once_and_its_pdf_is_kept_once(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any], job_ctx: Any, queue: Any, smtp: Any
) -> None:
    job_ctx.storage = app.state.storage
    proposal = await with_catalogue_line(client, app, people)
    pid = proposal["id"]
    await client.post(
        f"/api/v1/proposals/{pid}/send-to-manager", headers=people["assistant"].headers, json={}
    )
    (message_id,) = [args[0] for function, args, _ in queue.jobs if function == "deliver_outbound"]
    assert await deliver_outbound({"app": job_ctx}, message_id) == "sent"
    assert await deliver_outbound({"app": job_ctx}, message_id) == "skipped"
    handler, _ = smtp
    assert len(handler.received) == 1
    document = (
        await client.get(f"/api/v1/proposals/{pid}/documents", headers=people["manager"].headers)
    ).json()["items"][0]
    stored = await app.state.storage.get(f"documents/proposals/{pid}/r1-manager.pdf")
    assert stored is not None
    assert stored.content == next(handler.received[0].parsed().iter_attachments()).get_content()
    assert document["stored_at"] is not None


async def test_lines_removed_renumber_and_a_new_markup_reprices(
    client: httpx.AsyncClient, people: dict[str, Any]
) -> None:
    proposal = await new_proposal(client, people)
    pid = proposal["id"]
    a = people["assistant"].headers
    for name, purchase in (("Каска", "300.00"), ("Очки", "150.00"), ("Наушники", "410.00")):
        await client.post(
            f"/api/v1/proposals/{pid}/lines",
            headers=a,
            json={"name": name, "quantity": 2, "purchase_price": purchase},
        )
    removed = await client.delete(f"/api/v1/proposals/{pid}/lines/1", headers=a)
    assert removed.status_code == 200, removed.text
    lines = removed.json()["lines"]
    assert [(x["position"], x["name"], x["price"]) for x in lines] == [
        (1, "Очки", "187.50"),
        (2, "Наушники", "512.50"),
    ]
    repriced = (
        await client.patch(f"/api/v1/proposals/{pid}", headers=a, json={"markup_percent": "10"})
    ).json()
    assert [x["price"] for x in repriced["lines"]] == ["165.00", "451.00"]
    assert repriced["total"] == "1232.00"
    assert repriced["margin_total"] == str(Decimal("15.00") * 2 + Decimal("41.00") * 2)
    problem(await client.delete(f"/api/v1/proposals/{pid}/lines/3", headers=a), 404)


async def test_a_head_may_not_approve_a_below_cost_price_on_their_own_proposal(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any], make_user: Any
) -> None:
    head = people["head"]
    own = await new_proposal(client, people | {"manager": head})
    assert own["manager_id"] == head.id  # the caller asks, as the request's description says
    suit = (await app.state.erp.search_products("Костюм", 1))[0]
    added = await client.post(
        f"/api/v1/proposals/{own['id']}/lines",
        headers=people["assistant"].headers,
        json={"product_id": suit.id, "quantity": 2},
    )
    assert added.status_code == 201, added.text
    line = added.json()["lines"][0]
    cheap = str(Decimal(line["purchase_price"]) - 1)
    approval = {"price": cheap, "reason": "Пробная партия для нового клиента"}
    url = f"/api/v1/proposals/{own['id']}/lines/1/approve-below-cost"
    refused = problem(await client.post(url, headers=head.headers, json=approval), 403)
    assert "another head" in refused["detail"]
    after = (await client.get(f"/api/v1/proposals/{own['id']}", headers=head.headers)).json()
    assert (after["version"], after["lines"][0]["price"]) == (added.json()["version"], line["price"])
    other = await make_user(Role.HEAD)
    approved = await client.post(url, headers=other.headers, json=approval)
    assert approved.status_code == 200, approved.text
    assert approved.json()["lines"][0]["below_cost_approved_by_id"] == other.id


def _picture(width: int, height: int) -> bytes:
    """Left half red, right half blue: a crop's side is told by its colour."""
    picture = Image.new("RGB", (width, height), (255, 0, 0))
    picture.paste((0, 0, 255), (width // 2, 0, width, height))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


async def test_the_printed_square_is_cut_from_the_photo_as_asked(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any]
) -> None:
    proposal = await with_catalogue_line(client, app, people)
    url = f"/api/v1/proposals/{proposal['id']}/lines/1/photo"
    headers = people["assistant"].headers
    photo = {"file": ("wide.png", _picture(80, 40), "image/png")}
    # A square that leaves the picture, or a crop half given, is refused beside its field.
    for crop, field in [
        ({"crop_left": "50", "crop_top": "0", "crop_side": "40"}, "crop_left"),
        ({"crop_left": "0", "crop_top": "10", "crop_side": "40"}, "crop_top"),
        ({"crop_left": "0", "crop_top": "0"}, "crop_side"),
        ({"crop_left": "0", "crop_top": "0", "crop_side": "0"}, "crop_side"),
    ]:
        problem(
            await client.put(url, headers=headers | if_match(proposal), files=photo, data=crop), 422, field
        )
    unchanged = (await client.get(f"/api/v1/proposals/{proposal['id']}", headers=headers)).json()
    assert (unchanged["version"], unchanged["lines"][0]["has_photo"]) == (proposal["version"], False)

    # The right half's square: the print copy is that square, blue; the photo is kept whole.
    response = await client.put(
        url,
        headers=headers | if_match(proposal),
        files=photo,
        data={"crop_left": "40", "crop_top": "0", "crop_side": "40"},
    )
    assert response.status_code == 200, response.text
    printed = await client.get(url, headers=headers, params={"printed": "true"})
    assert printed.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(printed.content)) as square:
        assert square.size == (40, 40)
        red, _, blue = square.convert("RGB").getpixel((20, 20))  # type: ignore[misc]
        assert blue > 200 > red
    whole = await client.get(url, headers=headers)
    with Image.open(io.BytesIO(whole.content)) as kept:
        assert (kept.format, kept.size) == ("PNG", (80, 40))


async def test_supply_sees_the_price_requests_the_longest_waiting_first_and_overdue_marked(
    client: httpx.AsyncClient, app: Any, people: dict[str, Any], clock: FixedClock
) -> None:
    a, supply = people["assistant"].headers, people["supply"].headers
    older = await new_proposal(client, people)
    newer = await new_proposal(client, people)
    url = "/api/v1/proposals/{}/lines"

    async def add(proposal: dict[str, Any], **line: Any) -> dict[str, Any]:
        response = await client.post(url.format(proposal["id"]), headers=a, json={"quantity": 3} | line)
        assert response.status_code == 201, response.text
        return dict(response.json())

    older = await add(older, name="Куртка с логотипом по образцу", description="синяя")
    older = await add(older, name="Жилет сигнальный", purchase_price="300.00")  # priced: no request
    clock.advance(timedelta(hours=3))
    newer = await add(newer, name="Фартук кожаный")
    clock.advance(timedelta(hours=2))  # the older request is now 5 hours old: past the 4 of a reminder

    listed = await client.get("/api/v1/proposals/price-requests", headers=supply)
    assert listed.status_code == 200, listed.text
    queue = [(r["proposal_id"], r["position"], r["name"], r["overdue"]) for r in listed.json()["items"]]
    assert queue == [
        (older["id"], 1, "Куртка с логотипом по образцу", True),
        (newer["id"], 1, "Фартук кожаный", False),
    ]
    first = listed.json()["items"][0]
    assert (first["proposal_version"], first["description"], first["quantity"]) == (
        older["version"],
        "синяя",
        3,
    )

    # One at a time, the cursor carries on after the first.
    one = (await client.get("/api/v1/proposals/price-requests", headers=supply, params={"limit": 1})).json()
    rest = await client.get(
        "/api/v1/proposals/price-requests", headers=supply, params={"limit": 1, "cursor": one["next_cursor"]}
    )
    assert [r["proposal_id"] for r in one["items"] + rest.json()["items"]] == [older["id"], newer["id"]]
    problem(
        await client.get("/api/v1/proposals/price-requests", headers=supply, params={"cursor": "nonsense"}),
        422,
        "cursor",
    )

    # Answered, it leaves the queue.
    answered = await client.post(
        f"/api/v1/proposals/{older['id']}/lines/1/purchase-price",
        headers=supply | {"If-Match": f'"{first["proposal_version"]}"'},
        json={"purchase_price": "1000.00"},
    )
    assert answered.status_code == 200, answered.text
    left = (await client.get("/api/v1/proposals/price-requests", headers=supply)).json()["items"]
    assert [r["proposal_id"] for r in left] == [newer["id"]]
