"""Documents rendered many at once through the API (proposals with photos, specs with logos and
their extracts, reconciliation acts, invoices, the working day's pages) come out whole and the API
stays up; a render process that dies is a 503 problem for that request (on every route that renders,
the claim letter's too), and the next request gets its document from a renderer built again."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.clock import FixedClock
from app.main import Overrides, create_app
from app.models.directory import Role
from app.models.invoices import Invoice
from app.services.kernel.rendering import Renderer
from app.services.seed import inn10
from app.worker.jobs import draft_claim_letter, sweep
from tests.api.test_collection_cases import _overdue_case
from tests.api.test_spec_walk import People, png, spec_with_approved_invoice
from tests.api.test_warehouse_check_days import _at_warehouse, _card, _sheet, _stock, at
from tests.conftest import RecordingQueue
from tests.support.crash import segfault
from tests.support.helpers import problem
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import add_invoice

ACTS = "/api/v1/reconciliation-acts"


@pytest.fixture
async def people(make_user: Any) -> People:
    return People(
        head=await make_user(Role.HEAD),
        manager=await make_user(Role.MANAGER),
        assistant=await make_user(Role.ASSISTANT),
        supply=await make_user(Role.SUPPLY, department="supply"),
        keeper=await make_user(Role.WAREHOUSE, department="warehouse"),
        workshop=await make_user(Role.WORKSHOP, department="workshop"),
    )


async def _client(client: httpx.AsyncClient, p: People, name: str, inn9: str) -> int:
    card = await client.post(
        "/api/v1/clients",
        headers=p.head.headers,
        json={
            "name": name,
            "inn": inn10(inn9),
            "kpp": inn9[:4] + "01001",
            "manager_id": p.manager.id,
            "assistant_id": p.assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    return int(card.json()["id"])


async def _proposal(client: httpx.AsyncClient, p: People, client_id: int, n: int) -> str:
    made = await client.post(
        "/api/v1/proposals",
        headers=p.manager.headers,
        json={
            "client_id": client_id,
            "workwear_kind": "зимние куртки",
            "models_count": 2,
            "markup_percent": "25",
        },
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/proposals/{made.json()['id']}"
    for line in (1, 2):
        added = await client.post(
            f"{url}/lines",
            headers=p.assistant.headers,
            json={"name": f"Куртка модель {n}-{line}", "quantity": 3, "purchase_price": "1234.50"},
        )
        assert added.status_code == 201, added.text
        photo = await client.put(
            f"{url}/lines/{line}/photo", headers=p.assistant.headers, files={"file": ("a.png", png())}
        )
        assert photo.status_code == 200, photo.text
    return f"{url}/pdf"


async def _act(client: httpx.AsyncClient, p: People, session_factory: Any, client_id: int) -> str:
    for day in (5, 12, 19):
        await add_invoice(
            session_factory,
            client_id,
            issued_on=date(2026, 10, day),
            due_on=date(2026, 11, day),
            total=f"{day}00.50",
        )
    made = await client.post(
        ACTS,
        headers=p.assistant.headers,
        json={"client_id": client_id, "date_from": "2026-10-01", "date_to": "2026-11-30"},
    )
    assert made.status_code == 201, made.text
    return f"{ACTS}/{made.json()['id']}/pdf"


@pytest.fixture
async def documents(
    client: httpx.AsyncClient, app: Any, people: People, session_factory: Any, clock: FixedClock, job_ctx: Any
) -> dict[str, tuple[str, str]]:
    """Each document's URL and a text its PDF must show."""
    p = people
    found: dict[str, tuple[str, str]] = {}
    for n, inn9 in enumerate(("352811101", "352811202"), start=1):
        client_id = await _client(client, p, f"АО «Порт {n}»", inn9)
        found[f"proposal {n}"] = (await _proposal(client, p, client_id, n), f"Куртка модель {n}-2")
        found[f"act {n}"] = (await _act(client, p, session_factory, client_id), f"АО «Порт {n}»")
    order, spec = await spec_with_approved_invoice(client, app, p, "logo")
    logo = await client.put(f"{spec}/logo", headers=p.assistant.headers, files={"file": ("logo.png", png())})
    assert logo.status_code == 200, logo.text
    found["spec"] = (f"{spec}/pdf", "Нанесение логотипа")
    found["spec extract"] = (f"{spec}/requisition-extract", "Выписка из книги заявок")
    async with session_factory() as session:
        invoice_id = await session.scalar(select(Invoice.id).where(Invoice.order_id == order["id"]))
    found["invoice"] = (f"/api/v1/invoices/{invoice_id}/pdf", "Северный металл")
    found["statistics"] = ("/api/v1/statistics/pdf?date_from=2026-11-01&date_to=2026-11-30", "2026")
    report = await client.post(
        "/api/v1/daily-reports",
        headers=p.assistant.headers,
        json={"day": "2026-12-01", "manager_id": p.manager.id, "text": "Обзвон клиентов по акту"},
    )
    assert report.status_code == 201, report.text
    found["daily report"] = (f"/api/v1/daily-reports/{report.json()['id']}/pdf", "Обзвон клиентов по акту")
    found["daily reports sheet"] = (
        "/api/v1/daily-reports/export?date_from=2026-12-01&date_to=2026-12-01",
        "",
    )
    # The next morning's check sheet of an order at the warehouse.
    in_stock, _ = await _stock(app)
    card = await _card(client, p.head, "352811404", assistant_id=p.assistant.id)
    lines = [{"product_id": in_stock[0].id, "price_category": "Оптовая", "quantity": 2}]
    await _at_warehouse(client, p.assistant.headers, card, lines)
    clock.set(at(date(2026, 12, 2), 8, 45))
    job_ctx.erp = app.state.erp
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 1
    sheet = await _sheet(client, p.assistant, date(2026, 12, 2))
    found["warehouse check"] = (f"/api/v1/warehouse-checks/{sheet['id']}/pdf", "ООО «Склад 352811404»")
    return found


