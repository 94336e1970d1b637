"""«Заявки» filtered in the browser: by a search typed in any case, status, channel, client,
assistant and the days received, each kept in the address so a filtered list reloads as it was."""

from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

from playwright.async_api import Page, expect

from app.core.calendar import MOSCOW
from tests.console.conftest import ConsoleApi, Watched, login

MANAGER = "kuznetsova.as@example.com"
# The orders made here come by channels the other screens' tests do not count (paper, the
# manager's chat, mail).
ASSISTANT = "Волкова Елена Юрьевна"  # not the one whose «Сегодня» test_today counts
MONTHS = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря".split()  # noqa: SIM905


async def _pick(page: Page, label: str, option: str, typed: str | None = None) -> None:
    field = page.get_by_role("textbox", name=label).or_(page.get_by_role("combobox", name=label)).first
    await field.click()
    if typed is not None:
        await field.fill(typed)
    await page.get_by_role("option", name=option, exact=True).click()


async def _shows(page: Page, *ids: int) -> None:
    await expect(page.get_by_test_id("orders-shown")).to_have_text(f"Показано: {len(ids)}")
    rows = page.locator("tbody tr")
    for index, order_id in enumerate(ids):
        await expect(rows.nth(index).locator("td").first).to_have_text(str(order_id))


async def test_the_list_is_filtered_by_each_filter(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    manager = api.login(MANAGER)
    first, second = api.call("GET", "/api/v1/clients", manager, params={"limit": 2})["items"]
    assistant = api.call("GET", "/api/v1/employees", manager, params={"q": "Волкова"})["items"][0]
    product = api.call("GET", "/api/v1/catalogue/products", manager, params={"q": "KL-STD-4446-158"})[
        "items"
    ][0]
    tag = f"ФИЛЬТР-{uuid4().hex[:8]}"
    line = {
        "product_id": product["id"], "model": product["model"], "color": product["color"],
        "size": product["size"], "height": product["height"], "price_category": "Оптовая", "quantity": 2,
    }  # fmt: skip

    def order(**body: object) -> int:
        made = api.call("POST", "/api/v1/orders", manager, json=body)
        return int(made["id"])

    paper = order(channel="paper", client_id=first["id"], assistant_id=assistant["id"],
                  raw_text=f"Куртки {tag}", lines=[line])  # fmt: skip
    chat = order(channel="manager_chat", raw_text=f"{tag}: перчатки, 40 пар")
    mailed = order(
        channel="mailbox", client_id=second["id"], assistant_id=assistant["id"], raw_text=f"{tag} каски"
    )
    assert api.call("GET", f"/api/v1/orders/{paper}", manager)["status"] == "accepted"

    await page.goto("/orders")
    await login(page, MANAGER)
    await expect(page.get_by_role("heading", name="Заявки")).to_be_visible()

    # Typed in lower case, debounced, found in the orders' text; the address keeps it.
    await page.get_by_label("Поиск").fill(tag.lower())
    await _shows(page, mailed, chat, paper)
    await expect(page).to_have_url(re.compile(r"[?&]q="))

    await _pick(page, "Статус", "Нужно уточнение")
    await _shows(page, mailed, chat)
    await page.goto(f"/orders?q={tag}")
    await _pick(page, "Канал", "Чат менеджера")
    await _shows(page, chat)
    await page.goto(f"/orders?q={tag}")
    await _pick(page, "Клиент", second["name"], typed=second["name"][:12])
    await _shows(page, mailed)
    await page.goto(f"/orders?q={tag}")
    await _pick(page, "Помощник", ASSISTANT)
    await _shows(page, mailed, paper)

    # The days received, picked in the calendar: today in the company's zone, as one day's range.
    await page.goto(f"/orders?q={tag}")
    today = api.now.astimezone(MOSCOW).date()
    await page.get_by_label("Получена").click()
    day = page.get_by_role("button", name=f"{today.day} {MONTHS[today.month - 1]} {today.year}", exact=True)
    await day.first.click()
    await day.first.click()
    await _shows(page, mailed, chat, paper)
    await expect(page).to_have_url(re.compile(f"from={today}.*to={today}"))
    await page.keyboard.press("Escape")
    await page.goto(f"/orders?q={tag}&to={today - timedelta(days=1)}")
    await expect(page.get_by_test_id("orders-shown")).to_have_text("Показано: 0")

    # A filtered list's address reloads as it was, its filters shown.
    await page.goto(f"/orders?q={tag}&client={second['id']}&assistant={assistant['id']}&channel=mailbox")
    await _shows(page, mailed)
    await expect(page.get_by_label("Поиск")).to_have_value(tag)
    await page.reload()
    await _shows(page, mailed)
    await expect(
        page.get_by_role("textbox", name="Клиент").or_(page.get_by_role("combobox", name="Клиент")).first
    ).to_have_value(second["name"])
    await watched.assert_screen("orders-filtered")
