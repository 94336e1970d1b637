"""The collection case's other paths and its bad input: a refused guarantee letter escalates at
once, one not sent within two working days the next working day; a scan that is no document, a
promised date too far or past, a claim sent before the lawyer approved it or with a bad postal number
are refused naming the field, and nothing changes; only the lawyer edits and approves a claim, only a
head closes a case; a settled invoice opens no new case."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.tasks import Task
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.jobs import draft_claim_letter, sweep
from tests.support.helpers import problem
from tests.support.rates import confirm_key_rates
from tests.support.receivables import ship

SCAN = b"%PDF-1.4\n% a scanned letter\n%%EOF\n"


async def _overdue_case(
    client: httpx.AsyncClient,
    app: Any,
    job_ctx: Any,
    clock: Any,
    head: Any,
    assistant: Any,
    inn: str,
    *,
    quantity: int = 5,
    before_due: Callable[[int, dict[str, Any]], Awaitable[None]] | None = None,
) -> tuple[int, dict[str, Any]]:
    """A client with one approved invoice due on Tuesday the 8th, unpaid (``before_due`` may pay a
    part of it first), and the case the sweep opens for it on Wednesday the 9th."""
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Клён и Ко»", "inn": inn10(inn), "kpp": "352801001", "assistant_id": assistant.id},
    )
    assert card.status_code == 201, card.text
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": card.json()["id"],
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": quantity}],
        },
    )
    invoice = (
        await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    ).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buh@klen.example.ru"})
    invoice = (await client.post(f"{url}/approve", headers=assistant.headers, json={})).json()
    assert invoice["due_on"] == "2026-12-08"
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))  # a debt: the goods left at once
    if before_due is not None:
        await before_due(card.json()["id"], invoice)
    clock.set(datetime(2026, 12, 9, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 1
    cases = await client.get(
        "/api/v1/collection-cases", headers=assistant.headers, params={"client_id": card.json()["id"]}
    )
    return card.json()["id"], cases.json()["items"][0] | {"invoice": invoice}


async def test_bad_input_changes_nothing_and_roles_are_kept(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    other = await make_user(Role.ASSISTANT, department="shop")
    lawyer = await make_user(Role.LAWYER, department="administration")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352855566")
    url = f"/api/v1/collection-cases/{case['id']}"
    assert case["stage"] == "guarantee_requested"
    # No contact with an email: the task says to ask by phone, no email is queued.
    [task] = await _tasks(job_ctx, case["id"])
    assert "по телефону" in (task.description or "")

    # An assistant of another department does not see the case; the accountant reads but does not act.
    problem(await client.get(url, headers=other.headers), 404)
    assert (await client.get(url, headers=accountant.headers)).status_code == 200
    problem(
        await client.post(f"{url}/guarantee-refusal", headers=accountant.headers, json={"comment": "x"}), 403
    )

    # A file that is no document; a guarantee letter without its scan; dates in the past or too far.
    bad_file = await client.post(
        f"{url}/attachments",
        headers=assistant.headers,
        data={"kind": "guarantee_letter"},
        files={"file": ("scan.pdf", b"\x00\x01binary", "application/pdf")},
    )
    problem(bad_file, 422, "file")
    version = (await client.get(url, headers=assistant.headers)).json()["version"]
    for body, field in (
        ({"promised_on": "2026-12-10", "file_id": 999}, "file_id"),
        ({"promised_on": "2026-12-08", "file_id": 1}, "promised_on"),
        ({"promised_on": "2026-12-17", "file_id": 1}, "promised_on"),
    ):
        problem(await client.post(f"{url}/guarantee", headers=assistant.headers, json=body), 422, field)
    scan = await client.post(
        f"{url}/attachments",
        headers=assistant.headers,
        data={"kind": "delivery_receipt"},
        files={"file": ("receipt.pdf", SCAN, "application/pdf")},
    )
    wrong_kind = {"promised_on": "2026-12-10", "file_id": scan.json()["id"]}
    problem(await client.post(f"{url}/guarantee", headers=assistant.headers, json=wrong_kind), 422, "file_id")
    same = (await client.get(url, headers=assistant.headers)).json()
    assert (same["stage"], same["promised_on"], same["version"]) == ("guarantee_requested", None, version)
    files = (await client.get(f"{url}/attachments", headers=assistant.headers)).json()["items"]
    assert [f["kind"] for f in files] == ["delivery_receipt"]
    download = await client.get(f"{url}/attachments/{files[0]['id']}", headers=assistant.headers)
    assert download.content == SCAN

    # Steps out of order are conflicts that name what is allowed.
    answer = problem(await client.post(f"{url}/claim/approve", headers=lawyer.headers), 409)
    assert answer["allowed_actions"] == ["guarantee", "guarantee-refusal", "close"]
    problem(
        await client.post(f"{url}/claim/send", headers=assistant.headers, json={"tracking_number": "x"}), 409
    )

    # The client refuses a guarantee letter: escalated at once, the head gets the data.
    refused = await client.post(
        f"{url}/guarantee-refusal", headers=assistant.headers, json={"comment": "Денег нет до января"}
    )
    assert refused.json()["stage"] == "escalated", refused.text
    escalation = [t for t in await _tasks(job_ctx, case["id"]) if t.kind == "escalate"]
    assert [t.assignee_id for t in escalation] == [head.id]
    assert "отказался" in (escalation[0].description or "")
    call = {"level": "director", "reached": True, "result": "Обещал", "promised_on": "2026-12-30"}
    problem(await client.post(f"{url}/calls", headers=assistant.headers, json=call), 422, "promised_on")
    call["promised_on"] = "2026-12-15"
    assert (await client.post(f"{url}/calls", headers=assistant.headers, json=call)).status_code == 201
    # The promise gets its confirmation call the working day before, as a guarantee letter's does.
    promise = [t for t in await _tasks(job_ctx, case["id"]) if "обещанную в переговорах" in t.title]
    assert [(t.kind, t.due_at.date().isoformat()) for t in promise] == [("call", "2026-12-14")]
    assert "директор" in (promise[0].description or "")
    done = await client.post(f"{url}/negotiation-done", headers=assistant.headers, json={"comment": "Итог"})
    # Two working days would end on Monday the 14th; the promise moves the end past Tuesday the 15th.
    assert done.json()["wait_ends_on"] == "2026-12-16", done.text
    clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    clock.set(datetime(2026, 12, 16, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 1
    problem(await client.post(f"{url}/claim/approve", headers=lawyer.headers), 409)  # no draft yet
    await confirm_key_rates(job_ctx)  # checked against the Bank of Russia
    assert await draft_claim_letter({"app": job_ctx}, case["id"]) == "drafted"
    problem(await client.post(f"{url}/claim/approve", headers=assistant.headers), 403)
    problem(await client.patch(f"{url}/claim", headers=lawyer.headers, json={"text": ""}), 422, "text")
    approved = await client.post(f"{url}/claim/approve", headers=lawyer.headers)
    assert approved.status_code == 200, approved.text
    version = approved.json()["version"]
    for number in ("1010008765432", "RA123456785RU", "10100087654321"):
        problem(
            await client.post(
                f"{url}/claim/send", headers=assistant.headers, json={"tracking_number": number}
            ),
            422,
            "tracking_number",
        )
    # No email for the client: the address must be given.
    problem(
        await client.post(
            f"{url}/claim/send", headers=assistant.headers, json={"tracking_number": "10100087654329"}
        ),
        422,
        "email",
    )
    same = (await client.get(url, headers=assistant.headers)).json()
    assert (same["stage"], same["tracking_number"], same["version"]) == ("claim_approved", None, version)

    # Only a head closes a case, and "paid" only when it is paid.
    close = {"reason": "paid", "comment": "Оплачено"}
    problem(await client.post(f"{url}/close", headers=assistant.headers, json=close), 403)
    problem(await client.post(f"{url}/close", headers=head.headers, json=close), 422, "reason")
    settled = await client.post(
        f"{url}/close", headers=head.headers, json={"reason": "settled", "comment": "Мировое соглашение"}
    )
    assert (settled.json()["stage"], settled.json()["close_reason"]) == ("closed", "settled"), settled.text
    assert all(t.status in ("done", "cancelled") for t in await _tasks(job_ctx, case["id"]))

    # Its invoice was settled with the case: no new case for it; a later payment closes nothing more.
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 0
    paid = {"client_id": client_id, "amount": case["invoice"]["total"], "paid_on": "2026-12-14"}
    assert (await client.post("/api/v1/payments", headers=accountant.headers, json=paid)).status_code == 201
    listed = (
        await client.get("/api/v1/collection-cases", headers=head.headers, params={"client_id": client_id})
    ).json()["items"]
    assert [(c["episode"], c["stage"], c["close_reason"]) for c in listed] == [(1, "closed", "settled")]


async def _tasks(job_ctx: Any, case_id: int) -> list[Task]:
    async with job_ctx.session_factory() as session:
        query = select(Task).where(Task.subject_type == "debt", Task.subject_id == case_id).order_by(Task.id)
        return list((await session.scalars(query)).all())


async def test_an_invoice_falling_overdue_joins_the_open_case(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352866677")
    assert case["invoice_ids"] == [case["invoice"]["id"]]
    # A second invoice, issued on Wednesday the 9th: due five working days later, on the 16th.
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=head.headers,
        json={
            "channel": "phone",
            "client_id": client_id,
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 3}],
        },
    )
    assert order.json()["problems"] == ["credit"], order.text  # the debt holds it: a head lets it through
    order_url = f"/api/v1/orders/{order.json()['id']}"
    let = await client.post(
        f"{order_url}/approve-credit", headers=head.headers, json={"reason": "Обещали оплату"}
    )
    assert let.status_code == 200, let.text
    invoice = (await client.post(f"{order_url}/invoice", headers=head.headers)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=head.headers, json={"email": "buh@klen.example.ru"})
    invoice = (await client.post(f"{url}/approve", headers=head.headers, json={})).json()
    assert invoice["due_on"] == "2026-12-16"
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 9))
    clock.set(datetime(2026, 12, 17, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 0
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 0
    joined = (await client.get(f"/api/v1/collection-cases/{case['id']}", headers=head.headers)).json()
    assert joined["invoice_ids"] == [case["invoice"]["id"], invoice["id"]]
    assert Decimal(joined["overdue_debt"]) == Decimal(case["invoice"]["total"]) + Decimal(invoice["total"])
    history = (
        await client.get(f"/api/v1/collection-cases/{case['id']}/history", headers=head.headers)
    ).json()
    assert [e["after"] for e in history["items"] if e["action"] == "invoices_added"] == [
        {"invoice_ids": [invoice["id"]]}
    ]


async def test_a_claim_charges_interest_on_what_was_owed_at_the_due_date(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    """A part paid before the due date (a prepayment) lowers the principal the interest of art. 395
    runs on; the claim is drafted with its interest, not refused for a payment before the delay."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    paid: dict[str, Decimal] = {}

    async def prepay(client_id: int, invoice: dict[str, Any]) -> None:
        paid["total"] = Decimal(invoice["total"])
        paid["prepaid"] = (paid["total"] / 4).quantize(Decimal("0.01"))
        payment = {"client_id": client_id, "amount": str(paid["prepaid"]), "paid_on": "2026-12-01"}
        recorded = await client.post("/api/v1/payments", headers=accountant.headers, json=payment)
        assert recorded.status_code == 201, recorded.text

    _client_id, case = await _overdue_case(
        client, app, job_ctx, clock, head, assistant, "352877788", quantity=40, before_due=prepay
    )
    total, prepaid = paid["total"], paid["prepaid"]
    case_id = case["id"]
    case_url = f"/api/v1/collection-cases/{case_id}"
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
    assert await draft_claim_letter({"app": job_ctx}, case_id) == "drafted"

    drafted = (await client.get(case_url, headers=lawyer.headers)).json()
    assert drafted["claim_error"] is None
    view = drafted["claim_view"]
    assert Decimal(view["debt"]) == total - prepaid
    # Interest from the day after the due date, on the three quarters still owed then.
    assert view["periods"][0]["start"] == "2026-12-09"
    assert {Decimal(p["principal"]) for p in view["periods"]} == {total - prepaid}
    assert Decimal(view["penalty"]) > 0
    assert Decimal(view["total"]) == total - prepaid + Decimal(view["penalty"])


