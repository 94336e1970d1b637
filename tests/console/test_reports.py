"""«Отчёты» and «Статистика» in the browser: the assistant's daily report submitted and answered by
the manager, the head's aging with its chart and a row opened to its invoices, and the statistics
of a period with data and of an empty one, their chart axes read back (whole counts, «33 %», no
fractional axis around nothing)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.async_api import Page, expect
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.services.seed import inn10
from tests.console.conftest import MOSCOW, ConsoleApi, Watched, login, logout
from tests.support.receivables import add_invoice

ASSISTANT = "volkova.ey@example.com"
MANAGER = "kuznetsova.as@example.com"
MANAGER_NAME = "Кузнецова Анна Сергеевна"
HEAD = "ershova.vm@example.com"
NBSP = "\u00a0"


@pytest.fixture
async def debts(console_api: ConsoleApi) -> dict[str, int]:
    """A client of the manager's with two open invoices: one 40 days overdue, one not yet due
    (made as if shipped: the aging's sums are the API tests' to check, not the browser's)."""
    api = console_api
    head = api.login(HEAD)
    manager = api.call("GET", "/api/v1/auth/me", api.login(MANAGER))
    card = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": "ООО «Сроки оплаты»", "inn": inn10("352588301"), "kpp": "352501001",
              "manager_id": manager["id"]},
    )  # fmt: skip
    today = api.now.astimezone(MOSCOW).date()
    engine = create_async_engine(api.env["APP_DB__URL"])
    try:
        factory = async_sessionmaker(engine, expire_on_commit=False)
        for issued, due, total in ((today - timedelta(50), today - timedelta(40), "1500.00"),
                                   (today - timedelta(5), today + timedelta(5), "250.00")):  # fmt: skip
            await add_invoice(factory, card["id"], issued_on=issued, due_on=due, total=total)
    finally:
        await engine.dispose()
    return {"client": card["id"]}


async def _axis(page: Page, chart: str) -> list[str]:
    """The value axis's tick labels of a chart, as the page draws them."""
    ticks = page.get_by_test_id(chart).locator(
        ".recharts-xAxis-tick-labels .recharts-cartesian-axis-tick-value"
    )
    await expect(ticks.first).to_be_visible()
    return [t.replace("\u00a0", " ").strip() for t in await ticks.all_text_contents()]


def _whole(labels: list[str]) -> bool:
    return bool(labels) and all(re.fullmatch(r"\d{1,3}( \d{3})*", t) for t in labels)


