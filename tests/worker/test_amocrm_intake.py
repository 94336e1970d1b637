"""amoCRM → order: the webhook as amoCRM sends it, stored and answered at once; the job reads the
lead through the API port and makes one order per lead, however often or concurrently it arrives."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import httpx
from sqlalchemy import func, select

from app.adapters.amocrm.stub import STATUS_NEW, STATUS_WON
from app.models.directory import Role
from app.models.orders import DeliveryStatus, Order, WebhookDelivery
from app.worker.context import JobContext
from app.worker.jobs import process_amocrm_delivery, sweep
from tests.conftest import AMOCRM_ACCOUNT as ACCOUNT
from tests.conftest import AMOCRM_SECRET as SECRET
from tests.conftest import RecordingQueue
from tests.support.helpers import problem

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _form(*leads: tuple[str, int, int], account: str = ACCOUNT) -> str:
    pairs: list[tuple[str, str]] = []
    counters: dict[str, int] = {}
    for action, lead_id, status_id in leads:
        i = counters.get(action, 0)
        counters[action] = i + 1
        pairs += [
            (f"leads[{action}][{i}][id]", str(lead_id)),
            (f"leads[{action}][{i}][status_id]", str(status_id)),
            (f"leads[{action}][{i}][pipeline_id]", "7001001"),
        ]
    pairs += [("account[id]", account), ("account[subdomain]", "example")]
    return urlencode(pairs)


async def _deliveries(job_ctx: JobContext) -> list[WebhookDelivery]:
    async with job_ctx.session_factory() as session:
        return list((await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id))).all())


async def _orders(job_ctx: JobContext) -> list[Order]:
    async with job_ctx.session_factory() as session:
        return list((await session.scalars(select(Order).order_by(Order.id))).all())


async def test_refused_deliveries_are_kept_as_rejected(
    client: httpx.AsyncClient, job_ctx: JobContext
) -> None:
    body = _form(("add", 31_000_101, STATUS_NEW))
    problem(await client.post("/webhooks/amocrm/wrong-secret", content=body, headers=FORM), 403)
    problem(
        await client.post(
            f"/webhooks/amocrm/{SECRET}", content=_form(("add", 1, 1), account="666"), headers=FORM
        ),
        403,
    )
    problem(
        await client.post(
            f"/webhooks/amocrm/{SECRET}", content=body, headers={"Content-Type": "application/json"}
        ),
        415,
    )
    malformed = await client.post(f"/webhooks/amocrm/{SECRET}", content="leads[add][0][id]=abc", headers=FORM)
    problem(malformed, 422, "body")
    nul = await client.post(f"/webhooks/amocrm/{SECRET}", content="leads[add][0][id]=\x00", headers=FORM)
    problem(nul, 422, "body")
    deliveries = await _deliveries(job_ctx)
    assert [d.status for d in deliveries] == [DeliveryStatus.REJECTED] * 5
    assert "secret" in (deliveries[0].reason or "")
    assert "666" in (deliveries[1].reason or "")
    assert await _orders(job_ctx) == []


async def test_a_new_lead_becomes_an_order_once(
    client: httpx.AsyncClient, job_ctx: JobContext, queue: RecordingQueue, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Северный металл»",
            "inn": "7801234564",
            "kpp": "780101001",
            "manager_id": manager.id,
        },
    )
    assert card.status_code == 201, card.text

    body = _form(
        ("add", 31_000_101, STATUS_NEW), ("status", 31_000_103, STATUS_WON), ("update", 31_000_102, 1)
    )
    response = await client.post(f"/webhooks/amocrm/{SECRET}", content=body, headers=FORM)
    assert response.status_code == 200, response.text
    delivery_id = response.json()["delivery_id"]
    assert [(f, a) for f, a, _ in queue.jobs] == [("process_amocrm_delivery", (delivery_id,))]

    assert await process_amocrm_delivery({"app": job_ctx}, delivery_id) == "processed"
    assert await process_amocrm_delivery({"app": job_ctx}, delivery_id) == "skipped"
    orders = await _orders(job_ctx)
    # The new lead and the lead moved to "won"; the plain update makes none.
    assert sorted(o.external_id for o in orders) == ["31000101", "31000103"]
    first = next(o for o in orders if o.external_id == "31000101")
    assert first.client_id == card.json()["id"]
    assert first.manager_id == manager.id
    assert first.channel == "amocrm"
    assert "Ковалёв Андрей Петрович" in (first.raw_text or "")
    assert first.status == "needs_clarification"  # amoCRM carries no lines: the manager is asked

    # amoCRM repeats the delivery: a new raw row, but no new order.
    again = await client.post(f"/webhooks/amocrm/{SECRET}", content=body, headers=FORM)
    assert await process_amocrm_delivery({"app": job_ctx}, again.json()["delivery_id"]) == "processed"
    assert len(await _orders(job_ctx)) == 2


async def test_a_burst_of_identical_deliveries_makes_one_order(
    client: httpx.AsyncClient, job_ctx: JobContext
) -> None:
    body = _form(("add", 31_000_102, STATUS_NEW))
    responses = await asyncio.gather(
        *[client.post(f"/webhooks/amocrm/{SECRET}", content=body, headers=FORM) for _ in range(20)]
    )
    assert {r.status_code for r in responses} == {200}
    ids = [r.json()["delivery_id"] for r in responses]
    results = await asyncio.gather(*[process_amocrm_delivery({"app": job_ctx}, i) for i in ids])
    assert set(results) == {"processed"}
    async with job_ctx.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Order)) == 1
    assert {d.status for d in await _deliveries(job_ctx)} == {DeliveryStatus.PROCESSED}


async def test_amocrm_down_is_retried_by_the_sweep(client: httpx.AsyncClient, job_ctx: JobContext) -> None:
    from datetime import timedelta

    from app.core.clock import FixedClock
    from app.services.kernel.ports import CrmError

    class DownCrm:
        async def get_lead(self, lead_id: int) -> Any:
            raise CrmError("503 Service Unavailable", status=503)

    working = job_ctx.crm
    job_ctx.crm = DownCrm()  # type: ignore[assignment]
    response = await client.post(
        f"/webhooks/amocrm/{SECRET}", content=_form(("add", 31_000_101, 1)), headers=FORM
    )
    delivery_id = response.json()["delivery_id"]
    assert await process_amocrm_delivery({"app": job_ctx}, delivery_id) == "retry"
    assert (await _deliveries(job_ctx))[0].status == DeliveryStatus.RECEIVED
    job_ctx.crm = working
    assert isinstance(job_ctx.clock, FixedClock)
    job_ctx.clock.advance(timedelta(minutes=3))
    job_queue = job_ctx.queue
    assert isinstance(job_queue, RecordingQueue)
    await sweep({"app": job_ctx})
    assert any(f == "process_amocrm_delivery" for f, _, _ in job_queue.jobs)
    assert await process_amocrm_delivery({"app": job_ctx}, delivery_id) == "processed"
    assert len(await _orders(job_ctx)) == 1


async def test_a_company_seen_first_gets_a_client_card(
    client: httpx.AsyncClient, job_ctx: JobContext, make_user: Any
) -> None:
    from sqlalchemy.orm import selectinload

    from app.models.clients import Client
    from app.models.tasks import Task

    manager = await make_user(Role.MANAGER)
    head = await make_user(Role.HEAD)
    job_ctx.settings.amocrm.responsible_users = {8_100_001: manager.email.upper()}
    # 31000101: a company card with INN and KPP, owned in amoCRM by a mapped user;
    # 31000102: an organisation's INN without its KPP, owned by an unmapped user.
    body = _form(("add", 31_000_101, STATUS_NEW), ("add", 31_000_102, STATUS_NEW))
    response = await client.post(f"/webhooks/amocrm/{SECRET}", content=body, headers=FORM)
    assert await process_amocrm_delivery({"app": job_ctx}, response.json()["delivery_id"]) == "processed"

    async with job_ctx.session_factory() as session:
        cards = list((await session.scalars(select(Client).options(selectinload(Client.contacts)))).all())
        assert len(cards) == 1
        card = cards[0]
        assert (card.name, card.inn, card.kpp) == ("ООО «Северный металл»", "7801234564", "780101001")
        assert (card.amocrm_id, card.manager_id) == ("52000301", manager.id)
        contacts = card.contacts
        assert [(c.name, c.phones, c.emails) for c in contacts] == [
            ("Ковалёв Андрей Петрович", ["+79215550123"], ["snab@severmetall.example"])
        ]
        tasks = {t.subject_id: t for t in (await session.scalars(select(Task))).all()}
    orders = {o.external_id: o for o in await _orders(job_ctx)}
    first, second = orders["31000101"], orders["31000102"]
    assert (first.client_id, first.manager_id) == (card.id, manager.id)
    assert "client" not in first.problems["order"]
    # No card can be made without the KPP; nobody owns the lead here, so a head is asked.
    assert second.client_id is None
    assert "client" in second.problems["order"]
    assert (second.manager_id, second.taken_by_id) == (None, head.id)
    assert tasks[first.id].assignee_id == manager.id
    assert tasks[second.id].assignee_id == head.id

    # Another lead of the same company finds the card by its amoCRM id, not a second card.
    from app.adapters.amocrm.stub import StubCrm, demo_leads

    assert isinstance(job_ctx.crm, StubCrm)
    job_ctx.crm.put_lead(replace(demo_leads()[0], id=31_000_999, custom_fields={}))
    response = await client.post(
        f"/webhooks/amocrm/{SECRET}", content=_form(("add", 31_000_999, STATUS_NEW)), headers=FORM
    )
    assert await process_amocrm_delivery({"app": job_ctx}, response.json()["delivery_id"]) == "processed"
    async with job_ctx.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(Client)) == 1
    assert {o.external_id: o.client_id for o in await _orders(job_ctx)}["31000999"] == card.id


async def test_a_lead_with_invisible_characters_still_makes_its_order_and_card(
    client: httpx.AsyncClient, job_ctx: JobContext, make_user: Any
) -> None:
    """The API refuses text with text-direction controls or invisible characters; from amoCRM,
    where nobody could be told, they are dropped, and the order and the card are made."""
    from app.adapters.amocrm.stub import StubCrm, demo_leads
    from app.models.clients import Client

    await make_user(Role.HEAD)
    assert isinstance(job_ctx.crm, StubCrm)
    lead = demo_leads()[0]
    assert lead.company is not None
    company = replace(lead.company, name="ООО «Северный\u200b металл»\u202e")
    job_ctx.crm.put_lead(replace(lead, id=31_000_777, name="Спецовка\ufeff на 40 человек", company=company))
    response = await client.post(
        f"/webhooks/amocrm/{SECRET}", content=_form(("add", 31_000_777, STATUS_NEW)), headers=FORM
    )
    assert await process_amocrm_delivery({"app": job_ctx}, response.json()["delivery_id"]) == "processed"
    [order] = await _orders(job_ctx)
    assert "Спецовка на 40 человек" in (order.raw_text or "")
    assert "ООО «Северный металл»" in (order.raw_text or "")
    async with job_ctx.session_factory() as session:
        [card] = list((await session.scalars(select(Client))).all())
    assert card.name == "ООО «Северный металл»"
    assert order.client_id == card.id
