"""One debt walked end to end on the fake clock and the business calendar: credit terms, the invoice,
the breach of its due date, the guarantee letter, the broken promise and the escalation, the
negotiation calls, the wait, the claim letter drafted by the worker, edited and approved by the
lawyer, sent once by email (a real SMTP server) and by registered mail, tracked, the 30 days, court,
and closure by payment. Every sweep is run twice: the second makes nothing."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import select

from app.adapters.post import RussianPostTracker
from app.core.calendar import BusinessCalendar
from app.core.config import PostSettings
from app.models.collection import CollectionFile
from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.models.tasks import Task
from app.services.directory.employees import AuthService
from app.services.money.format import format_rub
from app.services.receivables.collection import policy
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, draft_claim_letter, sweep, track_claim_letters
from tests.adapters.post_server import PATH, FakeRussianPost, Operation
from tests.support.helpers import problem
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import ship

CAL = BusinessCalendar()
SCAN = b"%PDF-1.4\n% a scanned letter\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
TRACKING = "10100087654329"


def text_of(pdf: bytes) -> str:
    """The PDF's words, one space apart (justified lines come out with runs of spaces)."""
    return " ".join(pdf_text(pdf).split())


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


async def _renew(job_ctx: Any, *users: Any) -> None:
    """New tokens on the fake clock: the months of a case outlast the tokens the users began with."""
    for user in users:
        async with job_ctx.unit_of_work() as uow:
            token = await AuthService(uow).issue_for_cli(user.id, 30)
        user.headers["Authorization"] = f"Bearer {token}"


async def _tasks(job_ctx: Any, case_id: int) -> list[Task]:
    async with job_ctx.session_factory() as session:
        query = select(Task).where(Task.subject_type == "debt", Task.subject_id == case_id).order_by(Task.id)
        return list((await session.scalars(query)).all())


async def _message(job_ctx: Any, dedupe_key: str) -> OutboundMessage:
    async with job_ctx.session_factory() as session:
        message = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.dedupe_key == dedupe_key)
        )
    assert message is not None, dedupe_key
    return message


async def _sweep_twice(job_ctx: Any) -> tuple[int, int]:
    """The sweep's case counts; a second run at the same moment must make nothing."""
    first = await sweep({"app": job_ctx})
    again = await sweep({"app": job_ctx})
    assert (again["cases_opened"], again["case_steps"]) == (0, 0)
    return first["cases_opened"], first["case_steps"]