NOT_PDF_OR_SLOW = {"statistics", "daily reports sheet"}  # charts drawn; a spreadsheet


async def test_many_documents_at_once_all_come_out_whole_and_the_api_stays_up(
    client: httpx.AsyncClient, people: People, documents: dict[str, tuple[str, str]]
) -> None:
    headers = people.head.headers
    names = sorted(name for name in documents if name not in NOT_PDF_OR_SLOW) * 2
    answers = await asyncio.gather(*[client.get(documents[name][0], headers=headers) for name in names])
    for name, answer in zip(names, answers, strict=True):
        assert answer.status_code == 200, (name, answer.text)
        assert answer.headers["content-type"] == "application/pdf"
        assert documents[name][1] in pdf_text(answer.content), name
    assert (await client.get("/healthz")).status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200


@pytest.fixture
async def api_with(settings: Any, clock: FixedClock, queue: RecordingQueue) -> AsyncIterator[Any]:
    """``api_with(renderer)``: a client of another app on the same database, rendering with ``renderer``."""
    made: list[tuple[Any, httpx.AsyncClient, Renderer]] = []

    async def build(renderer: Renderer) -> httpx.AsyncClient:
        application = create_app(settings, Overrides(clock=clock, queue=queue, renderer=renderer))
        http = httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://testserver")
        made.append((application, http, renderer))
        return http

    yield build
    for application, http, renderer in made:
        await http.aclose()
        await application.state.engine.dispose()
        renderer.shutdown()


