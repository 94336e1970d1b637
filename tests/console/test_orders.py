"""«Заявки» in the browser: the list with its filters, an order's page with the missing fields
highlighted, the clarification with the 1C catalogue searched as you type, and the actions the
order allows as buttons (a cancel with its reason), with the history."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import Route, expect

from tests.console.conftest import ConsoleApi, Watched, login

MANAGER = "kuznetsova.as@example.com"


async def test_orders_are_listed_clarified_and_cancelled(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    manager = api.login(MANAGER)
    client = api.call("GET", "/api/v1/clients", manager, params={"limit": 1})["items"][0]
    vague = api.call(
        "POST", "/api/v1/orders", manager,
        json={"channel": "phone", "client_id": client["id"], "lines": [{"name": "Костюм", "quantity": 5}]},
    )  # fmt: skip
    chat = api.call(
        "POST", "/api/v1/orders", manager,
        json={"channel": "whatsapp", "client_id": client["id"], "raw_text": "Нужны перчатки, 40 пар"},
    )  # fmt: skip
    assert vague["status"] == "needs_clarification", vague

    await page.goto("/orders")
    await login(page, MANAGER)
    await expect(page.get_by_role("heading", name="Заявки")).to_be_visible()
    rows = page.locator("tbody tr")
    await expect(rows.filter(has_text=client["name"]).first).to_be_visible()
    await expect(rows.filter(has_text="WhatsApp")).to_have_count(1)
    await watched.assert_screen("orders")

    # Opened afresh, the list's first page is asked for once, by the page as it starts (before the
    # console's code has loaded), and the console shows that answer rather than asking again.
    # So is the list's own code, beside the console's main bundle rather than after it has run: the
    # main bundle is held back until the list's chunk has been asked for (or for ten seconds).
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "/api/v1/orders?" in r.url else None)
    # The rows' clients are named by one request for the page's ids, not one request per row.
    named: list[str] = []
    page.on("request", lambda r: named.append(r.url) if "/api/v1/clients" in r.url else None)
    page_code = asyncio.Event()
    page.on(
        "request", lambda r: page_code.set() if re.search(r"/assets/OrdersPage-[^/]*\.js$", r.url) else None
    )
    beside: list[bool] = []

    async def hold_main(route: Route) -> None:
        try:
            await asyncio.wait_for(page_code.wait(), timeout=10)
        except TimeoutError:
            beside.append(False)
        else:
            beside.append(True)
        await route.continue_()

    main_bundle = re.compile(r"/assets/index-[^/]*\.js$")
    await page.route(main_bundle, hold_main)
    await page.reload()
    await expect(rows.filter(has_text="WhatsApp")).to_have_count(1)
    await expect(page.get_by_test_id("orders-shown")).to_have_text(re.compile(r"Показано: \d+"))
    await page.unroute(main_bundle, hold_main)
    assert beside == [True], "the list's chunk was not asked for before the main bundle came"
    assert [url.split("/api/v1/")[1] for url in asked] == ["orders?limit=50"]
    await expect(rows.filter(has_text=client["name"]).first).to_be_visible()
    assert [url for url in named if re.search(r"/api/v1/clients\?(.*&)?id=", url)], named
    assert not [url for url in named if re.search(r"/api/v1/clients/\d", url)], named
    assert await page.evaluate("window.__early.map((one) => [one.url, !!one.taken])") == [
        ["/api/v1/reference/company", True],
        ["/api/v1/orders?limit=50", True],
    ]

    # Only WhatsApp: the other order leaves the list.
    await (
        page.get_by_role("textbox", name="Канал")
        .or_(page.get_by_role("combobox", name="Канал"))
        .first.click()
    )
    await page.get_by_role("option", name="WhatsApp").click()
    await expect(page.get_by_test_id("orders-shown")).to_have_text("Показано: 1")
    await expect(rows.first).to_contain_text(str(chat["id"]))
    await (
        page.get_by_role("textbox", name="Канал")
        .or_(page.get_by_role("combobox", name="Канал"))
        .first.click()
    )
    await page.get_by_role("option", name="Телефон").click()
    await rows.filter(has_text="Телефон").first.click()

    # The order's page: the fields the line lacks are highlighted.
    await expect(page.get_by_role("heading", name=f"Заявка №{vague['id']}")).to_be_visible()
    await expect(page.get_by_test_id("order-status")).to_have_text("Нужно уточнение")
    await expect(page.locator("td[data-missing]")).to_have_count(5)
    await expect(page.get_by_test_id("order-history")).to_contain_text("Статус: Нужно уточнение")
    await watched.assert_screen("order")

    # Clarified from the 1C catalogue, found as the name is typed.
    await page.get_by_test_id("order-actions").get_by_role("button", name="Уточнить").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Наименование", exact=True).fill("Костюм рабочий летний")
    await page.get_by_role("option").filter(has_text="KL-STD-4446-158").click()
    await expect(dialog.get_by_label("Модель, строка 1")).to_have_value("Стандарт")
    await expect(dialog.get_by_label("Рост, строка 1")).to_have_value("158-164")
    await dialog.get_by_label("Цен. категория, строка 1").fill("Оптовая")
    await dialog.get_by_role("button", name="Сохранить уточнение").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("order-status")).to_have_text("Принята")
    await expect(page.locator("td[data-missing]")).to_have_count(0)
    await expect(page.get_by_test_id("order-history")).to_contain_text("Уточнена")

    # The WhatsApp order is cancelled with its reason, through the button its state allows.
    await page.goto(f"/orders/{chat['id']}")
    await page.get_by_test_id("order-actions").get_by_role("button", name="Отменить заявку").click()
    await page.get_by_role("dialog").get_by_label("Причина").fill("Клиент передумал")
    await page.get_by_role("dialog").get_by_role("button", name="Подтвердить").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("Отменена")
    await expect(page.get_by_text("Причина отмены: Клиент передумал")).to_be_visible()
    await expect(
        page.get_by_test_id("order-actions").get_by_role("button", name="Отменить заявку")
    ).to_have_count(0)
    assert api.call("GET", f"/api/v1/orders/{chat['id']}", manager)["status"] == "cancelled"
    await watched.assert_screen()
    watched.assert_clean()
