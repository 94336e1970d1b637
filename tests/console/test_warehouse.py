"""«Склад» in the browser, as the keeper: the orders sent to the warehouse with their Excel file and
«Принято», and the morning check sheet worked from the keyboard position by position, the keeper's
«Собрано» for an invoice left on it, then the check done."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from playwright.async_api import expect

from app.commands import _in_uow
from app.core.config import ClockSettings, DbSettings, Settings
from app.services.seed import inn10
from app.services.workday.warehouse_checks import WarehouseCheckService
from tests.console.conftest import ConsoleApi, Watched, login

ASSISTANT = "volkova.ey@example.com"  # not the one whose «Сегодня» test_today counts
HEAD = "ershova.vm@example.com"
KEEPER = "zaitseva.mi@example.com"


def _at_warehouse(api: ConsoleApi, who: dict[str, str], client_id: int, lines: list[dict[str, Any]]) -> int:
    """An order invoiced, approved, reserved or procured and sent to the warehouse, through the API."""
    order = api.call(
        "POST", "/api/v1/orders", who, json={"channel": "phone", "client_id": client_id, "lines": lines}
    )
    assert order["status"] == "accepted", order
    invoice = api.call("POST", f"/api/v1/orders/{order['id']}/invoice", who)
    url = f"/api/v1/invoices/{invoice['id']}"
    api.call("POST", f"{url}/send", who, json={"email": "buyer@client.example.ru"})
    assert api.call("POST", f"{url}/approve", who, json={})["status"] == "approved"
    api.call("POST", f"/api/v1/orders/{order['id']}/fulfil", who)
    sent = api.call("POST", f"/api/v1/orders/{order['id']}/send-to-warehouse", who)
    assert sent["status"] == "sent_to_warehouse", sent
    return int(order["id"])


async def _morning_sheets(api: ConsoleApi) -> None:
    """The worker's sheets of the morning, made as at 8:45 in Moscow today (the API's clock says noon)."""
    at = api.now - timedelta(hours=3, minutes=15)
    offset = at - datetime.now(UTC)
    settings = Settings(db=DbSettings(url=api.env["APP_DB__URL"]), clock=ClockSettings(offset=offset))

    async def make(uow: Any) -> tuple[int, int]:
        return await WarehouseCheckService(uow, erp=None).make_due(100)  # type: ignore[arg-type]

    made, _ = await _in_uow(settings, make)
    assert made >= 1


async def test_the_keeper_accepts_and_works_the_morning_check(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    # An assistant of its own: the morning sheet is one per assistant and day, and other walks make
    # the demo assistant's.
    own = api.new_assistant("Осипова Вера Львовна", f"osipova.vl.{uuid.uuid4().hex[:8]}@example.com")
    assistant, head = api.login(own), api.login(HEAD)
    me = api.call("GET", "/api/v1/auth/me", assistant)
    card = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": "ООО «Склад и проверка»", "inn": inn10("352577001"), "kpp": "352501001",
              "assistant_id": me["id"]},
    )  # fmt: skip
    products = api.call("GET", "/api/v1/catalogue/products", assistant, params={"q": "Костюм", "limit": 100})
    in_stock = [p for p in products["items"] if p["stock"] >= 10 and p["height"]]
    missing = next(p for p in products["items"] if p["stock"] == 0 and p["height"])
    line = {"price_category": "Оптовая"}
    first = _at_warehouse(
        api, assistant, card["id"],
        [line | {"product_id": in_stock[0]["id"], "quantity": 2},
         line | {"product_id": missing["id"], "quantity": 3}],
    )  # fmt: skip
    second = _at_warehouse(
        api, assistant, card["id"],
        [line | {"product_id": in_stock[1]["id"], "quantity": 1},
         line | {"product_id": in_stock[2]["id"], "quantity": 4}],
    )  # fmt: skip
    await _morning_sheets(api)

    await page.goto("/warehouse")
    await login(page, KEEPER)
    await expect(page.get_by_role("heading", name="Склад", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("nav-warehouse")).to_be_visible()
    await expect(page.get_by_test_id("nav-clients")).to_have_count(0)  # the keeper has no clients
    sent = page.get_by_test_id("warehouse-orders")
    await expect(sent.locator(f'tr[data-order="{first}"]')).to_contain_text(f"№{first}")
    await expect(sent.locator(f'tr[data-order="{second}"]')).to_be_visible()
    await watched.assert_screen()

    # The warehouse's Excel file, downloaded with the keeper's token.
    async with page.expect_download() as download_info:
        await sent.locator(f'tr[data-order="{first}"]').get_by_role("button", name="Файл Excel").click()
    download = await download_info.value
    assert download.suggested_filename.endswith(".xlsx"), download.suggested_filename
    path = await download.path()
    assert path.read_bytes()[:2] == b"PK"

    # «Принято»: the order leaves the list and waits for supply (one line is procured).
    await sent.locator(f'tr[data-order="{first}"]').get_by_role("button", name="Принято").click()
    await expect(sent.locator(f'tr[data-order="{first}"]')).to_have_count(0)
    await expect(sent.locator(f'tr[data-order="{second}"]')).to_be_visible()
    assert api.call("GET", f"/api/v1/orders/{first}", assistant)["status"] == "waiting_for_supply"

    # The morning check's sheet, opened from the keyboard.
    checks = page.get_by_test_id("warehouse-checks")
    # Its assistant's sheet: the keeper may have another's (the day's walk makes one too).
    sheet_link = checks.locator("tr").filter(has_text=me["full_name"]).get_by_role("link")
    await sheet_link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Утренняя проверка")).to_be_visible()
    rows = page.get_by_test_id("check-sheet").locator("tr[data-item]")
    await expect(rows).to_have_count(4)
    await expect(page.get_by_test_id("check-left")).to_have_text("Осталось отметить: 4")
    await expect(page.get_by_test_id("check-sheet").locator(f'tr[data-order="{first}"]')).to_contain_text(
        f"Заявка №{first}"
    )
    await watched.assert_screen()

    # Position by position from the keyboard: Enter marks the focused mark, the next row is focused;
    # Tab moves along a row's marks («На складе», «В магазине», «Пришло», «Нет»).
    await rows.nth(0).get_by_role("button").first.focus()
    await page.keyboard.press("Enter")
    await expect(rows.nth(0)).to_have_attribute("data-mark", "set_aside_warehouse")
    await expect(rows.nth(1).get_by_role("button").first).to_be_focused()
    for _ in range(3):
        await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(rows.nth(1)).to_have_attribute("data-mark", "missing")
    await expect(rows.nth(2).get_by_role("button").first).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(rows.nth(2)).to_have_attribute("data-mark", "set_aside_warehouse")
    await expect(rows.nth(3).get_by_role("button").first).to_be_focused()
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await expect(rows.nth(3)).to_have_attribute("data-mark", "set_aside_shop")
    await expect(page.get_by_test_id("check-left")).to_have_text("Все позиции отмечены")
    await expect(rows.nth(1)).to_contain_text("Нет в наличии")
    # Every position of the second invoice is there: it is picked; the first lacks one.
    await expect(page.get_by_test_id(f"picked-{second}")).to_be_visible()
    await expect(page.get_by_test_id(f"picked-{first}")).to_have_count(0)

    # Then done, from the keyboard too: the last mark leaves the focus on «Проверка завершена».
    complete = page.get_by_test_id("check-complete")
    await expect(complete).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("check-status")).to_have_text("Завершена")

    # Later in the day the keeper says the first invoice is picked too.
    await (
        page.get_by_test_id("check-sheet")
        .locator(f'tr[data-order="{first}"]')
        .get_by_role("button", name="Собрано")
        .click()
    )
    await expect(page.get_by_test_id(f"picked-{first}")).to_be_visible()
    sheet = api.call(
        "GET", "/api/v1/warehouse-checks", api.login(KEEPER), params={"day": api.now.date().isoformat()}
    )
    (mine,) = [s for s in sheet["items"] if first in {i["order_id"] for i in s["items"]}]
    assert mine["status"] == "done"
    assert sorted(mine["picked_order_ids"]) == sorted([first, second])
    assert [i["mark"] for i in mine["items"]] == [
        "set_aside_warehouse", "set_aside_warehouse", "set_aside_warehouse", "set_aside_shop",
    ]  # fmt: skip
    await watched.assert_screen()
    watched.assert_clean()
