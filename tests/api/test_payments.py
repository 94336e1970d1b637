"""Payments allocated to invoices (oldest first or as the accountant says, overpayment only on
purpose), and the regulation's steps around the due date made once each by the sweep."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.collection import CollectionCase
from app.models.directory import Role
from app.models.tasks import Task
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.jobs import sweep
from tests.support.helpers import problem
from tests.support.receivables import ship


async def _two_approved_invoices(
    client: httpx.AsyncClient, app: Any, assistant: Any, head: Any
) -> tuple[int, list[dict[str, Any]]]:
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Лесная артель»",
            "inn": inn10("352811122"),
            "kpp": "352801001",
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    invoices = []
    for quantity in (10, 20):
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
        await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buh@artel.example.ru"})
        approved = await client.post(f"{url}/approve", headers=assistant.headers, json={})
        assert approved.json()["status"] == "approved", approved.text
        invoices.append(approved.json())
    return card.json()["id"], invoices


async def _invoice(client: httpx.AsyncClient, user: Any, invoice_id: int) -> dict[str, Any]:
    return dict((await client.get(f"/api/v1/invoices/{invoice_id}", headers=user.headers)).json())


async def test_payments_go_to_the_oldest_debt_first(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    client_id, (first, second) = await _two_approved_invoices(client, app, assistant, head)
    owed = Decimal(first["total"]) + Decimal(second["total"])
    assert Decimal(first["outstanding"]) == Decimal(first["total"])

    payment = {
        "client_id": client_id,
        "amount": str(owed + 1),
        "paid_on": "2026-12-01",
        "reference": "п/п 118",
    }
    problem(await client.post("/api/v1/payments", headers=assistant.headers, json=payment), 403)
    refused = problem(
        await client.post("/api/v1/payments", headers=accountant.headers, json=payment), 422, "amount"
    )
    assert refused["errors"][0]["code"] == "overpayment"
    tomorrow = payment | {"amount": "1.00", "paid_on": "2026-12-02"}
    problem(await client.post("/api/v1/payments", headers=accountant.headers, json=tomorrow), 422, "paid_on")
    assert Decimal((await _invoice(client, assistant, first["id"]))["paid_total"]) == 0  # nothing written

    part = Decimal(first["total"]) + Decimal("100.00")
    recorded = await client.post(
        "/api/v1/payments", headers=accountant.headers, json=payment | {"amount": str(part)}
    )
    assert recorded.status_code == 201, recorded.text
    body = recorded.json()
    assert [(a["invoice_id"], Decimal(a["amount"])) for a in body["allocations"]] == [
        (first["id"], Decimal(first["total"])),
        (second["id"], Decimal("100.00")),
    ]
    paid = await _invoice(client, assistant, first["id"])
    assert (Decimal(paid["outstanding"]), paid["paid_at"] is not None) == (Decimal(0), True)
    partly = await _invoice(client, assistant, second["id"])
    assert Decimal(partly["outstanding"]) == Decimal(second["total"]) - Decimal("100.00")
    assert partly["paid_at"] is None

    # Named allocations: only this client's unpaid invoices, never more than is owed on one.
    explicit = payment | {"amount": "50.00"}
    for allocations, field in (
        ([{"invoice_id": first["id"], "amount": "50.00"}], "allocations.0.invoice_id"),
        ([{"invoice_id": second["id"], "amount": str(owed)}], "allocations.0.amount"),
        ([{"invoice_id": second["id"], "amount": "30.00"}], "allocations"),
    ):
        answer = await client.post(
            "/api/v1/payments", headers=accountant.headers, json=explicit | {"allocations": allocations}
        )
        problem(answer, 422, field)

    # The rest and more: the advance is kept only when asked.
    rest = Decimal(partly["outstanding"])
    advance = {"amount": str(rest + 500), "keep_overpayment": True, "reference": "п/п 131"}
    kept = await client.post("/api/v1/payments", headers=accountant.headers, json=payment | advance)
    assert kept.status_code == 201, kept.text
    assert Decimal(kept.json()["unallocated"]) == Decimal(500)
    assert Decimal((await _invoice(client, assistant, second["id"]))["outstanding"]) == 0

    listed = (
        await client.get("/api/v1/payments", headers=assistant.headers, params={"client_id": client_id})
    ).json()
    assert [p["reference"] for p in listed["items"]] == ["п/п 131", "п/п 118"]
    history = (await client.get(f"/api/v1/invoices/{second['id']}/history", headers=assistant.headers)).json()
    assert [e["action"] for e in history["items"]][-2:] == ["partly_paid", "paid"]


async def test_the_due_date_steps_are_made_once(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    client_id, (first, second) = await _two_approved_invoices(client, app, assistant, head)
    assert first["due_on"] == "2026-12-08"  # five working days from Tuesday 2026-12-01
    # The first one's goods left on the day (a debt); the second waits for its prepayment.
    await ship(job_ctx, first["order_id"], date(2026, 12, 1))

    async def tasks() -> list[tuple[int, str, str]]:
        async with job_ctx.session_factory() as session:
            rows = (
                await session.scalars(select(Task).where(Task.subject_type == "invoice").order_by(Task.id))
            ).all()
        return [(t.subject_id or 0, t.title, t.due_at.isoformat()) for t in rows]

    # Two steps before the due date for the debt; the prepayment invoice gets the call only.
    assert (await sweep({"app": job_ctx}))["payment_reminders"] == 3
    made = await tasks()
    assert len(made) == 3
    week = [t for t in made if "акт сверки" in t[1]]
    day = [t for t in made if "подтвердить оплату" in t[1]]
    assert ({t[0] for t in week}, {t[0] for t in day}) == ({first["id"]}, {first["id"], second["id"]})
    assert {t[2] for t in week} == {"2026-12-01T15:00:00+00:00"}  # today (a week before is today), 18:00 MSK
    assert {t[2] for t in day} == {"2026-12-07T15:00:00+00:00"}  # Monday, the working day before
    assert (await sweep({"app": job_ctx}))["payment_reminders"] == 0

    # Monday's call is the day before Tuesday's due date: «завтра».
    async with job_ctx.session_factory() as session:
        calls = (await session.scalars(select(Task).where(Task.title.contains("подтвердить оплату")))).all()
    assert {t.description for t in calls} == {
        f"Завтра, 08.12.2026 (вторник), срок оплаты счёта № {i['number']}, к оплате "
        f"{format_rub(Decimal(i['total']))}."
        for i in (first, second)
    }

    # The first is paid in time: its check and its call have nothing left to ask, the payment closes
    # them; the second's call stays. The day after the due date only the second gets the call.
    paid = {"client_id": client_id, "amount": first["total"], "paid_on": "2026-12-01"}
    payment = await client.post("/api/v1/payments", headers=accountant.headers, json=paid)
    assert payment.status_code == 201, payment.text
    async with job_ctx.session_factory() as session:
        rows = (await session.scalars(select(Task).where(Task.subject_type == "invoice"))).all()
    ended = {(t.subject_id, t.kind): (t.status, t.result) for t in rows}
    closed = ("done", f"Счёт оплачен: платёж № {payment.json()['id']} от 01.12.2026")
    assert ended == {
        (first["id"], "request_document"): closed,
        (first["id"], "call"): closed,
        (second["id"], "call"): ("open", None),
    }
    clock.advance(timedelta(days=8))  # Wednesday 2026-12-09
    assert (await sweep({"app": job_ctx}))["payment_reminders"] == 1
    late = (await tasks())[-1]
    assert late[0] == second["id"]
    assert "не оплачен в срок" in late[1]
    assert (await sweep({"app": job_ctx}))["payment_reminders"] == 0


async def test_an_invoice_long_overdue_goes_to_its_case_not_to_a_day_after_call(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    client_id, (first, second) = await _two_approved_invoices(client, app, assistant, head)
    for invoice in (first, second):
        await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))
    # Nothing swept while they fell due (2026-12-08) and for 31 days after: the steps around the
    # due date are past their time; the overdue debt joins a collection case.
    clock.advance(timedelta(days=38))  # 2027-01-08
    result = await sweep({"app": job_ctx})
    assert result["payment_reminders"] == 0
    assert result["cases_opened"] == 1
    async with job_ctx.session_factory() as session:
        cases = (
            await session.scalars(select(CollectionCase).where(CollectionCase.client_id == client_id))
        ).all()
    assert [sorted(c.invoice_ids) for c in cases] == [sorted([first["id"], second["id"]])]
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 0


async def test_a_client_in_debt_waits_for_a_head(
    client: httpx.AsyncClient, app: Any, make_user: Any, clock: Any, job_ctx: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    client_id, (first, second) = await _two_approved_invoices(client, app, assistant, head)
    for invoice in (first, second):
        await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))  # shipped unpaid: debts
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = {
        "channel": "phone",
        "client_id": client_id,
        "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 1}],
    }
    # Not yet due: the order is taken at once.
    taken = await client.post("/api/v1/orders", headers=assistant.headers, json=order)
    assert taken.json()["status"] == "accepted", taken.text

    clock.advance(timedelta(days=8))  # 2026-12-09: both invoices are a day overdue
    held = await client.post("/api/v1/orders", headers=head.headers, json=order)
    body = held.json()
    assert body["status"] == "needs_clarification", held.text
    assert body["problems"] == ["credit"]
    assert "просроченный долг (срок оплаты 08.12.2026)" in body["credit_hold"]
    assert "approve-credit" in body["allowed_actions"]
    url = f"/api/v1/orders/{body['id']}"
    async with app.state.session_factory() as session:
        escalations = (
            await session.scalars(select(Task).where(Task.subject_id == body["id"], Task.kind == "escalate"))
        ).all()
    assert [t.title for t in escalations] == [
        f"Заявка №{body['id']}: разрешить приём заявки клиента с долгом"
    ]

    problem(await client.post(f"{url}/approve-credit", headers=assistant.headers, json={"reason": "x"}), 403)
    problem(
        await client.post(f"{url}/approve-credit", headers=head.headers, json={"reason": " "}), 422, "reason"
    )
    approved = await client.post(
        f"{url}/approve-credit", headers=head.headers, json={"reason": "гарантийное письмо до 15.12"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "accepted"
    assert approved.json()["credit_approved"]["reason"] == "гарантийное письмо до 15.12"
    problem(await client.post(f"{url}/approve-credit", headers=head.headers, json={"reason": "x"}), 409)

    # Paid up, but the debt left is at the credit limit: held again, for the limit this time.
    paid = {"client_id": client_id, "amount": first["total"], "paid_on": "2026-12-09"}
    assert (await client.post("/api/v1/payments", headers=accountant.headers, json=paid)).status_code == 201
    terms = {
        "deferment_days": 10,
        "credit_limit": second["total"],
        "effective_from": "2026-12-09",
        "reason": "РО",
    }
    assert (
        await client.put(
            f"/api/v1/clients/{client_id}/credit-terms",
            headers=(await make_user(Role.DIRECTOR)).headers,
            json=terms,
        )
    ).status_code == 200
    paid_second = paid | {
        "amount": second["total"],
        "allocations": [{"invoice_id": second["id"], "amount": second["total"]}],
    }
    limit = (await client.post("/api/v1/orders", headers=head.headers, json=order)).json()
    assert limit["problems"] == ["credit"]
    assert "при кредитном лимите" in limit["credit_hold"]
    assert "просроченный" in limit["credit_hold"]  # the second invoice is still overdue
    assert (
        await client.post("/api/v1/payments", headers=accountant.headers, json=paid_second)
    ).status_code == 201
    free = (await client.post("/api/v1/orders", headers=head.headers, json=order)).json()
    assert (free["status"], free["credit_hold"]) == ("accepted", None)


async def test_payments_from_1c_are_recorded_once(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    from app.worker.jobs import import_payments

    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    client_id, (first, second) = await _two_approved_invoices(client, app, assistant, head)
    card = (await client.get(f"/api/v1/clients/{client_id}", headers=head.headers)).json()
    erp = job_ctx.erp
    amount = Decimal(first["total"]) + Decimal(second["total"]) + Decimal("10.00")
    erp.record_payment(
        card["inn"],
        amount,
        clock.now().date(),
        "Оплата по счетам",
        payment_id="1c-pay-1",
        recorded_at=clock.now(),
    )
    erp.record_payment(
        "7700000000", Decimal("5.00"), clock.now().date(), payment_id="1c-pay-2", recorded_at=clock.now()
    )

    assert await import_payments({"app": job_ctx}) == {"new": 1, "unmatched": 1}
    assert await import_payments({"app": job_ctx}) == {"new": 0, "unmatched": 1}
    listed = (
        await client.get("/api/v1/payments", headers=head.headers, params={"client_id": client_id})
    ).json()
    assert [(p["source"], p["external_id"], Decimal(p["unallocated"])) for p in listed["items"]] == [
        ("1c", "1c-pay-1", Decimal("10.00"))  # the money came: the advance is kept
    ]
    for invoice in (first, second):
        assert Decimal((await _invoice(client, head, invoice["id"]))["outstanding"]) == 0


async def test_a_payment_from_1c_is_taken_as_1c_has_it(
    client: httpx.AsyncClient, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    """An old date and an invisible character in the purpose are refused when typed into the API;
    1C's own history is taken as it is (the purpose without the invisible characters)."""
    from app.worker.jobs import import_payments

    head = await make_user(Role.HEAD)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Давний»", "inn": inn10("352512345"), "kpp": "352501001"},
    )
    assert card.status_code == 201, card.text
    job_ctx.erp.record_payment(
        card.json()["inn"],
        Decimal("100.00"),
        date(2019, 3, 1),
        "Аванс\u200b по договору\u202e",
        payment_id="1c-pay-old",
        recorded_at=clock.now(),
    )
    assert await import_payments({"app": job_ctx}) == {"new": 1, "unmatched": 0}
    listed = (await client.get("/api/v1/payments", headers=head.headers)).json()["items"]
    assert [(p["paid_on"], p["reference"]) for p in listed] == [("2019-03-01", "Аванс по договору")]


