"""Aging and DSO on a hand-built dataset (today 2026-12-01): every bucket's edge, partial payments,
paid and unapproved invoices left out, grouped by client, manager and department."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx

from app.models.directory import Role
from app.models.invoices import InvoiceStatus
from app.services.seed import inn10
from tests.support.helpers import problem
from tests.support.receivables import add_invoice

D = Decimal


async def _dataset(client: httpx.AsyncClient, make_user: Any, session_factory: Any) -> dict[str, Any]:
    head = await make_user(Role.HEAD)
    service_manager = await make_user(Role.MANAGER)  # the service department
    shop_manager = await make_user(Role.MANAGER, department="shop")
    ids = {}
    for key, name, inn9, manager in (
        ("c1", "ООО «Первый»", "352811401", service_manager.id),
        ("c2", "ООО «Второй»", "352811402", shop_manager.id),
        ("c3", "ООО «Третий»", "352811403", None),
    ):
        card = await client.post(
            "/api/v1/clients",
            headers=head.headers,
            json={"name": name, "inn": inn10(inn9), "kpp": "352801001", "manager_id": manager},
        )
        assert card.status_code == 201, card.text
        ids[key] = card.json()["id"]
    rows: list[tuple[str, date, date, str, str, InvoiceStatus]] = [
        # client, issued, due, total, paid
        ("c1", date(2026, 11, 25), date(2026, 12, 5), "1000.00", "0.00", InvoiceStatus.APPROVED),  # current
        ("c1", date(2026, 11, 24), date(2026, 12, 1), "500.00", "0.00", InvoiceStatus.APPROVED),  # due today
        (
            "c1",
            date(2026, 11, 10),
            date(2026, 11, 20),
            "2000.00",
            "500.00",
            InvoiceStatus.APPROVED,
        ),  # 11 days
        ("c1", date(2026, 9, 21), date(2026, 10, 1), "3000.00", "0.00", InvoiceStatus.APPROVED),  # 61 days
        ("c2", date(2026, 10, 20), date(2026, 11, 1), "400.00", "0.00", InvoiceStatus.APPROVED),  # 30 days
        ("c2", date(2026, 10, 21), date(2026, 10, 31), "600.00", "0.00", InvoiceStatus.APPROVED),  # 31 days
        ("c2", date(2026, 8, 25), date(2026, 9, 2), "700.00", "0.00", InvoiceStatus.APPROVED),  # 90 days
        ("c2", date(2026, 8, 20), date(2026, 9, 1), "800.00", "0.00", InvoiceStatus.APPROVED),  # 91 days
        ("c2", date(2026, 11, 2), date(2026, 11, 12), "900.00", "900.00", InvoiceStatus.APPROVED),  # paid
        ("c2", date(2026, 6, 1), date(2026, 6, 10), "10000.00", "0.00", InvoiceStatus.ISSUED),  # not approved
        ("c3", date(2026, 5, 20), date(2026, 6, 1), "250.00", "0.00", InvoiceStatus.APPROVED),  # over 90
    ]
    for key, issued, due, total, paid, state in rows:
        await add_invoice(
            session_factory, ids[key], issued_on=issued, due_on=due, total=total, paid=paid, status=state
        )
    return {
        "ids": ids,
        "service_manager": service_manager,
        "shop_manager": shop_manager,
        "head": head,
    }


def _buckets(row: dict[str, Any]) -> list[Decimal]:
    b = row["buckets"]
    return [D(b[k]) for k in ("current", "days_1_30", "days_31_60", "days_61_90", "over_90")]


async def test_aging_by_client_manager_and_department(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    data = await _dataset(client, make_user, session_factory)
    ids, head = data["ids"], data["head"]
    accountant = await make_user(Role.ACCOUNTANT, department="finance")

    report = (await client.get("/api/v1/reports/aging", headers=accountant.headers)).json()
    assert (report["as_of"], report["group_by"], report["groups"]) == ("2026-12-01", "client", 3)
    by_client = {r["key"]: r for r in report["rows"]}
    assert [r["key"] for r in report["rows"]] == [ids["c1"], ids["c2"], ids["c3"]]  # largest debt first
    assert _buckets(by_client[ids["c1"]]) == [D(1500), D(1500), D(0), D(3000), D(0)]
    assert _buckets(by_client[ids["c2"]]) == [D(0), D(400), D(600), D(700), D(800)]
    assert _buckets(by_client[ids["c3"]]) == [D(0), D(0), D(0), D(0), D(250)]
    assert [(D(r["total"]), r["invoices"], r["name"]) for r in report["rows"]] == [
        (D(6000), 4, "ООО «Первый»"),
        (D(2500), 4, "ООО «Второй»"),
        (D(250), 1, "ООО «Третий»"),
    ]
    assert _buckets({"buckets": report["totals"]}) == [D(1500), D(1900), D(600), D(3700), D(1050)]
    assert D(report["total"]) == D(8750)

    # A limit shows the largest debtors; the totals still cover everyone.
    top = (await client.get("/api/v1/reports/aging", headers=head.headers, params={"limit": 1})).json()
    assert [r["key"] for r in top["rows"]] == [ids["c1"]]
    assert (D(top["total"]), top["groups"]) == (D(8750), 3)

    managers = (
        await client.get("/api/v1/reports/aging", headers=head.headers, params={"group_by": "manager"})
    ).json()
    assert [(r["key"], D(r["total"])) for r in managers["rows"]] == [
        (data["service_manager"].id, D(6000)),
        (data["shop_manager"].id, D(2500)),
        (None, D(250)),
    ]
    departments = (
        await client.get("/api/v1/reports/aging", headers=head.headers, params={"group_by": "department"})
    ).json()
    assert [(r["name"], D(r["total"])) for r in departments["rows"]] == [
        ("Отдел сервиса", D(6000)),
        ("Магазин", D(2500)),
        (None, D(250)),
    ]
    assert _buckets(departments["rows"][1]) == [D(0), D(400), D(600), D(700), D(800)]

    problem(await client.get("/api/v1/reports/aging", headers=data["service_manager"].headers), 403)
    problem(
        await client.get("/api/v1/reports/aging", headers=head.headers, params={"group_by": "region"}),
        422,
        "query.group_by",
    )
    problem(
        await client.get("/api/v1/reports/aging", headers=head.headers, params={"limit": 0}),
        422,
        "query.limit",
    )


async def test_dso_for_the_company_managers_and_departments(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    data = await _dataset(client, make_user, session_factory)
    head = data["head"]

    # 90 days ending today start on 2026-09-03. Sales: 6 500 (c1) + 1 900 (c2: 400, 600 and the paid
    # 900) = 8 400; the open debt 8 750; DSO = 8 750 / 8 400 × 90 = 93.75.
    company = (await client.get("/api/v1/reports/dso", headers=head.headers)).json()
    assert (company["days"], company["date_from"], company["group_by"]) == (90, "2026-09-03", "company")
    [row] = company["rows"]
    assert (D(row["receivables"]), D(row["sales"]), D(row["dso"])) == (D(8750), D(8400), D("93.8"))

    managers = (
        await client.get("/api/v1/reports/dso", headers=head.headers, params={"group_by": "manager"})
    ).json()
    assert [(r["key"], D(r["receivables"]), D(r["sales"]), r["dso"]) for r in managers["rows"]] == [
        (data["service_manager"].id, D(6000), D(6500), "83.1"),  # 6 000 / 6 500 × 90 = 83.08
        (data["shop_manager"].id, D(2500), D(1900), "118.4"),  # 2 500 / 1 900 × 90 = 118.42
        (None, D(250), D(0), None),  # nothing sold in the period
    ]
    departments = (
        await client.get(
            "/api/v1/reports/dso", headers=head.headers, params={"group_by": "department", "days": 30}
        )
    ).json()
    # 30 days from 2026-11-02: sales 1 000 + 500 + 2 000 (service), 900 (shop).
    assert [(r["name"], D(r["sales"]), r["dso"]) for r in departments["rows"]] == [
        ("Отдел сервиса", D(3500), "51.4"),  # 6 000 / 3 500 × 30 = 51.43
        ("Магазин", D(900), "83.3"),  # 2 500 / 900 × 30 = 83.33
        (None, D(0), None),
    ]
    problem(
        await client.get("/api/v1/reports/dso", headers=head.headers, params={"days": 3}), 422, "query.days"
    )


async def test_reports_with_no_debt_at_all(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    aging = (await client.get("/api/v1/reports/aging", headers=head.headers)).json()
    assert (aging["rows"], D(aging["total"]), aging["groups"]) == ([], D(0), 0)
    [row] = (await client.get("/api/v1/reports/dso", headers=head.headers)).json()["rows"]
    assert (D(row["receivables"]), D(row["sales"]), row["dso"]) == (D(0), D(0), None)


async def test_an_aging_row_drills_down_to_its_open_invoices(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any
) -> None:
    data = await _dataset(client, make_user, session_factory)
    ids, head = data["ids"], data["head"]
    url = "/api/v1/reports/aging/invoices"

    first = (await client.get(url, headers=head.headers, params={"key": ids["c2"], "limit": 3})).json()
    # The longest overdue first; the paid and the unapproved invoice are no debt.
    assert [(i["due_on"], i["days_past_due"], i["bucket"], D(i["outstanding"])) for i in first["items"]] == [
        ("2026-09-01", 91, "over_90", D(800)),
        ("2026-09-02", 90, "days_61_90", D(700)),
        ("2026-10-31", 31, "days_31_60", D(600)),
    ]
    assert first["items"][0]["client_name"] == "ООО «Второй»"
    rest = (
        await client.get(
            url, headers=head.headers, params={"key": ids["c2"], "limit": 3, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [(i["due_on"], i["bucket"]) for i in rest["items"]] == [("2026-11-01", "days_1_30")]
    assert rest["next_cursor"] is None

    # One bucket of a manager's clients; the row with no manager set is asked for without a key.
    current = (
        await client.get(
            url,
            headers=head.headers,
            params={"group_by": "manager", "key": data["service_manager"].id, "bucket": "current"},
        )
    ).json()
    assert [(i["due_on"], i["days_past_due"], D(i["outstanding"])) for i in current["items"]] == [
        ("2026-12-01", 0, D(500)),
        ("2026-12-05", 0, D(1000)),
    ]
    unowned = (await client.get(url, headers=head.headers, params={"group_by": "manager"})).json()
    assert [i["client_id"] for i in unowned["items"]] == [ids["c3"]]
    shop = (
        await client.get(
            url,
            headers=head.headers,
            params={"group_by": "department", "key": data["shop_manager"].department_id, "bucket": "over_90"},
        )
    ).json()
    assert [D(i["outstanding"]) for i in shop["items"]] == [D(800)]

    problem(await client.get(url, headers=head.headers, params={"bucket": "days_2_3"}), 422, "query.bucket")
    problem(await client.get(url, headers=head.headers, params={"key": 0}), 422, "query.key")
    problem(await client.get(url, headers=head.headers, params={"cursor": "bm90"}), 422, "cursor")
    problem(await client.get(url, headers=data["service_manager"].headers), 403)
