"""Credit terms before the first shipment: the request with its dossier, the lawyer's verdict,
the department head's recommendation and management's decision; approved terms become the
client's and go to 1C through the worker."""

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

DOSSIER_PDF = b"%PDF-1.4\n% the counterparty card\n%%EOF\n"


async def test_credit_terms_from_request_to_1c(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: Any
) -> None:
    head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
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
    # Each sees what they may do: the lawyer reviews, management may refuse at once, the head waits
    # for the verdict, the manager who asked does neither.
    assert request["allowed_actions"] == []
    url = f"/api/v1/credit-requests/{request['id']}"
    assert (await client.get(url, headers=lawyer.headers)).json()["allowed_actions"] == ["verdict"]
    assert (await client.get(url, headers=head.headers)).json()["allowed_actions"] == []
    assert (await client.get(url, headers=director.headers)).json()["allowed_actions"] == ["reject"]

    # Nobody approves before the lawyer has checked the counterparty; only a lawyer gives a verdict.
    problem(await client.post(f"{url}/approve", headers=director.headers, json={"comment": "ok"}), 409)
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
    assert verdict.json()["allowed_actions"] == ["verdict"]  # the lawyer may change the verdict
    assert (await client.get(url, headers=head.headers)).json()["allowed_actions"] == ["recommend"]
    problem(await client.post(f"{url}/approve", headers=manager.headers, json={"comment": "ok"}), 403)

    # The department head recommends; management decides, and the head cannot approve.
    recommend = {"recommendation": "approve", "comment": "Платит в срок, объём растёт"}
    problem(await client.post(f"{url}/recommend", headers=manager.headers, json=recommend), 403)
    problem(await client.post(f"{url}/recommend", headers=director.headers, json=recommend), 403)
    problem(await client.post(f"{url}/approve", headers=director.headers, json={"comment": "ok"}), 409)
    recommended = await client.post(f"{url}/recommend", headers=head.headers, json=recommend)
    assert recommended.status_code == 200, recommended.text
    assert (recommended.json()["status"], recommended.json()["recommendation"]) == ("recommended", "approve")
    assert recommended.json()["recommended_by_id"] == head.id
    assert recommended.json()["allowed_actions"] == ["recommend"]  # the head may change it
    decider = (await client.get(url, headers=director.headers)).json()["allowed_actions"]
    assert decider == ["approve", "reject"]
    said = problem(await client.post(f"{url}/approve", headers=head.headers, json={"comment": "ok"}), 403)
    assert "credit_terms:decide" in said["detail"]
    problem(await client.post(f"{url}/reject", headers=head.headers, json={"comment": "нет"}), 403)

    approved = await client.post(
        f"{url}/approve",
        headers=director.headers,
        json={"comment": "Согласовано", "effective_from": "2026-12-02"},
    )
    assert approved.status_code == 200, approved.text
    assert (approved.json()["status"], approved.json()["effective_from"]) == ("approved", "2026-12-02")
    assert approved.json()["decided_by_id"] == director.id
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
    assert any("Рекомендация по отсрочке" in t for t in titles)
    async with app.state.session_factory() as session:
        decide = (
            await session.scalars(select(Task).where(Task.title.startswith("Решение по отсрочке")))
        ).one()
    assert decide.assignee_id == director.id
    assert "рекомендует согласовать" in (decide.description or "")
    history = (await client.get(f"{url}/history", headers=head.headers)).json()["items"]
    assert [(e["action"], e["actor_id"]) for e in history] == [
        ("requested", manager.id),
        ("verdict", lawyer.id),
        ("recommend", head.id),
        ("approve", director.id),
        ("pushed_to_1c", None),
    ]
    assert history[2]["after"] == {"status": "recommended"} | recommend

    rejected = (await client.post("/api/v1/credit-requests", headers=manager.headers, json=ask)).json()
    refused = await client.post(
        f"/api/v1/credit-requests/{rejected['id']}/reject", headers=director.headers, json={"comment": "Рано"}
    )
    assert (refused.json()["status"], refused.json()["allowed_actions"]) == ("rejected", [])


