"""Credit terms before the first shipment: the request with its dossier, the lawyer's verdict,
a head's decision; approved terms become the client's and go to 1C through the worker."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.tasks import Task
from app.services.seed import inn10
from app.worker.jobs import push_credit_terms, sweep
from tests.support.helpers import problem


async def test_credit_terms_from_request_to_1c(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any
) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    lawyer = await make_user(Role.LAWYER, department="administration")
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "АО «Северсталь-Монтаж»",
            "inn": inn10("352522233"),
            "kpp": "352501001",
            "manager_id": manager.id,
            "headcount": 340,
            "potential": "high",
            "purchase_frequency": "monthly",
        },
    )
    client_id = card.json()["id"]
    ask = {
        "client_id": client_id,
        "deferment_days": 30,
        "credit_limit": "750000.00",
        "discount_percent": "3",
        "justification": "Три года закупок без просрочек, объём растёт",
    }
    problem(
        await client.post(
            "/api/v1/credit-requests", headers=manager.headers, json=ask | {"deferment_days": 0}
        ),
        422,
        "deferment_days",
    )
    created = await client.post("/api/v1/credit-requests", headers=manager.headers, json=ask)
    assert created.status_code == 201, created.text
    request = created.json()
    assert (request["status"], request["headcount"], request["potential"]) == ("requested", 340, "high")
    # Each sees what they may do: the lawyer reviews, a head refuses, the manager who asked neither.
    assert request["allowed_actions"] == []
    url = f"/api/v1/credit-requests/{request['id']}"
    assert (await client.get(url, headers=lawyer.headers)).json()["allowed_actions"] == ["verdict"]
    assert (await client.get(url, headers=head.headers)).json()["allowed_actions"] == ["reject"]

    # Nobody approves before the lawyer has checked the counterparty; only a lawyer gives a verdict.
    problem(await client.post(f"{url}/approve", headers=head.headers, json={"comment": "ok"}), 409)
    problem(
        await client.post(
            f"{url}/verdict", headers=manager.headers, json={"verdict": "reliable", "comment": "x"}
        ),
        403,
    )
    verdict = await client.post(
        f"{url}/verdict",
        headers=lawyer.headers,
        json={"verdict": "reliable", "comment": "Судов и долгов нет"},
    )
    assert verdict.json()["status"] == "reviewed", verdict.text
    problem(await client.post(f"{url}/approve", headers=manager.headers, json={"comment": "ok"}), 403)

    approved = await client.post(
        f"{url}/approve",
        headers=head.headers,
        json={"comment": "Согласовано", "effective_from": "2026-12-02"},
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["effective_from"]) == ("approved", "2026-12-02")
    terms = (await client.get(f"/api/v1/clients/{client_id}", headers=head.headers)).json()
    assert (terms["deferment_days"], Decimal(terms["credit_limit"]), Decimal(terms["discount_percent"])) == (
        30,
        Decimal(750000),
        Decimal(3),
    )
    assert terms["terms_from"] == "2026-12-02"

    # Written to the 1C counterparty by the worker, once.
    assert ("push_credit_terms", (request["id"],)) in [(f, a) for f, a, _ in queue.jobs]
    assert await push_credit_terms({"app": job_ctx}, request["id"]) == "pushed"
    assert await push_credit_terms({"app": job_ctx}, request["id"]) == "skipped"
    pushed = job_ctx.erp.credit_terms(terms["inn"])
    assert (pushed.deferment_days, pushed.credit_limit, pushed.discount_percent) == (
        30,
        Decimal(750000),
        Decimal(3),
    )
    assert (await sweep({"app": job_ctx}))["enqueued"] == 0

    async with app.state.session_factory() as session:
        titles = [
            t.title for t in (await session.scalars(select(Task).where(Task.subject_id == client_id))).all()
        ]
    assert any("Проверить надёжность" in t for t in titles)
    assert any("Решение по отсрочке" in t for t in titles)
    history = (await client.get(f"{url}/history", headers=head.headers)).json()["items"]
    assert [e["action"] for e in history] == ["requested", "verdict", "approve", "pushed_to_1c"]

    rejected = (await client.post("/api/v1/credit-requests", headers=manager.headers, json=ask)).json()
    refused = await client.post(
        f"/api/v1/credit-requests/{rejected['id']}/reject", headers=head.headers, json={"comment": "Рано"}
    )
    assert (refused.json()["status"], refused.json()["allowed_actions"]) == ("rejected", [])
