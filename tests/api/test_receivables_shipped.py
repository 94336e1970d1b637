"""Receivables are shipped goods: an invoice on a deferment is due from its shipment (the УПД date,
moved to the next working day), and only then can it fall overdue, open a case and end in a claim;
an invoice whose goods have not left is no debt, and a prepayment invoice gets the calls only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.core.calendar import BusinessCalendar
from app.models.directory import Role
from app.models.tasks import Task
from app.services.directory.employees import AuthService
from app.services.money.format import format_rub
from app.services.seed import inn10
from app.worker.jobs import draft_claim_letter, sweep
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import ship

CAL = BusinessCalendar()


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC)  # 10:00 in Moscow


async def _approved_invoice(
    client: httpx.AsyncClient, app: Any, director: Any, assistant: Any, inn: str, deferment: int | None
) -> dict[str, Any]:
    """An approved invoice of a new client, on a deferment of ``deferment`` days or in advance."""
    card = await client.post(
        "/api/v1/clients",
        headers=director.headers,
        json={
            "name": f"ООО «Отгрузка {inn[-3:]}»",
            "inn": inn10(inn),
            "kpp": "352801001",
            "assistant_id": assistant.id,
            "contacts": [{"name": "Ершова Анна", "level": "director", "phones": ["+7 921 000-11-22"]}],
        },
    )
    assert card.status_code == 201, card.text
    client_id = card.json()["id"]
    if deferment is not None:
        terms = {
            "deferment_days": deferment,
            "credit_limit": "900000.00",
            "effective_from": "2026-12-01",
            "reason": "решение руководства",
        }
        answer = await client.put(
            f"/api/v1/clients/{client_id}/credit-terms", headers=director.headers, json=terms
        )
        assert answer.status_code == 200, answer.text
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": client_id,
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 30}],
        },
    )
    assert order.json()["status"] == "accepted", order.text
    invoice = (
        await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    ).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buh@otgruzka.example.ru"})
    approved = await client.post(f"{url}/approve", headers=assistant.headers, json={})
    assert approved.json()["status"] == "approved", approved.text
    return dict(approved.json())


async def _invoice_tasks(job_ctx: Any, invoice_id: int) -> list[Task]:
    async with job_ctx.session_factory() as session:
        query = select(Task).where(Task.subject_type == "invoice", Task.subject_id == invoice_id)
        return list((await session.scalars(query.order_by(Task.id))).all())


async def _sweep_twice(job_ctx: Any) -> dict[str, int]:
    first = await sweep({"app": job_ctx})
    again = await sweep({"app": job_ctx})
    assert (again["payment_reminders"], again["cases_opened"], again["case_steps"]) == (0, 0, 0)
    return dict(first)


async def test_a_debt_runs_from_the_shipment_to_the_claim(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    director = await make_user(Role.DIRECTOR)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    invoice = await _approved_invoice(client, app, director, assistant, "352840011", deferment=14)
    url = f"/api/v1/invoices/{invoice['id']}"
    # Issued on Tuesday 2026-12-01 with 14 days' deferment: nothing is due before the goods leave.
    assert (invoice["issued_on"], invoice["deferment_days"], invoice["due_on"]) == ("2026-12-01", 14, None)
    clock.set(at(date(2026, 12, 4)))
    swept = await _sweep_twice(job_ctx)
    assert (swept["payment_reminders"], swept["cases_opened"]) == (0, 0)

    # Shipped on Saturday 2026-12-05 (the УПД date): 14 days later is Saturday the 19th, so the
    # money is due on Monday 2026-12-21 (art. 193).
    clock.set(at(date(2026, 12, 5)))
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 5))
    shipped = (await client.get(url, headers=assistant.headers)).json()
    assert (shipped["shipped_on"], shipped["due_on"]) == ("2026-12-05", "2026-12-21")

    # The regulation's steps around the due date, each on its working day.
    for day in (date(2026, 12, 11), date(2026, 12, 21), date(2026, 12, 22)):
        clock.set(at(day))
        await _sweep_twice(job_ctx)
    tasks = await _invoice_tasks(job_ctx, invoice["id"])
    steps = [(t.kind, t.due_at) for t in tasks]
    # The call on Friday names Monday's date: «завтра» would be Saturday.
    assert tasks[1].description == (
        f"Срок оплаты счёта № {invoice['number']} — 21.12.2026 (понедельник), к оплате "
        f"{format_rub(Decimal(invoice['total']))}."
    )
    assert steps == [
        ("request_document", CAL.at(date(2026, 12, 14), time(18, 0))),  # T-7: Monday the 14th
        ("call", CAL.at(date(2026, 12, 18), time(18, 0))),  # T-1: Friday, the working day before
        ("call", CAL.at(date(2026, 12, 22), time(18, 0))),  # T+1: Tuesday, unpaid
    ]

    # Overdue from the day after the due date: the case opens on Tuesday the 22nd, not before.
    cases = (await client.get("/api/v1/collection-cases", headers=assistant.headers)).json()["items"]
    [case] = [c for c in cases if c["client_id"] == invoice["client_id"]]
    assert (case["opened_on"], case["invoice_ids"]) == ("2026-12-22", [invoice["id"]])
    case_url = f"/api/v1/collection-cases/{case['id']}"

    # No guarantee letter, the negotiations fail, the wait ends: the lawyer's claim.
    refused = await client.post(
        f"{case_url}/guarantee-refusal", headers=assistant.headers, json={"comment": "Денег нет"}
    )
    assert refused.json()["stage"] == "escalated", refused.text
    call = {"level": "director", "reached": True, "result": "Платить отказались"}
    assert (await client.post(f"{case_url}/calls", headers=assistant.headers, json=call)).status_code == 201
    done = await client.post(
        f"{case_url}/negotiation-done", headers=assistant.headers, json={"comment": "Нет"}
    )
    assert done.json()["wait_ends_on"] == "2026-12-25", done.text
    clock.set(at(date(2026, 12, 25)))
    assert (await _sweep_twice(job_ctx))["case_steps"] == 1
    await confirm_key_rates(job_ctx)
    assert await draft_claim_letter({"app": job_ctx}, case["id"]) == "drafted"
    claim = " ".join(
        pdf_text((await client.get(f"{case_url}/claim.pdf", headers=lawyer.headers)).content).split()
    )
    total = Decimal(invoice["total"])
    assert f"№ {invoice['number']} от 01.12.2026 УПД от 05.12.2026 21.12.2026" in claim, claim
    assert "Товар принят Покупателем" in claim
    assert f"{format_rub(total)}" in claim


async def test_goods_not_shipped_are_no_debt_and_a_prepayment_gets_calls_only(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    director = await make_user(Role.DIRECTOR)
    assistant = await make_user(Role.ASSISTANT)
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    deferred = await _approved_invoice(client, app, director, assistant, "352840022", deferment=7)
    prepaid = await _approved_invoice(client, app, director, assistant, "352840033", deferment=None)
    # The prepayment invoice is due five working days after issue; the deferred one has no date.
    assert (deferred["due_on"], prepaid["due_on"]) == (None, "2026-12-08")

    # Weeks pass; neither is ever shipped. The deferred invoice gets nothing; the prepayment invoice
    # gets the calls before and after its date (no documents to check), and never a case.
    for day in (date(2026, 12, 1), date(2026, 12, 9), date(2026, 12, 16), date(2027, 1, 20)):
        clock.set(at(day))
        swept = await _sweep_twice(job_ctx)
        assert swept["cases_opened"] == 0, day
    assert await _invoice_tasks(job_ctx, deferred["id"]) == []
    for user in (director, assistant, accountant):  # new tokens on the fake clock, weeks later
        async with job_ctx.unit_of_work() as uow:
            token = await AuthService(uow).issue_for_cli(user.id, 30)
        user.headers["Authorization"] = f"Bearer {token}"
    calls = await _invoice_tasks(job_ctx, prepaid["id"])
    assert [(t.kind, t.due_at) for t in calls] == [
        ("call", CAL.at(date(2026, 12, 7), time(18, 0))),  # the working day before the 8th
        ("call", CAL.at(date(2026, 12, 9), time(18, 0))),  # the day after: why not paid
    ]
    assert "товар не отгружен" in (calls[1].description or "")
    assert "гарантийное письмо" not in (calls[1].description or "")
    cases = (await client.get("/api/v1/collection-cases", headers=assistant.headers)).json()["items"]
    assert {c["client_id"] for c in cases} & {deferred["client_id"], prepaid["client_id"]} == set()

    # Neither is in the aging report, nor a debit of the ledger; the clients' new orders are not held.
    aging = (await client.get("/api/v1/reports/aging", headers=director.headers)).json()
    assert {r["key"] for r in aging["rows"]} & {deferred["client_id"], prepaid["client_id"]} == set()
    for invoice in (deferred, prepaid):
        ledger = await client.get(
            f"/api/v1/clients/{invoice['client_id']}/ledger",
            headers=accountant.headers,
            params={"date_from": "2026-12-01", "date_to": "2027-01-20"},
        )
        assert ledger.status_code == 200, ledger.text
        assert (ledger.json()["entries"], Decimal(ledger.json()["closing_balance"])) == ([], 0)
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    again = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": prepaid["client_id"],
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 1}],
        },
    )
    assert (again.json()["status"], again.json()["credit_hold"]) == ("accepted", None), again.text

    # Shipped at last (2027-01-20, a Wednesday): the deferred invoice is due a week later, a debt.
    await ship(job_ctx, deferred["order_id"], date(2027, 1, 20))
    shipped = (await client.get(f"/api/v1/invoices/{deferred['id']}", headers=assistant.headers)).json()
    assert (shipped["shipped_on"], shipped["due_on"]) == ("2027-01-20", "2027-01-27")
    aging = (await client.get("/api/v1/reports/aging", headers=director.headers)).json()
    [row] = [r for r in aging["rows"] if r["key"] == deferred["client_id"]]
    assert Decimal(row["buckets"]["current"]) == Decimal(deferred["total"])
