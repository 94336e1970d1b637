"""«Книга заявок» in the browser, as supply: the open lines of an order procured, one ordered and
given its expected date (a past date refused beside the field), one arrived, one that cannot be
filled with the reason, each moving to its part of the book."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from app.services.seed import inn10
from tests.console.conftest import ConsoleApi, Watched, login

ASSISTANT = "volkova.ey@example.com"  # not the one whose «Сегодня» test_today counts
HEAD = "ershova.vm@example.com"
SUPPLY = "novikova.op@example.com"


async def test_supply_works_the_requisition_book(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    assistant, head = api.login(ASSISTANT), api.login(HEAD)
    card = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": "ООО «Книга заявок»", "inn": inn10("352588002"), "kpp": "352501001",
              "assistant_id": api.call("GET", "/api/v1/auth/me", assistant)["id"]},
    )  # fmt: skip
    products = api.call("GET", "/api/v1/catalogue/products", assistant, params={"q": "Костюм", "limit": 100})
    missing = [p for p in products["items"] if p["stock"] == 0 and p["height"]]
    lines = [
        {"product_id": missing[i % len(missing)]["id"], "price_category": "Оптовая", "quantity": quantity}
        for i, quantity in enumerate([3, 5, 7])
    ]
    order = api.call(
        "POST",
        "/api/v1/orders",
        assistant,
        json={"channel": "phone", "client_id": card["id"], "lines": lines},
    )
    invoice = api.call("POST", f"/api/v1/orders/{order['id']}/invoice", assistant)
    api.call(
        "POST", f"/api/v1/invoices/{invoice['id']}/send", assistant, json={"email": "buyer@client.example.ru"}
    )
    api.call("POST", f"/api/v1/invoices/{invoice['id']}/approve", assistant, json={})
    api.call("POST", f"/api/v1/orders/{order['id']}/fulfil", assistant)
    supply = api.login(SUPPLY)
    book = api.call("GET", "/api/v1/requisitions", supply, params={"order_id": order["id"]})["items"]
    assert [r["quantity"] for r in book] == [3, 5, 7]
    first, second, third = (f'tr[data-requisition="{r["id"]}"]' for r in book)

    await page.goto("/requisitions")
    await login(page, SUPPLY)
    await expect(page.get_by_role("heading", name="Книга заявок")).to_be_visible()
    await expect(page.get_by_test_id("nav-requisitions")).to_be_visible()
    await expect(page.get_by_test_id("nav-clients")).to_have_count(0)  # supply has no clients
    open_lines = page.get_by_test_id("book-requested")
    for row in (first, second, third):
        await expect(open_lines.locator(row)).to_contain_text(f"№{order['id']}")
    await watched.assert_screen()

    # Ordered: the line leaves the open ones for «Заказано».
    await open_lines.locator(first).get_by_role("button", name="Заказано").click()
    await expect(open_lines.locator(first)).to_have_count(0)
    await page.get_by_role("tab", name="Заказано").click()
    ordered = page.get_by_test_id("book-ordered")
    await expect(ordered.locator(first)).to_contain_text("3")

    # Its expected date: a past one is refused beside the field, then a date next week is taken.
    await ordered.locator(first).get_by_role("button", name="Дата поставки").click()
    dialog = page.get_by_role("dialog")
    watched.allow(r"/api/v1/requisitions/\d+/expected: 422")
    watched.allow(r"422 \(Unprocessable")
    await dialog.get_by_label("Ожидаемая дата").fill((api.now - timedelta(days=2)).date().isoformat())
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog.get_by_text("Дата уже прошла")).to_be_visible()
    expected_on = api.now.date() + timedelta(days=7)
    await dialog.get_by_label("Ожидаемая дата").fill(expected_on.isoformat())
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(ordered.locator(first)).to_have_count(0)
    await page.get_by_role("tab", name="Ожидаются").click()
    await expect(page.get_by_test_id("book-expected").locator(first)).to_contain_text(
        expected_on.strftime("%d.%m.%Y")
    )

    # Arrived, and one that cannot be filled, with the reason.
    await page.get_by_role("tab", name="Открытые").click()
    await open_lines.locator(second).get_by_role("button", name="Пришло").click()
    await expect(open_lines.locator(second)).to_have_count(0)
    await open_lines.locator(third).get_by_role("button", name="Не можем обеспечить").click()
    await page.get_by_role("dialog").get_by_label("Причина").fill("Снят с производства")
    await page.get_by_role("dialog").get_by_role("button", name="Подтвердить").click()
    await expect(page.get_by_text("Открытых позиций нет")).to_be_visible()
    await page.get_by_role("tab", name="Пришло").click()
    await expect(page.get_by_test_id("book-arrived").locator(second)).to_contain_text(
        api.now.date().strftime("%d.%m.%Y")
    )
    await page.get_by_role("tab", name="Не можем обеспечить").click()
    await expect(page.get_by_test_id("book-cancelled").locator(third)).to_contain_text("Снят с производства")

    statuses = [
        r["status"]
        for r in api.call("GET", "/api/v1/requisitions", supply, params={"order_id": order["id"]})["items"]
    ]
    assert statuses == ["expected", "arrived", "cancelled"]
    await watched.assert_screen()
    watched.assert_clean()
