"""The contract's penalty (неустойка) on the client card and in the claim letter: set by the lawyer or a
head and checked as the penalty calculator checks it; a claim for a client whose contract sets a
penalty charges that penalty (art. 330) instead of the interest of art. 395 (its p. 4), with the
calculator's figures, and its PDF says so; a client without one is claimed under art. 395 as before."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.core.calendar import BusinessCalendar
from app.models.directory import Role
from app.services.receivables.penalty.calculator import Method, Request, calculate
from app.services.receivables.rates import KeyRateService
from app.services.seed import inn10
from app.worker.jobs import draft_claim_letter, sweep
from tests.support.helpers import problem
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import ship

CAL = BusinessCalendar()
TERMS = {
    "contract_number": "17/2026",
    "contract_date": "2026-01-15",
    "penalty_rate_per_day_percent": "0.1",
    "penalty_cap_percent": "0.5",
}


def text_of(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


async def _card(client: httpx.AsyncClient, head: Any, assistant: Any, inn: str) -> dict[str, Any]:
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Ольха»", "inn": inn10(inn), "kpp": "352801001", "assistant_id": assistant.id},
    )
    assert card.status_code == 201, card.text
    created: dict[str, Any] = card.json()
    return created


def _if_match(card: dict[str, Any]) -> dict[str, str]:
    return {"If-Match": f'"{card["version"]}"'}


async def test_contract_terms_on_the_card(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    card = await _card(client, head, assistant, "352899911")
    url = f"/api/v1/clients/{card['id']}/contract-terms"
    assert (card["contract_number"], card["penalty_rate_per_day_percent"], card["penalty_cap_percent"]) == (
        None,
        None,
        None,
    )

    # Only the lawyer or a head sets them; the card's own PATCH does not take them.
    problem(await client.put(url, headers=assistant.headers | _if_match(card), json=TERMS), 403)
    patch = {"penalty_rate_per_day_percent": "0.1"}
    problem(
        await client.patch(
            f"/api/v1/clients/{card['id']}", headers=head.headers | _if_match(card), json=patch
        ),
        422,
        "penalty_rate_per_day_percent",
    )

    # Bad terms are refused naming the field, and change nothing.
    for body, field in (
        (TERMS | {"contract_number": None}, "penalty_rate_per_day_percent"),
        (TERMS | {"contract_date": None}, "penalty_rate_per_day_percent"),
        (TERMS | {"penalty_rate_per_day_percent": None}, "penalty_cap_percent"),
        (TERMS | {"penalty_rate_per_day_percent": "0"}, "penalty_rate_per_day_percent"),
        (TERMS | {"penalty_rate_per_day_percent": "1.5"}, "penalty_rate_per_day_percent"),
        (TERMS | {"penalty_rate_per_day_percent": "0.00001"}, "penalty_rate_per_day_percent"),
        (TERMS | {"penalty_cap_percent": "0"}, "penalty_cap_percent"),
        (TERMS | {"penalty_cap_percent": "101"}, "penalty_cap_percent"),
        (TERMS | {"contract_date": "2026-12-02"}, "contract_date"),
        ({"contract_date": "2026-01-15"}, "contract_date"),
        (TERMS | {"contract_number": ""}, "contract_number"),
        (TERMS | {"penalty": "0.1"}, "penalty"),
    ):
        problem(await client.put(url, headers=lawyer.headers | _if_match(card), json=body), 422, field)
    same = (await client.get(f"/api/v1/clients/{card['id']}", headers=head.headers)).json()
    assert same == card

    problem(await client.put(url, headers=lawyer.headers | {"If-Match": '"99"'}, json=TERMS), 412)
    answer = await client.put(url, headers=lawyer.headers | _if_match(card), json=TERMS)
    assert answer.status_code == 200, answer.text
    terms = answer.json()
    assert answer.headers["etag"] == f'"{terms["version"]}"'
    assert terms["version"] > card["version"]
    assert (
        terms["contract_number"],
        terms["contract_date"],
        Decimal(terms["penalty_rate_per_day_percent"]),
        Decimal(terms["penalty_cap_percent"]),
    ) == ("17/2026", "2026-01-15", Decimal("0.1"), Decimal("0.5"))

    # A contract without a penalty; then a head clears everything.
    no_penalty = {"contract_number": "18/2026", "contract_date": "2026-02-01"}
    answer = await client.put(url, headers=head.headers | _if_match(terms), json=no_penalty)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["contract_number"], answer.json()["penalty_rate_per_day_percent"]) == (
        "18/2026",
        None,
    )
    cleared = await client.put(url, headers=head.headers | _if_match(answer.json()), json={})
    assert cleared.json()["contract_number"] is None, cleared.text

    history = (await client.get(f"/api/v1/clients/{card['id']}/history", headers=head.headers)).json()
    changes = [e for e in history["items"] if e["action"] == "contract_terms_set"]
    assert [e["after"]["contract_number"] for e in changes] == ["17/2026", "18/2026", None]
    assert changes[0]["before"]["penalty_rate_per_day_percent"] is None
    assert Decimal(changes[0]["after"]["penalty_rate_per_day_percent"]) == Decimal("0.1")


@pytest.mark.parametrize("contract", [True, False], ids=["contract", "key_rate"])
async def test_a_claim_charges_the_contracts_penalty_when_the_contract_sets_one(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, contract: bool
) -> None:
    """A part paid before the due date lowers the principal in both cases, as before."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    accountant = await make_user(Role.ACCOUNTANT, department="finance")
    card = await _card(client, head, assistant, "352888811" if contract else "352888822")
    client_id = card["id"]
    if contract:
        terms = await client.put(
            f"/api/v1/clients/{client_id}/contract-terms",
            headers=lawyer.headers | _if_match(card),
            json=TERMS,
        )
        assert terms.status_code == 200, terms.text
    glove = (await app.state.erp.search_products("Перчатки", 1))[0]
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": client_id,
            "lines": [{"product_id": glove.id, "price_category": "Розничная", "quantity": 40}],
        },
    )
    invoice = (
        await client.post(f"/api/v1/orders/{order.json()['id']}/invoice", headers=assistant.headers)
    ).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buh@olha.example.ru"})
    invoice = (await client.post(f"{url}/approve", headers=assistant.headers, json={})).json()
    assert invoice["due_on"] == "2026-12-08"
    await ship(job_ctx, invoice["order_id"], date(2026, 12, 1))
    total = Decimal(invoice["total"])
    prepaid = (total / 4).quantize(Decimal("0.01"))
    paid = {"client_id": client_id, "amount": str(prepaid), "paid_on": "2026-12-01"}
    assert (await client.post("/api/v1/payments", headers=accountant.headers, json=paid)).status_code == 201

    clock.set(datetime(2026, 12, 9, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 1
    cases = await client.get(
        "/api/v1/collection-cases", headers=head.headers, params={"client_id": client_id}
    )
    case_id = cases.json()["items"][0]["id"]
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
    until = date.fromisoformat(done.json()["wait_ends_on"])
    clock.set(datetime(until.year, until.month, until.day, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["case_steps"] == 1
    await confirm_key_rates(job_ctx)  # checked against the Bank of Russia
    assert await draft_claim_letter({"app": job_ctx}, case_id) == "drafted"

    drafted = (await client.get(case_url, headers=lawyer.headers)).json()
    assert drafted["claim_error"] is None
    view = drafted["claim_view"]
    owed = total - prepaid
    assert Decimal(view["debt"]) == owed

    # The figures are the calculator's for the same request: on what was owed at the due date.
    async with job_ctx.unit_of_work() as uow:
        timeline = await KeyRateService(uow).timeline()
    expected = calculate(
        Request(
            method=Method.CONTRACTUAL if contract else Method.KEY_RATE,
            principal=owed,
            due_date=date(2026, 12, 8),
            until=until,
            rate_per_day_percent=Decimal("0.1") if contract else None,
            cap_percent=Decimal("0.5") if contract else None,
        ),
        CAL,
        timeline,
    )
    assert expected.total > 0
    [row] = view["invoices"]
    assert Decimal(row["penalty"]) == Decimal(view["penalty"]) == expected.total
    assert Decimal(view["total"]) == owed + expected.total
    assert [
        (p["start"], p["end"], p["days"], Decimal(p["principal"]), Decimal(p["rate"]), p["days_in_year"])
        for p in view["periods"]
    ] == [
        (p.start.isoformat(), p.end.isoformat(), p.days, p.principal, p.rate_percent, p.days_in_year)
        for p in expected.periods
    ]
    assert [Decimal(p["amount"]) for p in view["periods"]] == [p.amount for p in expected.periods]
    assert view["periods"][0]["start"] == "2026-12-09"

    pdf = text_of((await client.get(f"{case_url}/claim.pdf", headers=lawyer.headers)).content)
    if contract:
        # The cap (0.5 % of the debt) is below 0.1 % a day over the delay: the penalty is the cap.
        assert expected.cap_amount == expected.total < expected.uncapped_total
        assert (row["capped"], Decimal(row["uncapped_penalty"])) == (True, expected.uncapped_total)
        assert view["basis"] == "contract"
        assert view["contract"] == "договора № 17/2026 от 15.01.2026"
        assert view["penalty_terms"] == {
            "contract_number": "17/2026",
            "contract_date": "2026-01-15",
            "rate_per_day_percent": "0.1",
            "cap_percent": "0.5",
        }
        assert "ст. 330" in drafted["claim_text"]
        assert "ст. 395" not in drafted["claim_text"]
        for expected_text in (
            "Неустойка по договору № 17/2026 от 15.01.2026 (0,1 % за каждый день просрочки, не более 0,5 %",
            "В рамках договора № 17/2026 от 15.01.2026",
            "ст. 330 Гражданского кодекса РФ",
            "Расчёт неустойки (ст. 330 ГК РФ)",
            "Итого неустойки",
        ):
            assert expected_text in pdf, expected_text
        assert "ст. 395" not in pdf
        assert "Проценты" not in pdf
    else:
        assert (view["basis"], view["contract"], view["penalty_terms"]) == ("key_rate", None, None)
        assert "capped" not in row
        assert "ст. 395" in drafted["claim_text"]
        for expected_text in ("Проценты по ст. 395 ГК РФ", "Расчёт процентов по ст. 395 ГК РФ"):
            assert expected_text in pdf, expected_text
        assert "Неустойка" not in pdf

    history = (await client.get(f"{case_url}/history", headers=head.headers, params={"limit": 100})).json()
    [drafted_event] = [e for e in history["items"] if e["action"] == "claim_drafted"]
    assert drafted_event["after"]["basis"] == ("contract" if contract else "key_rate")