async def test_daily_report_aging_and_statistics(
    console_api: ConsoleApi, watched: Watched, debts: dict[str, int]
) -> None:
    api, page = console_api, watched.page
    today: date = api.now.astimezone(MOSCOW).date()
    words = f"Обзвонила должников, {today:%d.%m}: «Сроки оплаты» обещали оплату"

    # The assistant's day: the figures as compiled now, her words, sent to the manager.
    await page.goto("/reports")
    await login(page, ASSISTANT)
    await expect(page.get_by_role("heading", name="Отчёты")).to_be_visible()
    await expect(page.get_by_test_id("tab-aging")).to_have_count(0)  # no receivables reports for her
    await expect(page.locator('[data-figure="orders.received"]')).to_contain_text("Получено заявок")
    await watched.assert_screen("reports-day")
    await page.get_by_test_id("report-text").fill(words)
    await page.get_by_test_id("report-manager").click()
    await page.get_by_role("option", name=MANAGER_NAME).click()
    await page.get_by_role("button", name="Отправить отчёт").click()
    card = page.get_by_test_id("daily-report")
    await expect(card.get_by_test_id("report-status")).to_have_text("Отправлен")
    await expect(card.get_by_test_id("report-words")).to_have_text(words)
    await expect(card).to_contain_text(MANAGER_NAME)
    await watched.assert_screen()
    [mine] = api.call(
        "GET", "/api/v1/daily-reports", api.login(ASSISTANT), params={"day": today.isoformat(),
        "employee_id": api.call("GET", "/api/v1/auth/me", api.login(ASSISTANT))["id"]},
    )["items"]  # fmt: skip
    assert (mine["status"], mine["text"]) == ("submitted", words)
    await logout(page)

    # The manager opens it among the reports sent to her and answers.
    await login(page, MANAGER)
    await page.get_by_test_id("nav-reports").click()
    await page.get_by_test_id("tab-daily").click()
    row = page.get_by_test_id("daily-reports").locator(f'tr[data-report="{mine["id"]}"]')
    await expect(row).to_contain_text("Отправлен")
    await row.get_by_role("button", name=today.strftime("%d.%m.%Y")).click()
    opened = page.locator(f'[data-testid="daily-report"][data-report="{mine["id"]}"]')
    await expect(opened.get_by_test_id("report-words")).to_have_text(words)
    await watched.assert_screen("reports-daily")
    await opened.get_by_test_id("feedback-text").fill("Хорошо, завтра проверьте оплату")
    await opened.get_by_role("button", name="Ответить").click()
    await expect(opened.get_by_test_id("report-feedback")).to_contain_text("Хорошо, завтра проверьте оплату")
    await expect(opened.get_by_test_id("report-status")).to_have_text("Получен ответ")
    await expect(opened.get_by_test_id("feedback-text")).to_have_value("")  # another answer may follow
    await expect(row).to_contain_text("Хорошо, завтра проверьте оплату")
    await watched.assert_screen()
    await logout(page)

    # The assistant sees the answer on her day.
    await login(page, ASSISTANT)
    await page.get_by_test_id("nav-reports").click()
    await expect(page.get_by_test_id("daily-report").get_by_test_id("report-feedback")).to_contain_text(
        "Хорошо, завтра проверьте оплату"
    )
    await logout(page)

    # The head: the aging by client, the client's row opened to its invoices, one bucket of them.
    await login(page, HEAD)
    await page.get_by_test_id("nav-reports").click()
    await expect(page.get_by_test_id("tab-aging")).to_have_attribute("aria-selected", "true")
    client_row = page.get_by_test_id("aging-table").locator(f'tr[data-key="{debts["client"]}"]')
    await expect(client_row).to_contain_text("ООО «Сроки оплаты»")
    await expect(client_row).to_contain_text(f"1{NBSP}750,00{NBSP}₽")
    # The chart's bars are drawn (the first may be a client with nothing in the band drawn: no height).
    await expect(page.get_by_test_id("aging-chart").locator(".recharts-bar-rectangle")).not_to_have_count(0)
    assert all(t.endswith("₽") or t == "0" or t[0].isdigit() for t in await _axis(page, "aging-chart"))
    await client_row.get_by_role("button", name="ООО «Сроки оплаты»").click()
    invoices = page.get_by_test_id("aging-invoices")
    await expect(invoices.locator("tbody tr")).to_have_count(2)
    await expect(invoices.locator("tbody tr").first).to_contain_text("31–60 дней")
    await expect(invoices.locator("tbody tr").first).to_contain_text("40")
    await expect(invoices.locator("tbody tr").last).to_contain_text("Не просрочено")
    await invoices.get_by_label("Срок просрочки").click()
    await page.get_by_role("option", name="31–60 дней").click()
    await expect(invoices.locator("tbody tr")).to_have_count(1)
    await expect(invoices).to_contain_text(f"1{NBSP}500,00{NBSP}₽")
    await expect(page.get_by_test_id("dso")).to_contain_text("Компания")
    await watched.assert_screen("reports-aging")

    # Statistics for this month (the report just submitted is in it): whole counts, shares in percent.
    await page.get_by_test_id("nav-statistics").click()
    await expect(page.get_by_role("heading", name="Статистика")).to_be_visible()
    reports = page.get_by_test_id("section-daily_reports")
    await expect(reports.locator('[data-measure="submitted"]')).not_to_contain_text("—")
    counts = await _axis(page, "chart-daily_reports-counts")
    assert _whole(counts), counts
    assert counts[0] == "0"
    assert await _axis(page, "chart-daily_reports-shares") == ["0 %", "20 %", "40 %", "60 %", "80 %", "100 %"]
    await expect(page.get_by_test_id("section-orders")).to_be_visible()
    await watched.assert_screen("statistics")

    # An empty period: every count axis from 0 to 1, none from −0.04 to 0.04. (Typed field by
    # field, the period in between is longer than a year: refused beside its field.)
    watched.allow(r"/api/v1/statistics\?.*: 422")
    watched.allow(r"422 \(Unprocessable")
    await page.get_by_test_id("stats-from").fill("2020-01-01")
    await page.get_by_test_id("stats-to").fill("2020-01-31")
    await expect(page.get_by_test_id("stats-period")).to_contain_text("01.01.2020 – 31.01.2020")
    for chart in ("chart-orders-counts", "chart-daily_reports-counts"):
        assert await _axis(page, chart) == ["0", "1"], chart
    await watched.assert_screen()
    watched.assert_clean()