async def test_nobody_recommends_or_decides_their_own_credit_request(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    other_head = await make_user(Role.HEAD)
    director = await make_user(Role.DIRECTOR)
    lawyer = await make_user(Role.LAWYER, department="administration")
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Вега»", "inn": inn10("352522244"), "kpp": "352501001"},
    )
    assert card.status_code == 201, card.text
    ask = {"client_id": card.json()["id"], "deferment_days": 20, "justification": "Крупный тендер"}

    async def reviewed(by: Any) -> str:
        made = await client.post("/api/v1/credit-requests", headers=by.headers, json=ask)
        assert made.status_code == 201, made.text
        url = f"/api/v1/credit-requests/{made.json()['id']}"
        verdict = {"verdict": "reliable", "comment": "Чисто"}
        assert (await client.post(f"{url}/verdict", headers=lawyer.headers, json=verdict)).status_code == 200
        return url

    recommend = {"recommendation": "refuse", "comment": "Рано"}
    # The head's own request: another head recommends it.
    url = await reviewed(head)
    own = problem(await client.post(f"{url}/recommend", headers=head.headers, json=recommend), 403)
    assert own["code"] == "own_request"
    assert (
        await client.post(f"{url}/recommend", headers=other_head.headers, json=recommend)
    ).status_code == 200
    # The director's own request: the director neither approves nor refuses it.
    url = await reviewed(director)
    assert (await client.post(f"{url}/recommend", headers=head.headers, json=recommend)).status_code == 200
    for action in ("approve", "reject"):
        said = problem(
            await client.post(f"{url}/{action}", headers=director.headers, json={"comment": "x"}), 403
        )
        assert said["code"] == "own_request"
    after = (await client.get(url, headers=director.headers)).json()
    assert (after["status"], after["decided_by_id"]) == ("recommended", None)


async def test_the_dossier_keeps_its_documents_with_the_request(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    """The manager adds the counterparty's card and the register extract to the request; the lawyer
    and the head read and download them; a file that is no document changes nothing."""
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    lawyer = await make_user(Role.LAWYER, department="administration")
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": "ООО «Досье»", "inn": inn10("352522255"), "kpp": "352501001", "manager_id": manager.id},
    )
    assert card.status_code == 201, card.text
    ask = {"client_id": card.json()["id"], "deferment_days": 14, "justification": "Постоянный клиент"}
    made = await client.post("/api/v1/credit-requests", headers=manager.headers, json=ask)
    url = f"/api/v1/credit-requests/{made.json()['id']}"
    version = made.json()["version"]

    def upload(kind: str, name: str, content: bytes) -> Any:
        return client.post(
            f"{url}/attachments",
            headers=manager.headers,
            data={"kind": kind},
            files={"file": (name, content, "application/pdf")},
        )

    problem(await upload("counterparty_card", "card.pdf", b"\x00\x01binary"), 422, "file")
    problem(await upload("passport", "card.pdf", DOSSIER_PDF), 422, "kind")
    problem(
        await client.post(
            f"{url}/attachments",
            headers=lawyer.headers,
            data={"kind": "other"},
            files={"file": ("x.pdf", DOSSIER_PDF, "application/pdf")},
        ),
        403,
    )
    assert (await client.get(f"{url}/attachments", headers=lawyer.headers)).json()["items"] == []

    first = await upload("counterparty_card", "Карточка контрагента.pdf", DOSSIER_PDF)
    assert first.status_code == 201, first.text
    assert (first.json()["filename"], first.json()["content_type"]) == (
        "Карточка контрагента.pdf",
        "application/pdf",
    )
    assert (await upload("registry_extract", "egrul.pdf", DOSSIER_PDF + b" ")).status_code == 201
    files = (await client.get(f"{url}/attachments", headers=lawyer.headers)).json()["items"]
    assert [f["kind"] for f in files] == ["counterparty_card", "registry_extract"]
    download = await client.get(f"{url}/attachments/{files[0]['id']}", headers=head.headers)
    assert (download.status_code, download.content) == (200, DOSSIER_PDF)
    problem(await client.get(f"{url}/attachments/{files[0]['id'] + 1000}", headers=head.headers), 404)
    # A document does not change the request the others are deciding on.
    assert (await client.get(url, headers=head.headers)).json()["version"] == version
    history = (await client.get(f"{url}/history", headers=head.headers)).json()["items"]
    assert [e["action"] for e in history].count("file_added") == 2