async def test_a_render_process_that_crashes_is_a_503_and_every_later_request_is_answered(
    client: httpx.AsyncClient, people: People, documents: dict[str, tuple[str, str]], api_with: Any
) -> None:
    headers = people.head.headers
    crashing = await api_with(Renderer(processes=1, call=segfault))
    for name, (url, _) in sorted(documents.items()):
        if name.endswith(" 2"):
            continue  # one of each kind
        crashed = await crashing.get(url, headers=headers)
        assert problem(crashed, 503)["code"] == "renderer_crashed", name
        assert crashed.headers["Retry-After"] == "1", name
        # The same API answers the next request (each render in processes started again).
        assert (await crashing.get("/api/v1/auth/me", headers=headers)).status_code == 200
    # A signature that needs its PDF is refused whole, and is taken once the renderer works.
    spec = documents["spec"][0].removesuffix("/pdf")
    before = (await client.get(spec, headers=headers)).json()
    signing = await crashing.post(f"{spec}/sign", headers=people.supply.headers)
    assert problem(signing, 503)["code"] == "renderer_crashed"
    assert (await client.get(spec, headers=headers)).json() == before
    signed = await client.post(f"{spec}/sign", headers=people.supply.headers)
    assert signed.status_code == 200, signed.text


async def test_a_sent_proposal_not_yet_stored_is_made_again_and_a_crash_meanwhile_is_a_503(
    client: httpx.AsyncClient, people: People, documents: dict[str, tuple[str, str]], api_with: Any
) -> None:
    """Until the worker stores a sent proposal's PDF it is made again from the kept view; a render
    that fails then is the same 503 as any other, and the document is given once the renderer works."""
    url, text = documents["proposal 1"]
    proposal = url.removesuffix("/pdf")
    sent = await client.post(f"{proposal}/send-to-manager", headers=people.assistant.headers, json={})
    assert sent.status_code == 200, sent.text
    listed = await client.get(f"{proposal}/documents", headers=people.manager.headers)
    (document,) = listed.json()["items"]
    pdf = f"{proposal}/documents/{document['id']}/pdf"
    crashing = await api_with(Renderer(processes=1, call=segfault))
    crashed = await crashing.get(pdf, headers=people.manager.headers)
    assert problem(crashed, 503)["code"] == "renderer_crashed"
    assert crashed.headers["Retry-After"] == "1"
    made = await client.get(pdf, headers=people.manager.headers)
    assert made.status_code == 200, made.text
    assert text in pdf_text(made.content)


async def test_a_killed_render_process_fails_one_request_and_the_next_gets_its_pdf(
    people: People, documents: dict[str, tuple[str, str]], api_with: Any
) -> None:
    headers = people.head.headers
    renderer = Renderer(processes=1)
    api = await api_with(renderer)
    url, text = documents["proposal 1"]
    assert text in pdf_text((await api.get(url, headers=headers)).content)
    (pid,) = renderer.pids()
    os.kill(pid, signal.SIGKILL)
    assert problem(await api.get(url, headers=headers), 503)["code"] == "renderer_crashed"
    again = await api.get(url, headers=headers)
    assert again.status_code == 200, again.text
    assert text in pdf_text(again.content)
    assert renderer.pids() != [pid]


async def test_a_claim_letter_whose_render_process_crashes_is_a_503_then_its_pdf(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: FixedClock, api_with: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352877799")
    case_url = f"/api/v1/collection-cases/{case['id']}"
    refused = await client.post(
        f"{case_url}/guarantee-refusal", headers=assistant.headers, json={"comment": "Нет"}
    )
    assert refused.json()["stage"] == "escalated", refused.text
    call = {"level": "director", "reached": True, "result": "Платить не будут"}
    assert (await client.post(f"{case_url}/calls", headers=assistant.headers, json=call)).status_code == 201
    done = await client.post(
        f"{case_url}/negotiation-done", headers=assistant.headers, json={"comment": "Итог"}
    )
    clock.set(datetime.fromisoformat(done.json()["wait_ends_on"]).replace(hour=7, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 1
    await confirm_key_rates(job_ctx)  # checked against the Bank of Russia
    assert await draft_claim_letter({"app": job_ctx}, case["id"]) == "drafted"

    crashing = await api_with(Renderer(processes=1, call=segfault))
    body = problem(await crashing.get(f"{case_url}/claim.pdf", headers=lawyer.headers), 503)
    assert body["code"] == "renderer_crashed"
    letter = await client.get(f"{case_url}/claim.pdf", headers=lawyer.headers)
    assert letter.status_code == 200, letter.text
    assert "ООО «Клён и Ко»" in pdf_text(letter.content)