async def test_a_guarantee_letter_not_sent_in_time_escalates_as_a_refusal(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    """The request went out on Wednesday the 9th: two working days for the letter (Thursday, Friday).
    None came: the sweep of Monday the 14th escalates the case as a refusal would, once."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352888899")
    url = f"/api/v1/collection-cases/{case['id']}"
    # Friday the 11th is the client's last day to answer; the weekend adds none: the case waits.
    for day in (10, 11, 13):
        clock.set(datetime(2026, 12, day, 7, 0, tzinfo=UTC))
        assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    assert (await client.get(url, headers=assistant.headers)).json()["stage"] == "guarantee_requested"

    clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 2
    assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    escalated = (await client.get(url, headers=assistant.headers)).json()
    assert (escalated["stage"], escalated["breached_on"], escalated["guarantee_refused"]) == (
        "escalated",
        "2026-12-14",
        False,
    )
    request, call, escalation = await _tasks(job_ctx, case["id"])
    assert request.status == "done"  # the request's step is over, as on a refusal
    assert (call.kind, call.assignee_id) == ("call", assistant.id)
    assert (escalation.kind, escalation.assignee_id) == ("escalate", head.id)
    assert escalation.due_at.date().isoformat() == "2026-12-15"  # within one working day
    text = escalation.description or ""
    for expected in (
        "Причина: клиент не прислал гарантийное письмо в срок (запрошено 09.12.2026).",
        f"Сумма задолженности: {format_rub(Decimal(case['invoice']['total']))}.",
        "просрочка 6 дн.",
        "Гарантийное письмо не получено.",
        "контактов в карточке нет",
    ):
        assert expected in text, (expected, text)
    history = (await client.get(f"{url}/history", headers=head.headers)).json()
    [event] = [e for e in history["items"] if e["action"] == "escalated"]
    assert (event["before"], event["after"]["stage"]) == ({"stage": "guarantee_requested"}, "escalated")
    assert "не прислал гарантийное письмо в срок" in event["after"]["reason"]

    # Escalated, it stays so: later sweeps make nothing more for it.
    clock.set(datetime(2026, 12, 15, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    assert len(await _tasks(job_ctx, case["id"])) == 3


async def test_a_guarantee_letter_received_in_time_stops_the_deadline(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    """A letter received on the answer's last day keeps the case on its promise: no escalation."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352899900")
    url = f"/api/v1/collection-cases/{case['id']}"
    clock.set(datetime(2026, 12, 11, 7, 0, tzinfo=UTC))  # Friday: the last day for the answer
    scan = await client.post(
        f"{url}/attachments",
        headers=assistant.headers,
        data={"kind": "guarantee_letter"},
        files={"file": ("letter.pdf", SCAN, "application/pdf")},
    )
    letter = {"promised_on": "2026-12-17", "file_id": scan.json()["id"]}
    received = await client.post(f"{url}/guarantee", headers=assistant.headers, json=letter)
    assert received.json()["stage"] == "guarantee_received", received.text

    clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    assert (await client.get(url, headers=head.headers)).json()["stage"] == "guarantee_received"
    assert [(t.kind, t.status) for t in await _tasks(job_ctx, case["id"])] == [("request_document", "done")]


async def test_a_case_shows_its_deadlines_and_days_overdue(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    """Opened on Wednesday the 9th for an invoice due the 8th: the letter is due by the end of Friday,
    so the case escalates on Monday the 14th. A letter promising Thursday the 17th adds the call on
    Wednesday the 16th and the broken promise on Friday the 18th; the days overdue count on."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352877711")
    url = f"/api/v1/collection-cases/{case['id']}"
    assert case["days_overdue"] == 1
    assert case["deadlines"] == [{"step": "guarantee_answer", "due_on": "2026-12-14"}]
    clock.set(datetime(2026, 12, 11, 7, 0, tzinfo=UTC))
    scan = await client.post(
        f"{url}/attachments",
        headers=assistant.headers,
        data={"kind": "guarantee_letter"},
        files={"file": ("letter.pdf", SCAN, "application/pdf")},
    )
    letter = {"promised_on": "2026-12-17", "file_id": scan.json()["id"]}
    received = (await client.post(f"{url}/guarantee", headers=assistant.headers, json=letter)).json()
    assert received["days_overdue"] == 3
    assert [(d["step"], d["due_on"]) for d in received["deadlines"]] == [
        ("guarantee_answer", "2026-12-14"),
        ("confirmation_call", "2026-12-16"),
        ("promise_breach", "2026-12-18"),
    ]
    listed = (await client.get("/api/v1/collection-cases", headers=head.headers)).json()["items"]
    [same] = [c for c in listed if c["id"] == case["id"]]
    assert (same["days_overdue"], len(same["deadlines"])) == (3, 3)


async def test_a_refused_case_is_not_escalated_again_when_the_answer_time_runs_out(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352811100")
    url = f"/api/v1/collection-cases/{case['id']}"
    refusal = {"comment": "Нет"}
    refused = await client.post(f"{url}/guarantee-refusal", headers=assistant.headers, json=refusal)
    assert refused.json()["stage"] == "escalated", refused.text
    clock.set(datetime(2026, 12, 14, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 0
    same = (await client.get(url, headers=head.headers)).json()
    assert (same["stage"], same["breached_on"]) == ("escalated", "2026-12-09")
    assert [t.kind for t in await _tasks(job_ctx, case["id"])] == ["request_document", "call", "escalate"]


async def test_the_court_package_names_each_scan_by_what_it_is(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    _client_id, case = await _overdue_case(client, app, job_ctx, clock, head, assistant, "352899903")
    url = f"/api/v1/collection-cases/{case['id']}"
    clock.set(datetime(2026, 12, 10, 21, 30, tzinfo=UTC))  # Friday the 11th in Moscow
    scan = await client.post(
        f"{url}/attachments",
        headers=assistant.headers,
        data={"kind": "guarantee_letter"},
        files={"file": ("IMG_20261211_0931.PDF", SCAN, "application/pdf")},
    )
    assert scan.status_code == 201, scan.text

    package = (await client.get(f"{url}/court-package", headers=head.headers)).json()["items"]
    (letter,) = [d for d in package if d["kind"] == "guarantee_letter"]
    assert (letter["title"], letter["date"]) == ("Гарантийное письмо от 11.12.2026", "2026-12-11")
    archive = await client.get(f"{url}/court-package.zip", headers=head.headers)
    assert archive.status_code == 200, archive.text
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        index = zipped.read("00_Опись.txt").decode("utf-8-sig").splitlines()
        assert "01_Гарантийное письмо от 11.12.2026.pdf" in zipped.namelist()
    assert index[2] == "1. Гарантийное письмо от 11.12.2026 — файл 01_Гарантийное письмо от 11.12.2026.pdf"
    assert not any("IMG_" in line for line in index)
    assert index[3].startswith("2. Счёт № ")
