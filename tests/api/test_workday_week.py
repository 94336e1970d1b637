"""A simulated working week on the fake clock: the morning check sheets made at 8:30 and reminded
at 9:00, marks that record arrivals and tell the manager, the daily reports with the manager's
feedback and the end-of-day reminder, and the statistics of the week; the PDFs and the XLSX are
read back and carry the same numbers."""

from __future__ import annotations

import io
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import httpx
import openpyxl
from sqlalchemy import select

from app.core.calendar import MOSCOW
from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.models.tasks import Task, TaskKind
from app.services.seed import inn10
from app.worker.jobs import sweep
from tests.support.helpers import problem
from tests.support.pdf import pdf_text
from tests.support.receivables import ship

MON, TUE, WED, THU, FRI = (date(2026, 11, 30 + d) if d == 0 else date(2026, 12, d) for d in range(5))


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=MOSCOW)


def etag(response: httpx.Response) -> dict[str, str]:
    return {"If-Match": response.headers["etag"]}


async def _order(
    client: httpx.AsyncClient, who: dict[str, str], client_id: int, lines: list[dict[str, Any]]
) -> dict[str, Any]:
    created = await client.post(
        "/api/v1/orders",
        headers=who,
        json={"channel": "manager_chat", "client_id": client_id, "lines": lines},
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def _to_warehouse(
    client: httpx.AsyncClient, clock: Any, who: dict[str, str], order_id: int
) -> dict[str, Any]:
    """Invoice at 11:00, approved at 13:00, reserved or procured and sent to the warehouse."""
    clock.set(at(MON, 11))
    invoice = (await client.post(f"/api/v1/orders/{order_id}/invoice", headers=who)).json()
    url = f"/api/v1/invoices/{invoice['id']}"
    await client.post(f"{url}/send", headers=who, json={"email": "buyer@client.example.ru"})
    clock.set(at(MON, 13))
    approved = await client.post(f"{url}/approve", headers=who, json={})
    assert approved.json()["status"] == "approved", approved.text
    await client.post(f"/api/v1/orders/{order_id}/fulfil", headers=who)
    sent = await client.post(f"/api/v1/orders/{order_id}/send-to-warehouse", headers=who)
    assert sent.json()["status"] == "sent_to_warehouse", sent.text
    result: dict[str, Any] = approved.json()
    return result


async def test_a_working_week(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, clock: Any, session_factory: Any
) -> None:
    clock.set(at(MON, 9))
    job_ctx.erp = app.state.erp
    head = await make_user(Role.HEAD)
    manager = await make_user(Role.MANAGER, chat_handle="@manager_ivanova")
    assistant = await make_user(Role.ASSISTANT)
    idle = await make_user(Role.ASSISTANT)
    keeper = await make_user(Role.WAREHOUSE, department="warehouse")
    supply = await make_user(Role.SUPPLY, department="supply")
    a = assistant.headers

    # --- Monday: three orders (one incomplete), two invoices approved and sent to the warehouse.
    clock.set(at(MON, 10))
    products = await app.state.erp.search_products("Костюм", 100)
    in_stock = [p for p in products if p.stock >= 5 and p.height]
    missing = next(p for p in products if p.stock == 0 and p.height)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "АО «Череповецкий литейный завод»",
            "inn": inn10("352509871"),
            "kpp": "352501001",
            "manager_id": manager.id,
            "assistant_id": assistant.id,
            "contacts": [
                {"name": "Смирнова Ольга Петровна", "level": "buyer", "emails": ["snab@chlz.example"]}
            ],
        },
    )
    client_id = card.json()["id"]
    # The manager asks for a proposal, due on Wednesday.
    asked = await client.post(
        "/api/v1/proposals",
        headers=manager.headers,
        json={
            "client_id": client_id,
            "contact_id": card.json()["contacts"][0]["id"],
            "workwear_kind": "зимние костюмы",
            "models_count": 1,
            "markup_percent": "25",
            "deadline": "2026-12-02",
        },
    )
    assert asked.status_code == 201, asked.text
    order_a = await _order(
        client,
        a,
        client_id,
        [
            {"product_id": in_stock[0].id, "price_category": "Оптовая", "quantity": 5},
            {"product_id": missing.id, "price_category": "Оптовая", "quantity": 7},
        ],
    )
    order_c = await _order(
        client, a, client_id, [{"product_id": in_stock[1].id, "price_category": "Оптовая", "quantity": 2}]
    )
    order_b = await _order(client, a, client_id, [{"product_id": in_stock[0].id, "quantity": 3}])
    assert (order_a["status"], order_b["status"], order_c["status"]) == (
        "accepted",
        "needs_clarification",
        "accepted",
    )
    assert order_a["assistant_id"] == assistant.id
    invoice_a = await _to_warehouse(client, clock, a, order_a["id"])
    invoice_c = await _to_warehouse(client, clock, a, order_c["id"])
    accepted = await client.post(f"/api/v1/orders/{order_a['id']}/warehouse-accepted", headers=keeper.headers)
    assert accepted.json()["status"] == "waiting_for_supply"
    (requisition,) = (
        await client.get("/api/v1/requisitions", headers=supply.headers, params={"order_id": order_a["id"]})
    ).json()["items"]
    expected = await client.post(
        f"/api/v1/requisitions/{requisition['id']}/expected",
        headers=supply.headers,
        json={"expected_on": "2026-12-01"},
    )
    assert expected.status_code == 200, expected.text
    # The assistant calls the client with the date and reaches them.
    mine = (await client.get("/api/v1/tasks/mine", headers=a)).json()
    (date_call,) = [t for t in mine["today"] + mine["upcoming"] if "срок поставки" in t["title"]]
    clock.set(at(MON, 15))
    done = await client.post(
        f"/api/v1/tasks/{date_call['id']}/complete",
        headers=a,
        json={"reached": True, "result": "Клиент знает"},
    )
    assert done.status_code == 200, done.text

    # Monday's report, submitted before the end of the day: nothing to remind.
    clock.set(at(MON, 17, 30))
    figures = (
        await client.get("/api/v1/daily-reports/figures", headers=a, params={"day": "2026-11-30"})
    ).json()
    assert figures["figures"]["orders"] == {"received": 3, "accepted": 2, "sent_for_clarification": 1}
    assert figures["figures"]["invoices"] == {"issued": 2, "approved": 2}
    assert figures["figures"]["calls"] == {"made": 1, "reached": 1, "not_reached": 0}
    assert figures["figures"]["letters"] == {"sent": 2}
    # Bad input changes nothing: a manager who is not one, a day to come, an unknown field.
    problem(
        await client.post(
            "/api/v1/daily-reports", headers=a, json={"day": "2026-11-30", "manager_id": keeper.id}
        ),
        422,
        "manager_id",
    )
    problem(
        await client.post(
            "/api/v1/daily-reports", headers=a, json={"day": "2026-12-01", "manager_id": manager.id}
        ),
        422,
        "day",
    )
    problem(
        await client.post(
            "/api/v1/daily-reports", headers=a, json={"day": "2026-11-30", "manager_id": manager.id, "x": 1}
        ),
        422,
    )
    assert (await client.get("/api/v1/daily-reports", headers=a)).json()["items"] == []
    monday = await client.post(
        "/api/v1/daily-reports",
        headers=a,
        json={"day": "2026-11-30", "manager_id": manager.id, "text": "Три заявки, два счёта согласованы"},
    )
    assert monday.status_code == 201, monday.text
    assert monday.json()["figures"]["orders"]["received"] == 3
    problem(
        await client.post(
            "/api/v1/daily-reports", headers=a, json={"day": "2026-11-30", "manager_id": manager.id}
        ),
        409,
    )
    clock.set(at(MON, 18, 5))
    result = await sweep({"app": job_ctx})
    assert result["report_reminders"] == 1  # the idle assistant only
    assert result["check_sheets"] == 0

    # --- Tuesday: the sheet at 8:30, not started by 9:00 → a reminder; marks at 9:10.
    clock.set(at(TUE, 8, 0))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 0
    clock.set(at(TUE, 8, 30))
    result = await sweep({"app": job_ctx})
    assert (result["check_sheets"], result["check_reminders"]) == (1, 0)
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 0
    (sheet,) = (
        await client.get("/api/v1/warehouse-checks", headers=keeper.headers, params={"day": "2026-12-01"})
    ).json()["items"]
    assert (sheet["assistant_id"], sheet["keeper_id"], sheet["status"]) == (assistant.id, keeper.id, "open")
    items = {(i["order_id"], i["position"]): i for i in sheet["items"]}
    assert sorted(items) == [(order_a["id"], 1), (order_a["id"], 2), (order_c["id"], 1)]
    assert items[(order_a["id"], 2)]["fulfilment"] == "procure"
    assert items[(order_a["id"], 2)]["expected_on"] == "2026-12-01"
    clock.set(at(TUE, 9, 1))
    assert (await sweep({"app": job_ctx}))["check_reminders"] == 1
    assert (await sweep({"app": job_ctx}))["check_reminders"] == 0

    printed = await client.get(f"/api/v1/warehouse-checks/{sheet['id']}/pdf", headers=a)
    assert printed.headers["content-type"] == "application/pdf"
    text = pdf_text(printed.content)
    assert "Сверка позиций со складом" in text
    assert invoice_a["number"] in text
    assert invoice_c["number"] in text
    assert "Обособленно" in text
    assert "01.12.2026" in text
    assert text.count("Счёт №") == 2

    url = f"/api/v1/warehouse-checks/{sheet['id']}"
    current = await client.get(url, headers=keeper.headers)
    # Bad marks: a position of another sheet, "pending", a stale version — nothing changes.
    problem(
        await client.post(
            f"{url}/marks", headers=keeper.headers, json={"marks": [{"item_id": 999999, "mark": "arrived"}]}
        ),
        422,
        "marks.0.item_id",
    )
    line_a1, line_a2, line_c = (
        items[(order_a["id"], 1)]["id"],
        items[(order_a["id"], 2)]["id"],
        items[(order_c["id"], 1)]["id"],
    )
    problem(
        await client.post(
            f"{url}/marks", headers=keeper.headers, json={"marks": [{"item_id": line_a1, "mark": "pending"}]}
        ),
        422,
        "marks.0.mark",
    )
    problem(
        await client.post(
            f"{url}/marks", headers=keeper.headers, json={"marks": [{"item_id": line_a1, "mark": "lost"}]}
        ),
        422,
    )
    problem(
        await client.post(
            f"{url}/marks",
            headers=keeper.headers | {"If-Match": '"999"'},
            json={"marks": [{"item_id": line_a1, "mark": "arrived"}]},
        ),
        412,
    )
    problem(await client.post(f"{url}/complete", headers=keeper.headers), 409)
    unchanged = await client.get(url, headers=keeper.headers)
    assert unchanged.json() == current.json()

    clock.set(at(TUE, 9, 10))
    marked = await client.post(
        f"{url}/marks",
        headers=keeper.headers | etag(current),
        json={
            "marks": [
                {"item_id": line_a1, "mark": "set_aside_warehouse"},
                {"item_id": line_a2, "mark": "arrived"},
                {"item_id": line_c, "mark": "missing"},
            ]
        },
    )
    assert marked.status_code == 200, marked.text
    assert marked.json()["status"] == "started"
    assert marked.json()["picked_order_ids"] == [order_a["id"]]
    # The arrival is in the requisition book (dated yesterday) and the order is ready.
    book = (await client.get(f"/api/v1/requisitions/{requisition['id']}", headers=supply.headers)).json()
    assert (book["status"], book["arrived_on"]) == ("arrived", "2026-11-30")
    assert (await client.get(f"/api/v1/orders/{order_a['id']}", headers=a)).json()["status"] == "ready"
    completed = await client.post(f"{url}/complete", headers=keeper.headers)
    assert completed.json()["status"] == "done"
    # Later in the day the keeper has picked the second invoice.
    clock.set(at(TUE, 14))
    picked = await client.post(f"{url}/picked", headers=keeper.headers, json={"order_id": order_c["id"]})
    assert picked.status_code == 200, picked.text
    assert (picked.json()["status"], picked.json()["picked_order_ids"]) == (
        "done",
        [order_a["id"], order_c["id"]],
    )
    problem(
        await client.post(f"{url}/picked", headers=keeper.headers, json={"order_id": order_b["id"]}),
        422,
        "order_id",
    )
    async with session_factory() as session:
        told = (
            await session.scalars(
                select(OutboundMessage)
                .where(OutboundMessage.recipient == "@manager_ivanova")
                .order_by(OutboundMessage.id)
            )
        ).all()
        calls = (
            await session.scalars(
                select(Task)
                .where(Task.assignee_id == assistant.id, Task.title.like("Сообщить менеджеру%"))
                .order_by(Task.id)
            )
        ).all()
        reminders = (
            await session.scalars(
                select(Task).where(Task.kind == TaskKind.REMIND, Task.assignee_id == assistant.id)
            )
        ).all()
    picked_msgs = [m for m in told if "собран" in m.body]
    assert [invoice_a["number"] in picked_msgs[0].body, invoice_c["number"] in picked_msgs[1].body] == [
        True,
        True,
    ]
    assert len(picked_msgs) == 2
    assert [c.subject_id for c in calls] == [order_a["id"], order_c["id"]]
    assert [r.title for r in reminders] == ["Сверка со складом за 01.12.2026 не начата"]
    # No report on Tuesday: the end-of-day sweep reminds both assistants.
    clock.set(at(TUE, 18, 1))
    assert (await sweep({"app": job_ctx}))["report_reminders"] == 2
    assert (await sweep({"app": job_ctx}))["report_reminders"] == 0

    # The proposal: priced from the catalogue, to the manager, approved, to the client at 12:00.
    clock.set(at(TUE, 11))
    pid = asked.json()["id"]
    proposal = (
        await client.post(
            f"/api/v1/proposals/{pid}/lines",
            headers=a | {"If-Match": f'"{asked.json()["version"]}"'},
            json={"product_id": in_stock[0].id, "quantity": 10},
        )
    ).json()
    proposal = (
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-manager",
            headers=a | {"If-Match": f'"{proposal["version"]}"'},
            json={},
        )
    ).json()
    proposal = (
        await client.post(f"/api/v1/proposals/{pid}/approve", headers=manager.headers, json={})
    ).json()
    clock.set(at(TUE, 12))
    proposal = (
        await client.post(
            f"/api/v1/proposals/{pid}/send-to-client",
            headers=a | {"If-Match": f'"{proposal["version"]}"'},
            json={"contact_id": card.json()["contacts"][0]["id"]},
        )
    ).json()
    assert proposal["status"] == "sent_to_client", proposal

    # --- Wednesday: the sheet started at 8:45 (no reminder), a payment, a report with feedback.
    clock.set(at(WED, 8, 40))
    assert (await sweep({"app": job_ctx}))["check_sheets"] == 0  # nothing left at the warehouse to check
    paid = await client.post(
        "/api/v1/payments",
        headers=head.headers,
        json={
            "client_id": client_id,
            "amount": "1000.00",
            "paid_on": "2026-12-02",
            "allocations": [{"invoice_id": invoice_a["id"], "amount": "1000.00"}],
        },
    )
    if paid.status_code == 403:
        accountant = await make_user(Role.ACCOUNTANT, department="finance")
        paid = await client.post(
            "/api/v1/payments",
            headers=accountant.headers,
            json={
                "client_id": client_id,
                "amount": "1000.00",
                "paid_on": "2026-12-02",
                "allocations": [{"invoice_id": invoice_a["id"], "amount": "1000.00"}],
            },
        )
    assert paid.status_code == 201, paid.text
    # The call to tell the manager order A is picked was due on Tuesday: made on Wednesday, late.
    async with session_factory() as session:
        ready_call = await session.scalar(
            select(Task.id).where(Task.subject_id == order_a["id"], Task.title.like("Сообщить менеджеру%"))
        )
    clock.set(at(WED, 10))
    late = await client.post(f"/api/v1/tasks/{ready_call}/complete", headers=a, json={"reached": False})
    assert late.status_code == 200, late.text
    clock.set(at(WED, 17))
    wednesday = await client.post(
        "/api/v1/daily-reports",
        headers=a,
        json={"day": "2026-12-02", "manager_id": manager.id, "text": "Оплата по счёту"},
    )
    assert wednesday.json()["figures"]["payments"] == {"collected": "1000.00", "payments": 1}
    assert wednesday.json()["figures"]["calls"] == {"made": 1, "reached": 0, "not_reached": 1}
    assert wednesday.json()["figures"]["tasks"]["done"] == 1
    tuesday = (
        await client.get("/api/v1/daily-reports/figures", headers=a, params={"day": "2026-12-01"})
    ).json()
    assert (tuesday["figures"]["proposals"], tuesday["figures"]["letters"]) == ({"sent": 1}, {"sent": 2})
    problem(
        await client.post(
            f"/api/v1/daily-reports/{wednesday.json()['id']}/feedback",
            headers=a,
            json={"feedback": "Сам себе"},
        ),
        403,
    )
    answered = await client.post(
        f"/api/v1/daily-reports/{wednesday.json()['id']}/feedback",
        headers=manager.headers | etag(wednesday),
        json={"feedback": "Хорошо, продолжайте"},
    )
    assert answered.status_code == 200, answered.text
    assert (answered.json()["status"], answered.json()["feedback_by_id"]) == ("reviewed", manager.id)

    # --- Friday noon: the week's statistics (both orders' goods left on Thursday: debts now).
    for order in (order_a, order_c):
        await ship(job_ctx, order["id"], THU)
    clock.set(at(FRI, 12))
    week = {"date_from": "2026-11-30", "date_to": "2026-12-04"}
    stats = await client.get("/api/v1/statistics", headers=head.headers, params=week)
    assert stats.status_code == 200, stats.text
    sections = {s["key"]: s for s in stats.json()["sections"]}
    orders = sections["orders"]
    assert orders["measures"] | {} == orders["measures"]
    assert {
        k: orders["measures"][k]
        for k in (
            "received",
            "accepted",
            "sent_for_clarification",
            "invoiced",
            "approved",
            "ready",
            "delivered",
        )
    } == {
        "received": 3,
        "accepted": 2,
        "sent_for_clarification": 1,
        "invoiced": 2,
        "approved": 2,
        "ready": 2,
        "delivered": 0,
    }
    assert orders["measures"]["clarification_share"] == 0.333
    # Received 10:00, invoiced 11:00, approved 13:00; ready on Tuesday at 9:10 (A) and 14:00 (C).
    assert orders["cycle_hours"]["received_to_invoiced"] == 1.0
    assert orders["cycle_hours"]["invoiced_to_approved"] == 2.0
    assert orders["cycle_hours"]["approved_to_ready"] == 22.6
    assert orders["cycle_hours"]["ready_to_delivered"] is None
    assert orders["by_employee"] == [
        {"employee_id": assistant.id, "received": 3, "invoiced": 2, "delivered": 0}
    ]
    # Steps with deadlines: the date call done in time, the call to tell the manager about A a day
    # late; open and overdue: B's clarification, the ready calls of A and C, the manager call for C.
    assert orders["on_time"] == {"done_on_time": 1, "done_late": 1, "overdue_open": 4, "share_on_time": 0.167}
    proposals = sections["proposals"]
    assert {
        k: proposals["measures"][k] for k in ("requested", "sent_to_manager", "sent_to_client", "accepted")
    } == {
        "requested": 1,
        "sent_to_manager": 1,
        "sent_to_client": 1,
        "accepted": 0,
    }
    # Requested Monday 10:00, sent to the client Tuesday 12:00, before Wednesday's deadline.
    assert proposals["cycle_hours"] == {"requested_to_sent": 26.0}
    assert proposals["measures"]["sent_by_deadline_share"] == 1.0
    # Prepared and checked in time; asking the client for a decision is overdue by Friday.
    assert proposals["on_time"] == {
        "done_on_time": 2,
        "done_late": 0,
        "overdue_open": 1,
        "share_on_time": 0.667,
    }
    checks = sections["warehouse_checks"]["measures"]
    assert (checks["sheets"], checks["started_by_9"], checks["done"], checks["positions"]) == (1, 0, 1, 3)
    assert (checks["marked_set_aside_warehouse"], checks["marked_arrived"], checks["marked_missing"]) == (
        2,
        1,
        0,
    )
    reports = sections["daily_reports"]["measures"]
    # Monday and Wednesday submitted the same day; the idle assistant reminded on Monday, both on Tuesday.
    assert (
        reports["reports"],
        reports["submitted"],
        reports["submitted_same_day"],
        reports["with_feedback"],
    ) == (5, 2, 2, 1)
    receivables = sections["receivables"]["measures"]
    assert receivables["collected"] == "1000.00"
    total = Decimal(invoice_a["total"]) + Decimal(invoice_c["total"])
    assert Decimal(receivables["invoiced_approved"]) == total
    assert Decimal(receivables["outstanding"]) == total - Decimal("1000.00")

    # The same week for one employee, for the department, and refused where it must be.
    idle_stats = (
        await client.get("/api/v1/statistics", headers=head.headers, params=week | {"employee_id": idle.id})
    ).json()
    assert {s["key"]: s for s in idle_stats["sections"]}["orders"]["measures"]["received"] == 0
    own = (await client.get("/api/v1/statistics", headers=a, params=week)).json()
    assert own["employee_id"] == assistant.id
    assert {s["key"]: s for s in own["sections"]}["orders"]["measures"]["received"] == 3
    department = (
        await client.get(
            "/api/v1/statistics",
            headers=head.headers,
            params=week | {"department_id": assistant.department_id},
        )
    ).json()
    assert {s["key"]: s for s in department["sections"]}["orders"]["measures"]["received"] == 3
    problem(
        await client.get(
            "/api/v1/statistics", headers=a, params=week | {"department_id": assistant.department_id}
        ),
        403,
    )
    problem(
        await client.get(
            "/api/v1/statistics",
            headers=head.headers,
            params={"date_from": "2026-12-04", "date_to": "2026-11-30"},
        ),
        422,
        "date_to",
    )
    problem(await client.get("/api/v1/statistics", headers=keeper.headers, params=week), 403)

    # The statistics PDF: the numbers as text, the charts drawn beside them.
    report_pdf = await client.get("/api/v1/statistics/pdf", headers=head.headers, params=week)
    assert report_pdf.status_code == 200, report_pdf.text
    text = pdf_text(report_pdf.content)
    assert "Обработка заявок" in text
    assert "Сверка со складом" in text
    assert "Дебиторская задолженность" in text
    assert "Доля на уточнении 33\u00a0%" in text
    assert "Заявка → счёт, ч 1" in text
    assert "Собрано, руб. 1\u00a0000,00" in text
    assert "Запрос → отправка КП, ч 26" in text
    assert "Получено 3" in text
    assert "Готово 2" in text
    assert "Листов сверки 1" in text
    # The charts are vectors with their text kept: each process's chart names its bars.
    assert text.count("Получено") >= 2

    # The daily report's PDF and the week's XLSX, a sheet per person.
    day_pdf = await client.get(f"/api/v1/daily-reports/{monday.json()['id']}/pdf", headers=manager.headers)
    text = pdf_text(day_pdf.content)
    assert "Получено заявок 3" in text
    assert "Отправлено на уточнение 1" in text
    assert "Три заявки, два счёта согласованы" in text
    assert "Звонки и их итоги" in text
    assert "Клиент знает" in text
    exported = await client.get("/api/v1/daily-reports/export", headers=manager.headers, params=week)
    assert exported.status_code == 200, exported.text
    book = openpyxl.load_workbook(io.BytesIO(exported.content))
    (sheet_name,) = book.sheetnames
    rows = list(book[sheet_name].iter_rows(values_only=True))
    header = list(rows[0])
    received = header.index("Получено заявок")
    assert [(r[0].date(), r[received]) for r in rows[1:]] == [(MON, 3), (WED, 0)]
    assert rows[2][header.index("Оплачено, руб.")] == 1000
    assert rows[2][header.index("Обратная связь")] == "Хорошо, продолжайте"
    problem(
        await client.get(
            "/api/v1/daily-reports/export",
            headers=manager.headers,
            params={"date_from": "2026-01-01", "date_to": "2026-12-31"},
        ),
        422,
        "date_to",
    )
