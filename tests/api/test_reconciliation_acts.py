"""Reconciliation acts walked through: scheduled by the sweep (monthly for a client with ten
documents a month, quarterly for every client), generated from the ledger, e-mailed with the PDF to
a real SMTP server once, a discrepancy, signed (an acknowledgement of the debt); and the limitation
period watched with a task 90 days before it ends, started again by a signed act."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.models.reconciliations import DebtAcknowledgement, LimitationWarning
from app.models.tasks import Task
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound, sweep
from tests.support.helpers import problem
from tests.support.pdf import pdf_text
from tests.support.receivables import add_invoice

ACTS = "/api/v1/reconciliation-acts"


async def _client(
    client: httpx.AsyncClient, head: Any, assistant: Any, name: str, inn9: str, **extra: Any
) -> int:
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": name, "inn": inn10(inn9), "kpp": inn9[:4] + "01001", "assistant_id": assistant.id}
        | extra,
    )
    assert card.status_code == 201, card.text
    return int(card.json()["id"])


async def _tasks(factory: Any, title_part: str) -> list[Task]:
    async with factory() as session:
        rows = (await session.scalars(select(Task).order_by(Task.id))).all()
    return [t for t in rows if title_part in t.title]


async def _deliver_all(job_ctx: Any) -> list[str]:
    """Send the acts' emails (an overdue debt in the data also opens a collection case, whose
    letters are not this test's)."""
    async with job_ctx.session_factory() as session:
        ids = list(
            await session.scalars(
                select(OutboundMessage.id)
                .where(OutboundMessage.dedupe_key.startswith("reconciliation-act:"))
                .order_by(OutboundMessage.id)
            )
        )
    return [await deliver_outbound({"app": job_ctx}, message_id) for message_id in ids]


