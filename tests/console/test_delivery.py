"""«Доставка» on the order's page: the delivery agreed (own driver), its checklist ticked item by
item, the driver's message shown as it will be posted before it is, shipped, received, and the
feedback call that closes the order."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import Page, expect

from tests.console.conftest import MOSCOW, ConsoleApi, Watched, login, screenshot

# Not the assistant whose day «Сегодня» counts, and not by phone: the list test picks a phone order.
ASSISTANT = "volkova.ey@example.com"
HEAD = "ershova.vm@example.com"
KEEPER = "zaitseva.mi@example.com"
SUPPLY = "novikova.op@example.com"
ADDRESS = "г. Череповец, ул. Мира, 1"


def _ready_order(api: ConsoleApi) -> int:
    """An order taken through the API up to «Собрана»: invoiced, approved, reserved or procured,
    accepted by the warehouse, what was procured arrived."""
    head, assistant = api.login(HEAD), api.login(ASSISTANT)
    keeper, supply = api.login(KEEPER), api.login(SUPPLY)
    order = api.mail_order(head, assistant, quantity=2)
    url = f"/api/v1/orders/{order['id']}"
    invoice = api.call("POST", f"{url}/invoice", assistant, json={})
    api.call(
        "POST", f"/api/v1/invoices/{invoice['id']}/send", assistant, json={"email": "zakupki@example.ru"}
    )
    api.call("POST", f"/api/v1/invoices/{invoice['id']}/approve", assistant, json={})
    api.call("POST", f"{url}/fulfil", assistant)
    api.call("POST", f"{url}/send-to-warehouse", assistant)
    api.call("POST", f"{url}/warehouse-accepted", keeper)
    book = api.call("GET", "/api/v1/requisitions", supply, params={"order_id": order["id"]})["items"]
    for item in book:
        api.call("POST", f"/api/v1/requisitions/{item['id']}/arrived", supply, json={})
    assert api.call("POST", f"{url}/ready", keeper)["status"] == "ready"
    return int(order["id"])


async def _tick(page: Page, title: str) -> None:
    box = page.get_by_test_id("delivery-checklist").get_by_role("checkbox", name=title)
    await box.focus()
    await page.keyboard.press("Space")
    await expect(box).to_be_checked()


async def test_delivery_is_agreed_ticked_shipped_received_and_called(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    order_id = _ready_order(api)
    day = (api.now + timedelta(days=1)).astimezone(MOSCOW).date()

    await page.goto(f"/orders/{order_id}")
    await login(page, ASSISTANT)
    await expect(page.get_by_test_id("order-status")).to_have_text("Собрана")
    actions = page.get_by_test_id("order-actions")
    await actions.get_by_role("button", name="Доставка согласована").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Дата").fill(day.isoformat())
    await dialog.get_by_label("С", exact=True).fill("10:00")
    await dialog.get_by_label("До", exact=True).fill("14:00")
    await dialog.get_by_label("Адрес").fill(ADDRESS)
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("order-status")).to_have_text("Доставка согласована")
    section = page.get_by_test_id("delivery")
    await expect(section.get_by_test_id("delivery-method")).to_contain_text(
        f"Свой водитель · {day:%d.%m.%Y}, 10:00–14:00 · {ADDRESS}"
    )
    boxes = section.get_by_test_id("delivery-checklist").get_by_role("checkbox")
    await expect(boxes).to_have_count(7)
    # The driver's message, as it will be posted, before anything is posted.
    shelf = "Документы на полке водителя."
    message = f"Заявка №{order_id}: доставка {day:%d.%m.%Y} 10:00–14:00, адрес: {ADDRESS}. {shelf}"
    await expect(section.get_by_test_id("driver-message")).to_contain_text(message)
    await expect(section.get_by_test_id("driver-message")).to_contain_text("уйдёт в чат «Доставка»")
    # Shipping waits for the checklist: not offered until every item is ticked.
    for title in ("Счёт", "УПД из 1С", "Сертификаты на продукцию", "Договор из общей папки"):
        await _tick(page, title)
    await expect(actions.get_by_role("button", name="Отгружено")).to_have_count(0)
    await expect(section.get_by_test_id("delivery-checklist")).to_contain_text("Волкова Елена Юрьевна")
    await watched.assert_no_horizontal_scroll()
    await screenshot(page, "delivery")
    for title in (
        "Документы распечатаны",
        "Документы на полке водителя",
        "Сообщение водителю в чат «Доставка»",
    ):
        await _tick(page, title)
    await expect(section.get_by_test_id("driver-message")).to_contain_text(
        "Отправлено водителю в чат «Доставка»"
    )

    await actions.get_by_role("button", name="Отгружено").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("Отгружена")
    await actions.get_by_role("button", name="Получено клиентом").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("Доставлена")
    await expect(section).to_contain_text("Получено клиентом:")
    await actions.get_by_role("button", name="Звонок обратной связи").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Оценка клиента (1–5)").fill("4")
    await dialog.get_by_label("Что сказал клиент").fill("Всё хорошо, водитель опоздал на час")
    await dialog.get_by_role("button", name="Записать и закрыть заявку").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("order-status")).to_have_text("Закрыта")
    await expect(section.get_by_test_id("delivery-feedback")).to_have_text(
        "Обратная связь: оценка 4 из 5 — Всё хорошо, водитель опоздал на час"
    )
    await expect(page.get_by_test_id("order-timeline").locator('[data-step="done"]')).to_have_count(13)
    await watched.assert_no_horizontal_scroll()
    watched.assert_clean()