async def _upload(client: httpx.AsyncClient, user: Any, url: str, kind: str) -> int:
    answer = await client.post(
        f"{url}/attachments",
        headers=user.headers,
        data={"kind": kind},
        files={"file": ("scan.pdf", SCAN, "application/pdf")},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


async def test_one_debt_from_credit_terms_to_closure_by_payment(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, smtp: Any
) -> None:
    handler, _port = smtp
    post = FakeRussianPost()
    job_ctx.post = RussianPostTracker(
        PostSettings(
            adapter="russianpost",
            url=f"http://post.test{PATH}",
            login=post.login,
            password=SecretStr(post.password),
        ),
        transport=httpx.ASGITransport(app=post.app()),
    )
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")

    # --- credit terms: 14 days' deferment, the lawyer's verdict, the head's word, the director's --
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Берёзовый двор»",
            "inn": inn10("352833344"),
            "kpp": "352801001",
            "legal_address": "160001, г. Вологда, ул. Лесная, д. 7",
            "assistant_id": assistant.id,
            "contacts": [
                {"name": "Ершова Анна", "level": "buyer", "phones": ["+7 921 000-11-22"]},
                {
                    "name": "Кречетова Ольга",
                    "level": "chief_accountant",
                    "emails": ["buh@berezdvor.example.ru"],
                },
                {"name": "Рябинин Пётр", "level": "director", "phones": ["+7 921 000-33-44"]},
            ],
        },
    )
    assert card.status_code == 201, card.text
    client_id = card.json()["id"]
    contacts = {c["level"]: c["id"] for c in card.json()["contacts"]}
    ask = {"client_id": client_id, "deferment_days": 14, "justification": "Регулярные закупки"}
    request = (await client.post("/api/v1/credit-requests", headers=assistant.headers, json=ask)).json()
    url = f"/api/v1/credit-requests/{request['id']}"
    await client.post(
        f"{url}/verdict", headers=lawyer.headers, json={"verdict": "reliable", "comment": "Чисто"}
    )
    await client.post(
        f"{url}/recommend", headers=head.headers, json={"recommendation": "approve", "comment": "Да"}
    )
    approved = await client.post(f"{url}/approve", headers=director.headers, json={"comment": "Согласовано"})
    assert approved.json()["status"] == "approved", approved.text

    # --- the invoice, due in 14 days ---------------------------------------------------------------
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": client_id,
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 100}],
        },
    )
    invoice = (
        await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    ).json()
    inv_url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(
        f"{inv_url}/send", headers=assistant.headers, json={"email": "buh@berezdvor.example.ru"}
    )
    invoice = (await client.post(f"{inv_url}/approve", headers=assistant.headers, json={})).json()
    assert (invoice["deferment_days"], invoice["due_on"]) == (14, None)  # nothing due before shipment
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))
    invoice = (await client.get(inv_url, headers=assistant.headers)).json()
    assert (invoice["shipped_on"], invoice["due_on"]) == ("2026-12-01", "2026-12-15")
    total = Decimal(invoice["total"])

    # On the due date nothing is overdue yet; the next day a case opens and the request goes out.
    clock.set(at(date(2026, 12, 15)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(date(2026, 12, 16)))
    assert (await _sweep_twice(job_ctx))[0] == 1
    cases = (await client.get("/api/v1/collection-cases", headers=assistant.headers)).json()["items"]
    assert len(cases) == 1
    case = cases[0]
    case_url = f"/api/v1/collection-cases/{case['id']}"
    assert (case["stage"], Decimal(case["debt_at_open"]), case["invoice_ids"]) == (
        "guarantee_requested",
        total,
        [invoice["id"]],
    )
    [request_task] = await _tasks(job_ctx, case["id"])
    assert request_task.assignee_id == assistant.id
    assert "гарантийное письмо" in request_task.title

    request_mail = await _message(job_ctx, f"collection:{case['id']}:guarantee-request")
    assert request_mail.recipient == "buh@berezdvor.example.ru"
    amount = f"{format_rub(total)} руб."
    assert request_mail.subject == f"Просроченная задолженность {amount}: просим гарантийное письмо"
    assert f"просрочена оплата {amount}:" in request_mail.body
    assert f"к оплате {amount};" in request_mail.body
    assert await deliver_outbound({"app": job_ctx}, request_mail.id) == "sent"
    assert await deliver_outbound({"app": job_ctx}, request_mail.id) == "skipped"
    [received] = handler.received
    parts = {p.get_filename(): p.get_content() for p in received.parsed().iter_attachments()}
    sample = text_of(parts["Образец_гарантийного_письма.pdf"])
    assert "ГАРАНТИЙНОЕ ПИСЬМО" in sample
    # Addressed to the supplier's director (Лебедева И. П. in the settings) in the dative.
    assert f"Генеральному директору {job_ctx.settings.company.name} Лебедевой И. П." in sample
    assert "Берёзовый двор" in sample
    assert "23.12.2026" in sample  # the latest date the letter may promise

    # --- the guarantee letter: at most 7 calendar days ahead ---------------------------------------
    letter = await _upload(client, assistant, case_url, "guarantee_letter")
    version = (await client.get(case_url, headers=assistant.headers)).json()["version"]
    too_late = {"promised_on": "2026-12-24", "file_id": letter}
    problem(
        await client.post(f"{case_url}/guarantee", headers=assistant.headers, json=too_late),
        422,
        "promised_on",
    )
    unchanged = (await client.get(case_url, headers=assistant.headers)).json()
    assert (unchanged["stage"], unchanged["promised_on"], unchanged["version"]) == (
        "guarantee_requested",
        None,
        version,
    )
    promised = {"promised_on": "2026-12-23", "file_id": letter}
    received_letter = await client.post(f"{case_url}/guarantee", headers=assistant.headers, json=promised)
    assert received_letter.json()["stage"] == "guarantee_received", received_letter.text
    assert (await _tasks(job_ctx, case["id"]))[0].status == "done"

    # The working day before the promised date: the confirmation call.
    clock.set(at(date(2026, 12, 21)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(date(2026, 12, 22)))
    assert await _sweep_twice(job_ctx) == (0, 1)
    assert "подтвердить оплату" in (await _tasks(job_ctx, case["id"]))[-1].title

    # The day after it, unpaid: a call for the reason, and the head gets the case.
    clock.set(at(date(2026, 12, 23)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(date(2026, 12, 24)))
    assert await _sweep_twice(job_ctx) == (0, 2)
    breached = (await client.get(case_url, headers=assistant.headers)).json()
    assert (breached["stage"], breached["breached_on"]) == ("escalated", "2026-12-24")
    call, escalation = (await _tasks(job_ctx, case["id"]))[-2:]
    assert (call.kind, call.assignee_id) == ("call", assistant.id)
    assert (escalation.kind, escalation.assignee_id) == ("escalate", head.id)
    assert escalation.due_at == CAL.at(date(2026, 12, 25), policy.DUE_TIME)  # within one working day
    text = escalation.description or ""
    for expected in (
        f"Сумма задолженности: {format_rub(total)}",
        "оплата обещана до 23.12.2026",
        f"Скан письма: {case_url}/attachments/{letter}",
        "просрочка 9 дн.",
        "снабженец: Ершова Анна",
        "главный бухгалтер: Кречетова Ольга",
        "директор: Рябинин Пётр",
    ):
        assert expected in text, (expected, text)

    # --- negotiations at every level, then a wait of 2 working days ------------------------------
    problem(
        await client.post(f"{case_url}/negotiation-done", headers=assistant.headers, json={"comment": "x"}),
        409,
    )
    for level in ("buyer", "chief_accountant", "director"):
        logged = await client.post(
            f"{case_url}/calls",
            headers=assistant.headers,
            json={
                "level": level,
                "contact_id": contacts[level],
                "reached": True,
                "result": "Обещают разобраться",
            },
        )
        assert logged.status_code == 201, logged.text
    wrong_level = {"level": "buyer", "contact_id": contacts["director"], "reached": False, "result": "—"}
    problem(await client.post(f"{case_url}/calls", headers=assistant.headers, json=wrong_level), 422, "level")
    calls = (await client.get(f"{case_url}/calls", headers=head.headers)).json()["items"]
    assert [c["level"] for c in calls] == ["buyer", "chief_accountant", "director"]
    done = await client.post(
        f"{case_url}/negotiation-done", headers=assistant.headers, json={"comment": "Итог"}
    )
    assert done.json()["stage"] == "waiting", done.text

    clock.set(at(date(2026, 12, 28)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(date(2026, 12, 29)))
    job_ctx.queue.jobs.clear()
    assert await _sweep_twice(job_ctx) == (0, 1)
    assert ("draft_claim_letter", (case["id"],)) in [
        (f, a) for f, a, _ in app.state.queue.jobs + job_ctx.queue.jobs
    ]
    [lawyer_task] = [t for t in await _tasks(job_ctx, case["id"]) if t.assignee_id == lawyer.id]
    assert "претензию" in lawyer_task.title

    # --- the claim letter: drafted by the worker, not sendable before the lawyer approves ---------
    version = (await client.get(case_url, headers=assistant.headers)).json()["version"]
    premature = {"tracking_number": TRACKING}
    answer = problem(
        await client.post(f"{case_url}/claim/send", headers=assistant.headers, json=premature), 409
    )
    assert answer["code"] == "claim_not_approved"
    await confirm_key_rates(job_ctx)  # checked against the Bank of Russia
    assert await draft_claim_letter({"app": job_ctx}, case["id"]) == "drafted"
    assert await draft_claim_letter({"app": job_ctx}, case["id"]) == "skipped"
    drafted = (await client.get(case_url, headers=lawyer.headers)).json()
    assert drafted["version"] > version
    view = drafted["claim_view"]
    assert drafted["claim_error"] is None
    assert Decimal(view["debt"]) == total
    assert view["invoices"][0]["days_overdue"] == 14  # 16.12 to 29.12 inclusive
    assert Decimal(view["penalty"]) > 0
    assert Decimal(view["total"]) == total + Decimal(view["penalty"])
    assert "ст. 395" in drafted["claim_text"]
    problem(await client.patch(f"{case_url}/claim", headers=assistant.headers, json={"contract": "x"}), 403)
    edited = await client.patch(
        f"{case_url}/claim",
        headers=lawyer.headers | {"If-Match": f'"{drafted["version"]}"'},
        json={
            "contract": "договора поставки № 17/2026 от 01.12.2026",
            "text": drafted["claim_text"] + "\n\nПросим сообщить о принятом решении.",
        },
    )
    assert edited.status_code == 200, edited.text
    preview = text_of((await client.get(f"{case_url}/claim.pdf", headers=lawyer.headers)).content)
    assert "Просим сообщить о принятом решении." in preview
    approved_claim = await client.post(f"{case_url}/claim/approve", headers=lawyer.headers)
    assert approved_claim.json()["stage"] == "claim_approved", approved_claim.text
    problem(await client.patch(f"{case_url}/claim", headers=lawyer.headers, json={"text": "Иначе"}), 409)

    # --- sent once: a bad postal number changes nothing, a second click is refused --------------
    version = approved_claim.json()["version"]
    bad = problem(
        await client.post(
            f"{case_url}/claim/send", headers=assistant.headers, json={"tracking_number": "10100087654321"}
        ),
        422,
        "tracking_number",
    )
    assert "check digit" in bad["errors"][0]["reason"]
    after_bad = (await client.get(case_url, headers=assistant.headers)).json()
    assert (after_bad["stage"], after_bad["tracking_number"], after_bad["version"]) == (
        "claim_approved",
        None,
        version,
    )
    sent = await client.post(
        f"{case_url}/claim/send", headers=assistant.headers, json={"tracking_number": TRACKING}
    )
    assert sent.status_code == 200, sent.text
    sent_case = sent.json()
    assert (sent_case["stage"], sent_case["claim_sent_on"], sent_case["tracking_number"]) == (
        "claim_sent",
        "2026-12-29",
        TRACKING,
    )
    assert sent_case["court_allowed_on"] == policy.court_allowed_on(date(2026, 12, 29), CAL).isoformat()
    again = await client.post(
        f"{case_url}/claim/send", headers=assistant.headers, json={"tracking_number": TRACKING}
    )
    problem(again, 409)
    claim_mail = await _message(job_ctx, f"collection:{case['id']}:claim")
    assert claim_mail.id == sent_case["claim_message_id"]
    assert await deliver_outbound({"app": job_ctx}, claim_mail.id) == "sent"
    assert await deliver_outbound({"app": job_ctx}, claim_mail.id) == "skipped"
    assert len(handler.received) == 2
    mail = handler.received[-1].parsed()
    assert mail["To"] == "buh@berezdvor.example.ru"
    [(name, pdf)] = [(p.get_filename(), p.get_content()) for p in mail.iter_attachments()]
    assert name.startswith("Претензия_")
    claim_text = text_of(pdf)
    for expected in (
        "ПРЕТЕНЗИЯ",
        "Берёзовый двор",
        "договора поставки № 17/2026",
        f"№ {invoice['number']}",
        "ч. 5 ст. 4 АПК РФ",
        "Расчёт процентов по ст. 395 ГК РФ",
        "Просим сообщить о принятом решении.",
    ):
        assert expected in claim_text, expected
    kept = await client.get(f"{case_url}/claim.pdf", headers=head.headers)
    assert kept.content == pdf  # the sent PDF, byte for byte
    assert (await client.get(case_url, headers=head.headers)).json()["claim_pdf_sha256"] == hashlib.sha256(
        pdf
    ).hexdigest()
    history = (await client.get(f"{case_url}/history", headers=head.headers, params={"limit": 100})).json()
    assert [e["action"] for e in history["items"]].count("send_claim") == 1
    # The claim letter is among the letters of the assistant's day.
    day = {"day": "2026-12-29"}
    figures = await client.get("/api/v1/daily-reports/figures", headers=assistant.headers, params=day)
    assert figures.status_code == 200, figures.text
    assert figures.json()["figures"]["letters"] == {"sent": 1}

    # --- tracking: 5 calendar days, then followed up at the post office; delivered later ---------
    post.histories[TRACKING] = [Operation(at(date(2026, 12, 29)), "Приём", "Единичный", "160000", "Вологда")]
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 1, "failed": 0}
    await _renew(job_ctx, head, assistant, lawyer, accountant)
    followup_day = policy.tracking_check_on(date(2026, 12, 29), CAL)
    clock.set(at(followup_day - timedelta(days=1)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(followup_day))
    assert await _sweep_twice(job_ctx) == (0, 1)
    assert "не вручена" in (await _tasks(job_ctx, case["id"]))[-1].title
    delivery = Operation(at(followup_day), "Вручение", "Вручение адресату", "160001", "Вологда")
    post.histories[TRACKING].append(delivery)
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 1, "failed": 0}
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 0, "failed": 0}  # nothing left to track
    assert post.asked == [TRACKING, TRACKING]
    delivered_answer = await client.get(case_url, headers=assistant.headers)
    delivered = delivered_answer.json()
    assert delivered_answer.status_code == 200, delivered_answer.text
    assert (delivered["stage"], delivered["delivered_on"], len(delivered["tracking"])) == (
        "delivered",
        followup_day.isoformat(),
        2,
    )
    receipt = await _upload(client, assistant, case_url, "delivery_receipt")
    problem(
        await client.post(
            f"{case_url}/delivery-receipt", headers=assistant.headers, json={"file_id": letter}
        ),
        422,
        "file_id",
    )
    recorded = await client.post(
        f"{case_url}/delivery-receipt", headers=assistant.headers, json={"file_id": receipt}
    )
    assert recorded.json()["receipt_file_id"] == receipt, recorded.text

    # --- 30 calendar days after sending: the documents for the lawyer, then court ---------------
    allowed = date.fromisoformat(sent_case["court_allowed_on"])
    clock.set(at(allowed - timedelta(days=1)))
    assert await _sweep_twice(job_ctx) == (0, 0)
    clock.set(at(allowed))
    await _renew(job_ctx, head, assistant, lawyer, accountant)
    assert await _sweep_twice(job_ctx) == (0, 2)
    assert (await client.get(case_url, headers=lawyer.headers)).json()["stage"] == "court_ready"
    package = (await client.get(f"{case_url}/court-package", headers=lawyer.headers)).json()["items"]
    assert [d["kind"] for d in package] == [
        "claim_letter",
        "proof_of_sending",
        "guarantee_letter",
        "delivery_receipt",
        "invoice",
    ]
    assert package[0]["sha256"] == hashlib.sha256(pdf).hexdigest()
    assert len(package[1]["tracking"]) == 2
    assert (await client.get(package[-1]["url"], headers=head.headers)).status_code == 200
    # The same package in one archive for the lawyer: the index, then each document in its order.
    archive = await client.get(f"{case_url}/court-package.zip", headers=lawyer.headers)
    assert archive.status_code == 200, archive.text
    assert archive.headers["content-type"] == "application/zip"
    assert "filename*=UTF-8''" in archive.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zipped:
        index_name, *names = zipped.namelist()
        assert index_name == "00_Опись.txt"
        assert [n[:3] for n in names] == ["01_", "02_", "03_", "04_", "05_"]
        assert names[0].endswith(".pdf")
        assert names[1].endswith(".csv")
        assert names[4].endswith(".pdf")
        assert zipped.read(names[0]) == pdf  # the claim as it was sent, byte for byte
        tracking_rows = zipped.read(names[1]).decode("utf-8-sig").strip().splitlines()
        assert len(tracking_rows) == 3
        assert tracking_rows[0].startswith("Дата и время")
        index = zipped.read("00_Опись.txt").decode("utf-8-sig")
        assert "1. Претензия" in index
        assert "Всего документов: 5." in index
        assert all(name in index for name in names)
        assert "Счёт" in text_of(zipped.read(names[4]))
    problem(
        await client.get("/api/v1/collection-cases/999999/court-package.zip", headers=lawyer.headers), 404
    )
    # A scan lost from storage: the archive is refused, never made without it.
    scans = (await client.get(f"{case_url}/attachments", headers=lawyer.headers)).json()["items"]
    async with job_ctx.session_factory() as session:
        lost = await session.get(CollectionFile, scans[-1]["id"])
        assert lost is not None
        key = lost.storage_key
    kept = await app.state.storage.get(key)
    await app.state.storage.delete(key)
    answer = problem(await client.get(f"{case_url}/court-package.zip", headers=lawyer.headers), 409)
    assert "missing from storage" in answer["detail"]
    await app.state.storage.put(key, kept.content, kept.content_type)
    problem(
        await client.post(f"{case_url}/court", headers=lawyer.headers, json={"court_name": "АС"}),
        422,
        "court_case_number",
    )
    filed = await client.post(
        f"{case_url}/court",
        headers=lawyer.headers,
        json={"court_case_number": "А13-1234/2027", "court_name": "Арбитражный суд Вологодской области"},
    )
    assert filed.json()["stage"] == "in_court", filed.text
    hearing = {"hearing": {"on": "2027-03-02", "note": "Предварительное заседание"}}
    assert (
        len((await client.post(f"{case_url}/court", headers=lawyer.headers, json=hearing)).json()["hearings"])
        == 1
    )

    # A checkpoint with the head on Mondays and Thursdays (the working day on or after).
    monday = allowed + timedelta(days=(7 - allowed.weekday()) % 7 or 7)
    clock.set(at(monday))
    assert await _sweep_twice(job_ctx) == (0, 1)
    checkpoint = (await _tasks(job_ctx, case["id"]))[-1]
    assert (checkpoint.assignee_id, checkpoint.kind) == (head.id, "check")
    assert "А13-1234/2027" in checkpoint.title
    clock.set(at(monday + timedelta(days=1)))
    assert await _sweep_twice(job_ctx) == (0, 0)

    report = (await client.get("/api/v1/reports/collection-cases-by-stage", headers=head.headers)).json()[
        "items"
    ]
    assert [(r["stage"], r["cases"], Decimal(r["overdue_debt"])) for r in report if r["cases"]] == [
        ("in_court", 1, total)
    ]
    assert len(report) == 11  # every stage, the empty ones with zeros

    # --- a partial payment updates the case, the full payment closes it ------------------------
    today = (monday + timedelta(days=1)).isoformat()
    part = {"client_id": client_id, "amount": "100.00", "paid_on": today}
    assert (await client.post("/api/v1/payments", headers=accountant.headers, json=part)).status_code == 201
    still = (await client.get(case_url, headers=head.headers)).json()
    assert (still["stage"], Decimal(still["overdue_debt"])) == ("in_court", total - 100)
    rest = {"client_id": client_id, "amount": str(total - 100), "paid_on": today}
    assert (await client.post("/api/v1/payments", headers=accountant.headers, json=rest)).status_code == 201
    closed = (await client.get(case_url, headers=head.headers)).json()
    assert (closed["stage"], closed["close_reason"], closed["allowed_actions"]) == ("closed", "paid", [])
    assert all(t.status in ("done", "cancelled") for t in await _tasks(job_ctx, case["id"]))
    assert [
        e["action"]
        for e in (
            await client.get(f"{case_url}/history", headers=head.headers, params={"limit": 100})
        ).json()["items"]
    ][-3:] == ["payment", "payment", "close"]

    report = (await client.get("/api/v1/reports/collection-cases-by-stage", headers=head.headers)).json()[
        "items"
    ]
    counts = {row["stage"]: (row["cases"], row["overdue_debt"]) for row in report}
    assert counts["closed"] == (1, "0.00")
    assert counts["in_court"] == (0, "0.00")
    assert await _sweep_twice(job_ctx) == (0, 0)  # nothing overdue: no new case

    # The statistics of the episode: one case opened, one claim sent, closed by payment, none open.
    period = {"date_from": case["opened_on"], "date_to": today}
    stats = await client.get("/api/v1/statistics", headers=head.headers, params=period)
    assert stats.status_code == 200, stats.text
    section = next(s for s in stats.json()["sections"] if s["key"] == "collection")
    measures = section["measures"]
    assert (measures["cases_opened"], measures["claims_sent"], measures["closed_paid"]) == (1, 1, 1)
    assert (measures["closed_settled"], measures["closed_written_off"]) == (0, 0)
    assert {k: v for k, v in measures.items() if k.startswith("stage_") and v} == {}
    await job_ctx.post.aclose()
