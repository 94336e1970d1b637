"""The working day's rules apart from the week: no sheets and no report reminders on a day off, the
assistant's keeper kept from sheet to sheet, who may read and answer what."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from app.core.calendar import MOSCOW
from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.services.seed import inn10
from app.worker.jobs import sweep
from tests.support.helpers import problem

FRI, SAT, MON = date(2026, 12, 4), date(2026, 12, 5), date(2026, 12, 7)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MOSCOW)


async def _order_at_warehouse(client: httpx.AsyncClient, app: Any, head: Any, assistant: Any) -> int:
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = next(p for p in products if p.stock >= 5 and p.height)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "ООО «Кирилловский лесхоз»",
            "inn": inn10("352510012"),
            "kpp": "352501001",
            "assistant_id": assistant.id,
        },
    )
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={
            "channel": "phone",
            "client_id": card.json()["id"],
            "lines": [{"product_id": in_stock.id, "price_category": "Оптовая", "quantity": 2}],
        },
    )
    order_id: int = order.json()["id"]
    invoice = (await client.post(f"/api/v1/orders/{order_id}/invoice", headers=assistant.headers)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=assistant.headers, json={"email": "buyer@client.example.ru"})
    await client.post(f"{url}/approve", headers=assistant.headers, json={})
    await client.post(f"/api/v1/orders/{order_id}/fulfil", headers=assistant.headers)
    sent = await client.post(f"/api/v1/orders/{order_id}/send-to-warehouse", headers=assistant.headers)
    assert sent.json()["status"] == "sent_to_warehouse", sent.text
    return order_id


async def test_no_sheet_and_no_reminder_on_a_day_off_and_the_keeper_is_kept(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any
) -> None:
    clock.set(at(FRI, 11))
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    first_keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    own_keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    await _order_at_warehouse(client, app, head, assistant)

    # Friday after noon: too late for a morning sheet; the end of the day reminds of the report.
    clock.set(at(FRI, 18, 30))
    result = await sweep({"app": job_ctx})
    assert (result["check_sheets"], result["report_reminders"]) == (0, 1)
    # Saturday is a day off: nothing, even with an order at the warehouse.
    for hh, mm in ((8, 45), (9, 30), (18, 30)):
        clock.set(at(SAT, hh, mm))
        result = await sweep({"app": job_ctx})
        assert (result["check_sheets"], result["check_reminders"], result["report_reminders"]) == (0, 0, 0)

    clock.set(at(MON, 8, 45))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 1
    (sheet,) = (await client.get("/api/v1/warehouse-checks", headers=assistant.headers)).json()["items"]
    assert sheet["keeper_id"] == first_keeper.id
    url = f"/api/v1/warehouse-checks/{sheet['id']}"
    # Another assistant neither lists nor opens it; the warehouse and the heads see every sheet.
    other = await make_user(Role.ASSISTANT)
    assert (await client.get("/api/v1/warehouse-checks", headers=other.headers)).json()["items"] == []
    problem(await client.get(url, headers=other.headers), 404)
    problem(await client.post(f"{url}/start", headers=other.headers), 404)
    assert (await client.get(url, headers=own_keeper.headers)).status_code == 200
    assert (await client.get(url, headers=head.headers)).status_code == 200
    problem(
        await client.post(f"{url}/keeper", headers=assistant.headers, json={"keeper_id": head.id}),
        422,
        "keeper_id",
    )
    assert (await client.get(url, headers=assistant.headers)).json()["keeper_id"] == first_keeper.id
    changed = await client.post(f"{url}/keeper", headers=assistant.headers, json={"keeper_id": own_keeper.id})
    assert changed.json()["keeper_id"] == own_keeper.id
    started = await client.post(f"{url}/start", headers=assistant.headers)
    assert started.json()["status"] == "started"
    problem(await client.post(f"{url}/start", headers=assistant.headers), 409)
    clock.set(at(MON, 9, 5))
    assert (await sweep({"app": job_ctx}))["check_reminders"] == 0  # started in time
    history = (await client.get(f"{url}/history", headers=assistant.headers)).json()["items"]
    assert [e["action"] for e in history] == ["created", "keeper_set", "start"]

    # The next working day's sheet goes to the keeper the assistant works with.
    clock.set(at(date(2026, 12, 8), 8, 31))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 1
    sheets = (
        await client.get("/api/v1/warehouse-checks", headers=assistant.headers, params={"day": "2026-12-08"})
    ).json()["items"]
    assert [s["keeper_id"] for s in sheets] == [own_keeper.id]


async def test_who_reads_and_answers_reports_and_statistics(
    client: httpx.AsyncClient, make_user: Any, clock: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    other = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)
    other_manager = await make_user(Role.MANAGER)
    head = await make_user(Role.HEAD)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    submitted = await client.post(
        "/api/v1/daily-reports",
        headers=assistant.headers,
        json={"day": "2026-12-01", "manager_id": manager.id, "text": "День"},
    )
    assert submitted.status_code == 201, submitted.text
    report = submitted.json()
    url = f"/api/v1/daily-reports/{report['id']}"
    assert report["allowed_actions"] == []  # the author does not answer their own report
    assert (await client.get(url, headers=manager.headers)).json()["allowed_actions"] == ["feedback"]

    # Another assistant neither sees the report nor compiles someone else's day.
    problem(await client.get(url, headers=other.headers), 404)
    assert (await client.get("/api/v1/daily-reports", headers=other.headers)).json()["items"] == []
    problem(
        await client.get(
            "/api/v1/daily-reports/figures",
            headers=other.headers,
            params={"day": "2026-12-01", "employee_id": assistant.id},
        ),
        403,
    )
    problem(
        await client.get(
            "/api/v1/daily-reports/figures", headers=other.headers, params={"day": "1999-12-31"}
        ),
        422,
        "day",
    )
    # Only the manager it was sent to (or a head) answers it.
    problem(
        await client.post(f"{url}/feedback", headers=other_manager.headers, json={"feedback": "Не мой"}), 403
    )
    problem(
        await client.post(f"{url}/feedback", headers=manager.headers, json={"feedback": ""}), 422, "feedback"
    )
    assert (await client.get(url, headers=manager.headers)).json()["status"] == "submitted"
    answered = await client.post(f"{url}/feedback", headers=head.headers, json={"feedback": "Принято"})
    assert answered.json()["status"] == "reviewed"

    # The keeper works the check sheets, not the reports or the statistics.
    problem(
        await client.post(
            "/api/v1/daily-reports",
            headers=keeper.headers,
            json={"day": "2026-12-01", "manager_id": manager.id},
        ),
        403,
    )
    problem(
        await client.get(
            "/api/v1/statistics",
            headers=keeper.headers,
            params={"date_from": "2026-12-01", "date_to": "2026-12-01"},
        ),
        403,
    )
    assert (await client.get("/api/v1/warehouse-checks", headers=keeper.headers)).status_code == 200
    bad = {
        "date_from": "2026-12-01",
        "date_to": "2026-12-01",
        "employee_id": assistant.id,
        "department_id": 1,
    }
    problem(await client.get("/api/v1/statistics", headers=head.headers, params=bad), 422, "department_id")
    problem(
        await client.get(
            "/api/v1/statistics",
            headers=head.headers,
            params={"date_from": "1999-01-01", "date_to": "1999-01-02"},
        ),
        422,
        "date_from",
    )
    problem(
        await client.get(
            "/api/v1/statistics",
            headers=assistant.headers,
            params={"date_from": "2026-12-01", "date_to": "2026-12-01", "employee_id": other.id},
        ),
        403,
    )


@pytest.mark.parametrize(
    "path", ["/api/v1/warehouse-checks", "/api/v1/daily-reports", "/api/v1/statistics/pdf"]
)
async def test_a_driver_sees_none_of_it(client: httpx.AsyncClient, make_user: Any, path: str) -> None:
    driver = await make_user(Role.DRIVER)
    problem(
        await client.get(
            path, headers=driver.headers, params={"date_from": "2026-12-01", "date_to": "2026-12-01"}
        ),
        403,
    )


async def test_a_submitted_report_asks_its_manager_for_feedback(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    """Process 6: the report goes to the manager (by e-mail when the manager has no chat handle),
    who gets the feedback to give as a task, due the next working day; the answer closes it."""
    assistant = await make_user(Role.ASSISTANT)
    manager = await make_user(Role.MANAGER)  # no chat handle
    submitted = await client.post(
        "/api/v1/daily-reports",
        headers=assistant.headers,
        json={"day": "2026-12-01", "manager_id": manager.id, "text": "Обзвонила трёх клиентов"},
    )
    assert submitted.status_code == 201, submitted.text
    report = submitted.json()
    async with session_factory() as session:
        [mail] = (
            await session.scalars(select(OutboundMessage).where(OutboundMessage.recipient == manager.email))
        ).all()
    assert (mail.kind, mail.subject) == ("email", "Отчёт помощника Тестов Тест 1 за 01.12.2026")
    assert "Обзвонила трёх клиентов" in mail.body
    tasks = (await client.get("/api/v1/tasks/mine", headers=manager.headers)).json()
    [task] = [t for bucket in tasks.values() for t in bucket if t["subject_type"] == "daily_report"]
    assert (task["subject_id"], task["kind"], task["status"]) == (report["id"], "check", "open")
    assert task["due_at"] == "2026-12-02T15:00:00Z"  # the end of the next working day, Moscow time

    answered = await client.post(
        f"/api/v1/daily-reports/{report['id']}/feedback", headers=manager.headers, json={"feedback": "Хорошо"}
    )
    assert answered.json()["status"] == "reviewed", answered.text
    closed = (await client.get(f"/api/v1/tasks/{task['id']}", headers=manager.headers)).json()
    assert closed["status"] == "done"
