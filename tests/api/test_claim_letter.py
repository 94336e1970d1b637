"""The claim letter as the client's director reads it: addressed to the director by position and name
(in the dative) when the client card has one, the rate printed as «14 %»; and a key rate the table
still marks unconfirmed is never printed silently: the letter is held with a task for the lawyer
naming the rows, or confirmed first when the Bank of Russia's service can be asked."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from app.adapters.cbr import CbrKeyRates
from app.core.config import KeyRateSettings
from app.models.directory import Role
from app.models.rates import RateStatus
from app.services.receivables.rates import KeyRateService
from app.services.seed import inn10
from app.worker.context import JobContext
from app.worker.jobs import draft_claim_letter, sweep
from tests.adapters.cbr_server import PATH, FakeCbr
from tests.adapters.servers import LoopbackServer
from tests.support.pdf import pdf_text
from tests.support.rates import confirm_key_rates
from tests.support.receivables import ship

DIRECTOR = {
    "name": "Корнилова Анна Сергеевна",
    "position": "Генеральный директор",
    "level": "director",
    "phones": ["+79115550101"],
}


def text_of(pdf: bytes) -> str:
    return " ".join(pdf_text(pdf).split())


async def _case_awaiting_the_claim(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, *, inn: str, director: bool
) -> tuple[str, Any, Any]:
    """A client that did not pay, walked to the day the claim is to be drafted (as the regulation goes:
    no guarantee letter, the director called, the wait over)."""
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    lawyer = await make_user(Role.LAWYER, department="administration")
    body: dict[str, Any] = {
        "name": "ООО «Ольха»",
        "inn": inn10(inn),
        "kpp": "352801001",
        "assistant_id": assistant.id,
        "contacts": [{"name": "Петров Игорь", "level": "buyer", "emails": ["zakup@olha.example.ru"]}]
        + ([DIRECTOR] if director else []),
    }
    card = await client.post("/api/v1/clients", headers=head.headers, json=body)
    assert card.status_code == 201, card.text
    client_id = card.json()["id"]
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
    await ship(job_ctx, invoice["order_id"], date.fromisoformat(invoice["issued_on"]))
    overdue = date.fromisoformat(invoice["due_on"]) + timedelta(days=1)
    clock.set(datetime(overdue.year, overdue.month, overdue.day, 7, 0, tzinfo=UTC))
    assert (await sweep({"app": job_ctx}))["cases_opened"] == 1
    cases = await client.get(
        "/api/v1/collection-cases", headers=head.headers, params={"client_id": client_id}
    )
    case_url = f"/api/v1/collection-cases/{cases.json()['items'][0]['id']}"
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
    return case_url, lawyer, head


async def _open_tasks(client: httpx.AsyncClient, user: Any) -> list[dict[str, Any]]:
    tasks = await client.get("/api/v1/tasks", headers=user.headers, params={"limit": 100})
    assert tasks.status_code == 200, tasks.text
    return [t for t in tasks.json()["items"] if t["status"] in ("open", "in_progress")]


@pytest.mark.parametrize("director", [True, False], ids=["director", "no_director"])
async def test_the_claim_is_held_while_its_key_rate_is_unconfirmed_and_then_addressed_to_the_director(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, director: bool
) -> None:
    case_url, lawyer, _ = await _case_awaiting_the_claim(
        client,
        app,
        make_user,
        job_ctx,
        clock,
        inn="352877711" if director else "352877722",
        director=director,
    )
    # The packaged table marks 14.00 % from 27.07.2026 unconfirmed, and the stub cannot confirm it.
    assert await draft_claim_letter({"app": job_ctx}, int(case_url.rsplit("/", 1)[1])) == "held"
    held = (await client.get(case_url, headers=lawyer.headers)).json()
    assert held["claim_view"] is None
    assert held["claim_error"] == "ключевая ставка не подтверждена Банком России: с 27.07.2026 — 14 %"
    [task] = [t for t in await _open_tasks(client, lawyer) if "ключевую ставку" in t["title"]]
    assert task["title"] == "Подтвердить ключевую ставку для претензии «ООО «Ольха»»"
    assert "с 27.07.2026 — 14 %" in task["description"]
    # The sweep's next attempt holds it again, without a second task.
    assert await draft_claim_letter({"app": job_ctx}, int(case_url.rsplit("/", 1)[1])) == "held"
    assert len([t for t in await _open_tasks(client, lawyer) if "ключевую ставку" in t["title"]]) == 1

    await confirm_key_rates(job_ctx)
    assert await draft_claim_letter({"app": job_ctx}, int(case_url.rsplit("/", 1)[1])) == "drafted"
    drafted = (await client.get(case_url, headers=lawyer.headers)).json()
    assert drafted["claim_error"] is None
    assert not [t for t in await _open_tasks(client, lawyer) if "ключевую ставку" in t["title"]]
    assert {p["rate"] for p in drafted["claim_view"]["periods"]} == {"14.00"}

    pdf = text_of((await client.get(f"{case_url}/claim.pdf", headers=lawyer.headers)).content)
    assert "14 %" in pdf
    assert "14.00" not in pdf
    if director:
        assert "Генеральному директору ООО «Ольха» Корниловой Анне Сергеевне" in pdf
        assert "Руководителю" not in pdf
    else:
        assert "Руководителю ООО «Ольха»" in pdf


@pytest.fixture(scope="module")
def cbr_server() -> Iterator[tuple[FakeCbr, str]]:
    fake = FakeCbr()
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url + PATH


async def test_an_unconfirmed_key_rate_is_confirmed_by_the_bank_of_russia_before_the_claim(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: JobContext,
    clock: Any,
    cbr_server: tuple[FakeCbr, str],
) -> None:
    fake, url = cbr_server
    fake.reset([(date(2026, 3, 23), Decimal("15.00")), (date(2026, 7, 27), Decimal("14.00"))])
    rates = KeyRateSettings(adapter="cbr", url=url, max_retries=0)
    source = CbrKeyRates(rates, backoff_seconds=0.01)
    ctx = dataclasses.replace(
        job_ctx, settings=job_ctx.settings.model_copy(update={"rates": rates}), key_rates=source
    )
    try:
        case_url, lawyer, _ = await _case_awaiting_the_claim(
            client, app, make_user, ctx, clock, inn="352877733", director=True
        )
        assert await draft_claim_letter({"app": ctx}, int(case_url.rsplit("/", 1)[1])) == "drafted"
    finally:
        await source.aclose()
    # The refresh reached back to the oldest unconfirmed row, past its usual look-back.
    assert min(call.start for call in fake.calls) <= date(2026, 3, 23)
    async with ctx.unit_of_work() as uow:
        [row] = [r for r in await KeyRateService(uow).rows() if r.effective_from == date(2026, 7, 27)]
    assert row.status == RateStatus.CONFIRMED
    drafted = (await client.get(case_url, headers=lawyer.headers)).json()
    assert drafted["claim_error"] is None
    assert not [t for t in await _open_tasks(client, lawyer) if "ключевую ставку" in t["title"]]
