"""The morning check on the business calendar and for every order: an arrival marked on a Monday is
dated Friday, a keeper's «picked» after the working day makes the call due the next working day, and
an order whose client has no assistant is on the sheet of whoever took it, else of its manager."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import httpx
from sqlalchemy import select, update

from app.core.calendar import MOSCOW
from app.models.directory import Role
from app.models.orders import Order
from app.models.tasks import Task
from app.services.seed import inn10
from app.worker.jobs import sweep

FRI, MON, TUE = date(2026, 12, 4), date(2026, 12, 7), date(2026, 12, 8)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MOSCOW)


async def _card(client: httpx.AsyncClient, head: Any, inn: str, **people: int) -> int:
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={"name": f"ООО «Склад {inn}»", "inn": inn10(inn), "kpp": "352501001"} | people,
    )
    assert card.status_code == 201, card.text
    card_id: int = card.json()["id"]
    return card_id


async def _at_warehouse(
    client: httpx.AsyncClient, who: dict[str, str], client_id: int, lines: list[dict[str, Any]]
) -> int:
    """An order invoiced, approved, reserved or procured and sent to the warehouse."""
    order = await client.post(
        "/api/v1/orders", headers=who, json={"channel": "phone", "client_id": client_id, "lines": lines}
    )
    assert order.json()["status"] == "accepted", order.text
    order_id: int = order.json()["id"]
    invoice = (await client.post(f"/api/v1/orders/{order_id}/invoice", headers=who)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=who, json={"email": "buyer@client.example.ru"})
    approved = await client.post(f"{url}/approve", headers=who, json={})
    assert approved.json()["status"] == "approved", approved.text
    await client.post(f"/api/v1/orders/{order_id}/fulfil", headers=who)
    sent = await client.post(f"/api/v1/orders/{order_id}/send-to-warehouse", headers=who)
    assert sent.json()["status"] == "sent_to_warehouse", sent.text
    return order_id


async def _stock(app: Any) -> tuple[list[Any], Any]:
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = [p for p in products if p.stock >= 5 and p.height]
    missing = next(p for p in products if p.stock == 0 and p.height)
    return in_stock, missing


async def _sheet(client: httpx.AsyncClient, who: Any, day: date) -> dict[str, Any]:
    (sheet,) = (
        await client.get("/api/v1/warehouse-checks", headers=who.headers, params={"day": day.isoformat()})
    ).json()["items"]
    return dict(sheet)


async def _tell_manager_due(job_ctx: Any, order_id: int) -> datetime:
    async with job_ctx.session_factory() as session:
        due = await session.scalar(
            select(Task.due_at).where(Task.subject_id == order_id, Task.title.like("Сообщить менеджеру%"))
        )
    assert due is not None
    return due


async def test_a_monday_check_dates_yesterdays_arrivals_on_friday(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    clock.set(at(FRI, 10))
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    supply = await make_user(Role.SUPPLY, department="supply")
    in_stock, missing = await _stock(app)
    card = await _card(client, head, "352510021", assistant_id=assistant.id)
    order_id = await _at_warehouse(
        client,
        assistant.headers,
        card,
        [
            {"product_id": in_stock[0].id, "price_category": "Оптовая", "quantity": 2},
            {"product_id": missing.id, "price_category": "Оптовая", "quantity": 3},
        ],
    )
    accepted = await client.post(f"/api/v1/orders/{order_id}/warehouse-accepted", headers=keeper.headers)
    assert accepted.json()["status"] == "waiting_for_supply", accepted.text

    # Monday's check: the procured position arrived «yesterday», which was Sunday: dated Friday.
    clock.set(at(MON, 8, 30))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 1
    sheet = await _sheet(client, keeper, MON)
    items = {i["position"]: i["id"] for i in sheet["items"]}
    clock.set(at(MON, 8, 50))
    marked = await client.post(
        f"/api/v1/warehouse-checks/{sheet['id']}/marks",
        headers=keeper.headers,
        json={
            "marks": [
                {"item_id": items[1], "mark": "set_aside_warehouse"},
                {"item_id": items[2], "mark": "arrived"},
            ]
        },
    )
    assert marked.json()["picked_order_ids"] == [order_id], marked.text
    (requisition,) = (
        await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": order_id})
    ).json()["items"]
    assert (requisition["status"], requisition["arrived_on"]) == ("arrived", FRI.isoformat())
    # Picked in the morning: the manager is told by the end of this working day.
    assert await _tell_manager_due(job_ctx, order_id) == at(MON, 18)


async def test_a_picked_report_after_the_working_day_is_due_the_next_working_day(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    clock.set(at(FRI, 8))
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    in_stock, _ = await _stock(app)
    card = await _card(client, head, "352510022", assistant_id=assistant.id)
    line = {"product_id": in_stock[0].id, "price_category": "Оптовая", "quantity": 1}
    early = await _at_warehouse(client, assistant.headers, card, [line])
    late = await _at_warehouse(client, assistant.headers, card, [line])

    clock.set(at(FRI, 8, 30))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 1
    url = f"/api/v1/warehouse-checks/{(await _sheet(client, keeper, FRI))['id']}"
    clock.set(at(FRI, 14))
    assert (await client.post(f"{url}/picked", headers=keeper.headers, json={"order_id": early})).is_success
    assert await _tell_manager_due(job_ctx, early) == at(FRI, 18)
    # Reported at 19:00 on Friday: the working day is over; the call is due at the end of Monday.
    clock.set(at(FRI, 19))
    picked = await client.post(f"{url}/picked", headers=keeper.headers, json={"order_id": late})
    assert picked.json()["picked_order_ids"] == [early, late], picked.text
    assert await _tell_manager_due(job_ctx, late) == at(MON, 18)


async def test_an_order_without_an_assistant_is_on_the_sheet_of_who_took_it_or_its_manager(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    clock.set(at(MON, 10))
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER)
    assistant = await make_user(Role.ASSISTANT)
    await make_user(Role.WAREHOUSE, department="warehouse")
    in_stock, _ = await _stock(app)
    line = {"product_id": in_stock[0].id, "price_category": "Оптовая", "quantity": 1}
    assisted = await _card(client, head, "352510023", assistant_id=assistant.id, manager_id=manager.id)
    unassisted = await _card(client, head, "352510024", manager_id=manager.id)
    own = await _at_warehouse(client, assistant.headers, assisted, [line])
    taken = await _at_warehouse(client, head.headers, unassisted, [line])
    # An order nobody took in the service (as one from amoCRM may be): its manager checks it.
    nobody = await _at_warehouse(client, head.headers, unassisted, [line])
    async with job_ctx.session_factory() as session:
        await session.execute(update(Order).where(Order.id == nobody).values(taken_by_id=None))
        await session.commit()

    clock.set(at(TUE, 8, 30))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 3
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 0
    sheets = (
        await client.get("/api/v1/warehouse-checks", headers=head.headers, params={"day": TUE.isoformat()})
    ).json()["items"]
    on_sheets = {s["assistant_id"]: sorted({i["order_id"] for i in s["items"]}) for s in sheets}
    assert on_sheets == {assistant.id: [own], head.id: [taken], manager.id: [nobody]}
    # The manager reads their own sheet as an assistant reads theirs.
    assert (await _sheet(client, manager, TUE))["assistant_id"] == manager.id