async def test_payments_are_listed_by_the_days_the_money_came(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    client_id, _ = await _two_approved_invoices(client, app, assistant, head)
    for day, reference in (("2026-11-20", "п/п 7"), ("2026-11-25", "п/п 8"), ("2026-12-01", "п/п 9")):
        recorded = await client.post(
            "/api/v1/payments",
            headers=accountant.headers,
            json={"client_id": client_id, "amount": "10.00", "paid_on": day, "reference": reference},
        )
        assert recorded.status_code == 201, recorded.text

    async def listed(**params: str) -> list[str]:
        answer = await client.get(
            "/api/v1/payments", headers=accountant.headers, params={"client_id": client_id, **params}
        )
        assert answer.status_code == 200, answer.text
        return [p["reference"] for p in answer.json()["items"]]

    assert await listed(paid_from="2026-11-21", paid_to="2026-11-30") == ["п/п 8"]
    assert await listed(paid_from="2026-11-25") == ["п/п 9", "п/п 8"]
    assert await listed(paid_to="2026-11-25") == ["п/п 8", "п/п 7"]
    reversed_ = {"paid_from": "2026-12-01", "paid_to": "2026-11-01"}
    problem(
        await client.get("/api/v1/payments", headers=accountant.headers, params=reversed_),
        422,
        "query.paid_to",
    )
    bad = {"paid_from": "2026-02-30"}
    problem(
        await client.get("/api/v1/payments", headers=accountant.headers, params=bad), 422, "query.paid_from"
    )