async def test_acts_scheduled_sent_disputed_and_signed(
    client: httpx.AsyncClient, make_user: Any, job_ctx: Any, smtp: Any, session_factory: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    busy = await _client(
        client,
        head,
        assistant,
        "ООО «Бор и сыновья»",
        "352811301",
        contacts=[
            {"name": "Елисеева Анна", "level": "buyer", "emails": ["zakup@bor.example.ru"]},
            {"name": "Крылова Нина", "level": "chief_accountant", "emails": ["buh@bor.example.ru"]},
        ],
    )
    quiet = await _client(client, head, assistant, "ИП Тихонов", "352811302")

    # Busy: a sale in August, part paid in September; ten sales in November and a payment.
    august = await add_invoice(
        session_factory, busy, issued_on=date(2026, 8, 10), due_on=date(2026, 8, 20), total="5000.00"
    )
    for day in range(2, 12):
        await add_invoice(
            session_factory,
            busy,
            issued_on=date(2026, 11, day),
            due_on=date(2026, 11, day) + timedelta(days=20),
            total="1000.00",
        )
    for paid_on, amount in (("2026-09-15", "3000.00"), ("2026-11-20", "4000.00")):
        payment = {
            "client_id": busy,
            "amount": amount,
            "paid_on": paid_on,
            "reference": f"п/п {paid_on[-2:]}",
        }
        assert (
            await client.post("/api/v1/payments", headers=accountant.headers, json=payment)
        ).status_code == 201
    # Quiet: one sale in September, no e-mail known.
    await add_invoice(
        session_factory, quiet, issued_on=date(2026, 9, 1), due_on=date(2026, 9, 11), total="700.00"
    )

    # The sweep on 2026-12-01: November's act for the busy client, the third quarter's for both.
    result = await sweep({"app": job_ctx})
    assert result["reconciliation_acts"] == 3
    assert (await sweep({"app": job_ctx}))["reconciliation_acts"] == 0
    listed = (await client.get(ACTS, headers=assistant.headers)).json()["items"]
    acts = {(a["client_id"], a["periodicity"]): a for a in listed}
    assert set(acts) == {(busy, "monthly"), (busy, "quarterly"), (quiet, "quarterly")}

    monthly = acts[(busy, "monthly")]
    assert (monthly["period_start"], monthly["period_end"]) == ("2026-11-01", "2026-11-30")
    assert [
        Decimal(monthly[k]) for k in ("opening_balance", "debit_total", "credit_total", "closing_balance")
    ] == [
        Decimal("2000.00"),  # 5 000 sold in August − 3 000 paid in September
        Decimal("10000.00"),
        Decimal("4000.00"),
        Decimal("8000.00"),
    ]
    assert (monthly["status"], monthly["recipient"]) == ("sent", "buh@bor.example.ru")  # the chief accountant
    quarterly = acts[(busy, "quarterly")]
    assert (quarterly["period_start"], quarterly["period_end"]) == ("2026-07-01", "2026-09-30")
    assert (Decimal(quarterly["opening_balance"]), Decimal(quarterly["closing_balance"])) == (
        0,
        Decimal("2000.00"),
    )
    drafted = acts[(quiet, "quarterly")]
    assert (drafted["status"], drafted["recipient"]) == ("draft", None)
    assert len(await _tasks(session_factory, f"Отправить акт сверки № {drafted['id']}")) == 1
    assert len(await _tasks(session_factory, "Получить подписанный акт сверки")) == 2

    # The worker e-mails each act once, with the PDF as it was made; a repeat sends nothing.
    assert await _deliver_all(job_ctx) == ["sent", "sent"]
    assert await _deliver_all(job_ctx) == ["skipped", "skipped"]
    received = [m.parsed() for m in smtp[0].received]
    assert sorted(m["To"] for m in received) == ["buh@bor.example.ru", "buh@bor.example.ru"]
    mail = next(m for m in received if "01.11.2026" in m["Subject"])
    assert f"Акт сверки № {monthly['id']}" in mail["Subject"]
    assert "ваша задолженность 8\u00a0000,00 руб." in mail.get_body(("plain",)).get_content()
    attachment = next(mail.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    for expected in (
        "Акт сверки взаимных расчётов",
        "ООО «Бор и сыновья»",
        "ООО «Спецодежда-Север»",
        "за период с 01.11.2026 по 30.11.2026",
        "Сальдо начальное",
        "Обороты за период",
        "Сальдо конечное",
        "2 000,00",
        "10 000,00",
        "8 000,00",
        "Оплата (п/п 20 от 20.11.2026)",
        "задолженность в пользу ООО «Спецодежда-Север» составляет 8 000,00 руб.",
    ):
        assert expected in text.replace("\u00a0", " "), expected
    served = await client.get(f"{ACTS}/{monthly['id']}/pdf", headers=assistant.headers)
    disposition = f'inline; filename="reconciliation-act-{monthly["id"]}-r1.pdf"'
    assert served.headers["content-disposition"] == disposition
    assert served.headers["content-type"] == "application/pdf"
    assert "Сальдо конечное" in pdf_text(served.content)

    # Bad input and wrong turns change nothing.
    url = f"{ACTS}/{monthly['id']}"
    problem(await client.post(f"{url}/discrepancy", headers=keeper.headers, json={"notes": "x"}), 403)
    problem(
        await client.post(f"{url}/discrepancy", headers=assistant.headers, json={"notes": ""}),
        422,
        "notes",
    )
    stale = {**assistant.headers, "If-Match": '"1"'}
    problem(await client.post(f"{url}/discrepancy", headers=stale, json={"notes": "Нет оплаты"}), 412)
    drafted_url = f"{ACTS}/{drafted['id']}"
    conflict = problem(
        await client.post(f"{drafted_url}/sign", headers=assistant.headers, json={"signed_on": "2026-12-01"}),
        409,
    )
    assert conflict["allowed_actions"] == ["send"]
    problem(await client.post(f"{drafted_url}/send", headers=assistant.headers, json={}), 422, "email")
    assert (await client.get(drafted_url, headers=assistant.headers)).json()["status"] == "draft"

    # The client disagrees: the notes are kept, the assistant settles them; then it signs.
    disputed = await client.post(
        f"{url}/discrepancy", headers=assistant.headers, json={"notes": "У нас нет оплаты от 20.11.2026"}
    )
    assert disputed.status_code == 200, disputed.text
    assert (disputed.json()["status"], disputed.json()["discrepancy_notes"]) == (
        "discrepancy",
        "У нас нет оплаты от 20.11.2026",
    )
    assert len(await _tasks(session_factory, f"Расхождения в акте сверки № {monthly['id']}")) == 1
    for signed_on, reason in (("2026-12-02", "after today"), ("2026-11-30", "before the act was made")):
        refused = problem(
            await client.post(f"{url}/sign", headers=assistant.headers, json={"signed_on": signed_on}),
            422,
            "signed_on",
        )
        assert reason in refused["errors"][0]["reason"]
    signed = await client.post(
        f"{url}/sign", headers=assistant.headers, json={"signed_on": "2026-12-01", "note": "Скан получен"}
    )
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["signed_on"], signed.json()["allowed_actions"]) == (
        "signed",
        "2026-12-01",
        [],
    )
    async with session_factory() as session:
        acknowledged = (await session.scalars(select(DebtAcknowledgement))).all()
    # The August invoice is paid (3 000 + 2 000); two November ones are paid by the rest of 4 000.
    assert len(acknowledged) == 8
    assert {a.acknowledged_on for a in acknowledged} == {date(2026, 12, 1)}
    assert august not in {a.invoice_id for a in acknowledged}
    history = (await client.get(f"{url}/history", headers=assistant.headers)).json()["items"]
    assert [e["action"] for e in history] == ["generated", "send", "discrepancy", "sign"]

    # The quiet client's draft goes out once an address is given.
    sent = await client.post(
        f"{drafted_url}/send", headers=accountant.headers, json={"email": "ip.tikhonov@example.ru"}
    )
    assert (sent.json()["status"], sent.json()["recipient"]) == ("sent", "ip.tikhonov@example.ru")
    assert (await _deliver_all(job_ctx))[-1] == "sent"
    assert smtp[0].received[-1].parsed()["To"] == "ip.tikhonov@example.ru"

    # The ledger behind the acts.
    ledger = await client.get(
        f"/api/v1/clients/{busy}/ledger",
        headers=accountant.headers,
        params={"date_from": "2026-11-01", "date_to": "2026-11-30"},
    )
    body = ledger.json()
    assert (Decimal(body["opening_balance"]), Decimal(body["closing_balance"]), body["in_favour_of"]) == (
        Decimal("2000.00"),
        Decimal("8000.00"),
        "company",
    )
    assert [Decimal(e["balance"]) for e in body["entries"]][-2:] == [Decimal("12000.00"), Decimal("8000.00")]
    bad = {"date_from": "2026-11-01", "date_to": "2026-12-02"}
    problem(
        await client.get(f"/api/v1/clients/{busy}/ledger", headers=accountant.headers, params=bad),
        422,
        "date_to",
    )
    problem(await client.get(f"/api/v1/clients/{busy}/ledger", headers=keeper.headers), 403)


async def test_a_requested_act_and_its_bad_input(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    client_id = await _client(client, head, assistant, "АО «Северная верфь»", "352811303")
    await add_invoice(
        session_factory, client_id, issued_on=date(2026, 10, 5), due_on=date(2026, 10, 15), total="1200.50"
    )
    request = {"client_id": client_id, "date_from": "2026-10-01", "date_to": "2026-11-30"}
    problem(await client.post(ACTS, headers=keeper.headers, json=request), 403)
    problem(
        await client.post(ACTS, headers=assistant.headers, json=request | {"date_to": "2026-12-02"}),
        422,
        "date_to",
    )
    problem(
        await client.post(ACTS, headers=assistant.headers, json=request | {"date_to": "2026-09-30"}),
        422,
        "date_to",
    )
    problem(
        await client.post(ACTS, headers=assistant.headers, json=request | {"email": "не адрес"}),
        422,
        "email",
    )
    assert (await client.get(ACTS, headers=assistant.headers)).json()["items"] == []

    made = await client.post(ACTS, headers=assistant.headers, json=request | {"email": "buh@verf.example.ru"})
    assert made.status_code == 201, made.text
    act = made.json()
    assert (act["periodicity"], act["status"], Decimal(act["closing_balance"])) == (
        "requested",
        "sent",
        Decimal("1200.50"),
    )
    again = problem(await client.post(ACTS, headers=assistant.headers, json=request), 409)
    assert str(act["id"]) in again["detail"]


async def test_the_limitation_period_is_watched_and_restarted_by_a_signed_act(
    client: httpx.AsyncClient, make_user: Any, job_ctx: Any, clock: Any, session_factory: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(client, head, assistant, "ООО «Давний долг»", "352811304")
    # Due 2023-12-20: three years run out on 2026-12-20, within 90 days of 2026-12-01.
    old = await add_invoice(
        session_factory, client_id, issued_on=date(2023, 12, 10), due_on=date(2023, 12, 20), total="900.00"
    )
    # Due 2024-03-15: its period ends 2027-03-15, more than 90 days away.
    await add_invoice(
        session_factory, client_id, issued_on=date(2024, 3, 5), due_on=date(2024, 3, 15), total="100.00"
    )

    assert (await sweep({"app": job_ctx}))["limitation_warnings"] == 1
    assert (await sweep({"app": job_ctx}))["limitation_warnings"] == 0
    [task] = await _tasks(session_factory, "срок исковой давности истекает")
    assert task.title.endswith("истекает 20.12.2026")
    assert (task.subject_id, task.assignee_id) == (old, assistant.id)
    assert task.due_at == datetime(2026, 12, 1, 15, 0, tzinfo=UTC)  # the day it is noticed (18:00 MSK)

    # The client signs an act: both debts are acknowledged, their periods start again.
    act = await client.post(
        ACTS,
        headers=assistant.headers,
        json={
            "client_id": client_id,
            "date_from": "2023-12-01",
            "date_to": "2026-11-30",
            "email": "d@dolg.example.ru",
        },
    )
    assert act.status_code == 201, act.text
    signed = await client.post(
        f"{ACTS}/{act.json()['id']}/sign", headers=assistant.headers, json={"signed_on": "2026-12-01"}
    )
    assert signed.json()["status"] == "signed", signed.text
    assert (await sweep({"app": job_ctx}))["limitation_warnings"] == 0

    # 90 days before the new end (2029-12-01) the watch speaks again, once.
    clock.set(datetime(2029, 9, 3, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["limitation_warnings"] == 2
    assert (await sweep({"app": job_ctx}))["limitation_warnings"] == 0
    async with session_factory() as session:
        warnings = (await session.scalars(select(LimitationWarning).order_by(LimitationWarning.id))).all()
    assert [(w.runs_from, w.expires_on) for w in warnings] == [
        (date(2023, 12, 20), date(2026, 12, 20)),
        (date(2026, 12, 1), date(2029, 12, 1)),
        (date(2026, 12, 1), date(2029, 12, 1)),
    ]


async def test_a_movement_dated_back_into_the_quarter_gets_its_act_the_next_day(
    client: httpx.AsyncClient, make_user: Any, job_ctx: Any, clock: Any, session_factory: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    first = await _client(client, head, assistant, "ООО «Ранний»", "352811305")
    await add_invoice(
        session_factory, first, issued_on=date(2026, 8, 3), due_on=date(2026, 8, 13), total="300.00"
    )
    assert (await sweep({"app": job_ctx}))["reconciliation_acts"] == 1
    # The day's schedule is done: a sale entered later today, dated back into the quarter, waits.
    late = await _client(client, head, assistant, "ООО «Поздний»", "352811306")
    await add_invoice(
        session_factory, late, issued_on=date(2026, 9, 30), due_on=date(2026, 10, 10), total="450.00"
    )
    assert (await sweep({"app": job_ctx}))["reconciliation_acts"] == 0
    clock.advance(timedelta(days=1))
    assert (await sweep({"app": job_ctx}))["reconciliation_acts"] == 1
    assert (await sweep({"app": job_ctx}))["reconciliation_acts"] == 0
    acts = (await client.get(ACTS, headers=assistant.headers, params={"client_id": late})).json()["items"]
    assert [(a["periodicity"], a["period_end"], a["closing_balance"]) for a in acts] == [
        ("quarterly", "2026-09-30", "450.00")
    ]
