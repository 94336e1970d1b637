"""The assistant's working day through the console only, as the regulation's process 1 runs: the
amoCRM order taken from «Сегодня», clarified from the catalogue, invoiced, changed as the client
asks (a discount the director approves), approved, one line reserved and one procured, supply's
dates in «Книга заявок», the warehouse's «Принято» and the morning check that finds it picked, the
calls of the day, delivery with its checklist, shipped, received and the feedback call. amoCRM's
webhook is the only step from outside; each role logs in through the login page. Every screen is
checked on the way (no error, no failed request, no horizontal scroll, every button in Tab's reach)
and pictured for the docs when CONSOLE_SHOTS names a folder."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from playwright.async_api import Locator, Page, expect

from app.core.clock import system_clock
from app.core.config import DEFAULT_WEBHOOK_SECRET, ClockSettings, DbSettings, Settings
from app.services.workday.warehouse_checks import WarehouseCheckService
from app.worker.context import build_job_context, close_job_context
from app.worker.jobs import process_amocrm_delivery
from tests.console.conftest import (
    AMOCRM_ACCOUNT,
    DEMO_ASSISTANT,
    MOSCOW,
    ConsoleApi,
    Watched,
    login,
    logout,
    moscow,
)

DIRECTOR = "lebedeva.ip@example.com"
SUPPLY = "novikova.op@example.com"
KEEPER = "zaitseva.mi@example.com"
ME = "Смирнова Дарья Викторовна"
CLIENT = "ООО «Северный металл»"  # the demo amoCRM lead's company, new to the service
ADDRESS = "г. Череповец, ул. Заводская, д. 5"


async def _amocrm_lead(api: ConsoleApi) -> int:
    """amoCRM posts its new lead to the webhook, as it does; the worker's job makes the order."""
    form = (
        "leads[add][0][id]=31000101&leads[add][0][status_id]=61000001&leads[add][0][pipeline_id]=7001001"
        f"&account[id]={AMOCRM_ACCOUNT}&account[subdomain]=example"
    )
    async with httpx.AsyncClient(base_url=api.url, timeout=15) as outside:
        response = await outside.post(
            f"/webhooks/amocrm/{DEFAULT_WEBHOOK_SECRET}",
            content=form,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    assert response.status_code == 200, response.text
    settings = api.settings()
    job = build_job_context(settings, system_clock(settings.clock.offset))
    try:
        assert await process_amocrm_delivery({"app": job}, response.json()["delivery_id"]) == "processed"
    finally:
        await close_job_context(job)
    orders = api.call("GET", "/api/v1/orders", api.login(DEMO_ASSISTANT), params={"channel": "amocrm"})
    return int(orders["items"][0]["id"])


async def _morning_sheets(api: ConsoleApi) -> None:
    """The worker's morning check sheets, made as at 8:45 in Moscow today (the API's clock says noon)."""
    offset = api.now - timedelta(hours=3, minutes=15) - datetime.now(UTC)
    settings = Settings(db=DbSettings(url=api.env["APP_DB__URL"]), clock=ClockSettings(offset=offset))
    job = build_job_context(settings, system_clock(offset))
    try:
        async with job.unit_of_work() as uow:
            made, _ = await WarehouseCheckService(uow, job.erp).make_due(100)
    finally:
        await close_job_context(job)
    assert made >= 1


async def _confirm(page: Page, fields: dict[str, str], button: str = "Подтвердить") -> None:
    dialog = page.get_by_role("dialog")
    for label, value in fields.items():
        await dialog.get_by_label(label).fill(value)
    await dialog.get_by_role("button", name=button).click()
    await expect(dialog).to_be_hidden()


async def _shot_of(watched: Watched, part: Locator, name: str) -> None:
    """The screen checked with a part of the page scrolled to its top for the picture, then back (a
    control left under the fixed header would take no click)."""
    await part.evaluate("e => { e.scrollIntoView({block: 'start'}); window.scrollBy(0, -72); }")
    await watched.assert_screen(name)
    await watched.page.evaluate("() => window.scrollTo(0, 0)")


async def _today(page: Page) -> None:
    await page.get_by_test_id("nav-today").click()
    await expect(page.get_by_role("heading", name="Сегодня", exact=True)).to_be_visible()


def _of(order_id: int, invoice: str = "") -> re.Pattern[str]:
    """Text about this order (№12, not №123) or its invoice."""
    return re.compile(rf"№{order_id}(?!\d)" + (f"|№ {re.escape(invoice)}" if invoice else ""))


async def _calls_of_the_day(page: Page, about: re.Pattern[str], result: str) -> int:
    """Every task about the order (or its invoice), completed on «Сегодня» with its outcome; how many."""
    mine = page.get_by_test_id("task").filter(has_text=about)
    done = 0
    while await mine.count():
        card = mine.first
        title = await card.get_by_test_id("task-title").inner_text()
        await card.get_by_role("button", name=re.compile("Итог звонка|Выполнено")).click()
        dialog = page.get_by_role("dialog")
        await dialog.get_by_label("Результат").fill(result)
        await dialog.get_by_role("button", name="Сохранить").click()
        await expect(dialog).to_be_hidden()
        await expect(page.get_by_test_id("task").filter(has_text=title)).to_have_count(0)
        done += 1
    return done


async def _tick(page: Page, title: str) -> None:
    box = page.get_by_test_id("delivery-checklist").get_by_role("checkbox", name=title)
    await box.focus()
    await page.keyboard.press("Space")
    await expect(box).to_be_checked()


def _catalogue(api: ConsoleApi) -> tuple[dict[str, Any], dict[str, Any]]:
    """A suit in stock and one to procure (what the client asked for, as the manager tells it)."""
    found = api.call(
        "GET", "/api/v1/catalogue/products", api.login(DEMO_ASSISTANT), params={"q": "Костюм", "limit": 100}
    )["items"]
    in_stock = next(p for p in found if p["stock"] >= 10 and p["height"])
    missing = next(p for p in found if p["stock"] == 0 and p["height"])
    return in_stock, missing


async def test_the_assistants_day_through_the_console(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    in_stock, missing = _catalogue(api)
    order_id = await _amocrm_lead(api)
    number = f"№{order_id}"
    timeline = page.get_by_test_id("order-timeline")
    done_steps = timeline.locator('[data-step="done"]')
    status = page.get_by_test_id("order-status")
    actions = page.get_by_test_id("order-actions")

    # Morning: the login page, then «Сегодня» with the amoCRM order to clarify.
    await page.goto("/")
    await expect(page.get_by_role("button", name="Войти")).to_be_visible()
    await watched.assert_screen("login")
    await login(page, DEMO_ASSISTANT)
    await expect(page.get_by_test_id("me")).to_contain_text(ME)
    clarify = page.get_by_test_id("task").filter(has_text=f"Уточнить заявку {number}")
    await expect(clarify).to_contain_text("Уточнение")
    await watched.assert_screen()  # the picture of «Сегодня» is test_today's, with every bucket

    # «Заявки»: the amoCRM order is in the list.
    await page.get_by_test_id("nav-orders").click()
    row = page.locator("tbody tr").filter(has_text=str(order_id))
    await expect(row.first).to_contain_text("amoCRM")
    await watched.assert_screen()  # the list's and the order's pictures are test_orders'

    # The task opens the order: it needs its lines; the timeline has the first step done.
    await _today(page)
    await clarify.get_by_role("link", name=f"Открыть: Заявка {number}").click()
    await expect(page.get_by_role("heading", name=f"Заявка {number}")).to_be_visible()
    await expect(status).to_have_text("Нужно уточнение")
    await expect(page.get_by_text("amoCRM ·")).to_be_visible()
    await expect(done_steps).to_have_count(1)
    current = timeline.locator('[data-step="current"]')
    await expect(current).to_contain_text("2. Заявка принята")
    await expect(current).to_contain_text(f"Уточнить заявку {number} — срок ")
    await expect(timeline.locator('[data-step="next"]')).to_have_count(11)
    await watched.assert_screen()

    # Clarified with the catalogue searched as the name is typed: one suit in stock, one to procure.
    await actions.get_by_role("button", name="Уточнить").click()
    dialog = page.get_by_role("dialog")
    for i, (product, quantity) in enumerate(((in_stock, 4), (missing, 6)), start=1):
        await dialog.get_by_role("button", name="Добавить строку").click()
        await dialog.get_by_label("Наименование", exact=True).nth(i - 1).fill(product["sku"])
        await page.get_by_role("option").filter(has_text=product["sku"]).click()
        await expect(dialog.get_by_label(f"Модель, строка {i}")).to_have_value(product["model"])
        await expect(dialog.get_by_label(f"Рост, строка {i}")).to_have_value(product["height"])
        await dialog.get_by_label(f"Цен. категория, строка {i}").fill("Оптовая")
        await dialog.get_by_label(f"Количество, строка {i}").fill(str(quantity))
    await watched.assert_no_horizontal_scroll()
    await watched.assert_screen("clarification")
    await dialog.get_by_role("button", name="Сохранить уточнение").click()
    await expect(dialog).to_be_hidden()
    await expect(status).to_have_text("Принята")
    await expect(page.locator("td[data-missing]")).to_have_count(0)
    await expect(done_steps).to_have_count(2)

    # The invoice, by keyboard: the timeline's third step is done, by her, today.
    await actions.get_by_role("button", name="Выставить счёт").focus()
    await page.keyboard.press("Enter")
    await expect(status).to_have_text("Счёт выставлен")
    await expect(done_steps).to_have_count(3)
    await expect(done_steps.nth(2)).to_contain_text("3. Счёт создан в 1С")
    await expect(done_steps.nth(2)).to_contain_text(f"{moscow(api.now)[:10]}")
    await expect(done_steps.nth(2)).to_contain_text(ME)
    await expect(timeline.locator('[data-step="current"]')).to_contain_text("4. Счёт отправлен клиенту")
    section = page.get_by_test_id("invoice")
    invoice_status = section.get_by_test_id("invoice-status")
    await expect(invoice_status).to_have_text("Выставлен")
    await expect(section).to_contain_text("редакция 1")
    await expect(section.get_by_title(re.compile(r"Счёт № .*, PDF"))).to_be_visible()
    heading = await section.get_by_role("heading").first.inner_text()
    invoice_number = heading.removeprefix("Счёт № ").split(" от ")[0]
    await watched.assert_screen("order-timeline")
    await _shot_of(watched, section, "invoice")

    # Sent to the buyer from the card amoCRM gave.
    invoice_actions = section.get_by_test_id("invoice-actions")
    await invoice_actions.get_by_role("button", name="Отправить клиенту").click()
    await _confirm(page, {})
    await expect(invoice_status).to_have_text("На согласовании у клиента")
    await expect(status).to_have_text("Счёт на согласовании")

    # The client's changes: six suits in stock instead of four and 10 % off; a revision, the discount
    # waiting for management; the two revisions side by side.
    await invoice_actions.get_by_role("button", name="Клиент просит изменить").click()
    await _confirm(page, {"Что клиент просит изменить": "Шесть костюмов вместо четырёх и скидка 10 %"})
    await expect(invoice_status).to_have_text("Клиент просит изменить")
    await invoice_actions.get_by_role("button", name="Изменить счёт").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Количество, строка 1").fill("6")
    await dialog.get_by_label("Скидка, строка 1").fill("10")
    await dialog.get_by_role("button", name="Сохранить новую редакцию").click()
    await expect(dialog).to_be_hidden()
    await expect(section).to_contain_text("редакция 2")
    await expect(section.get_by_test_id("discount-pending")).to_be_visible()
    await expect(invoice_actions.get_by_role("button", name="Отправить клиенту")).to_have_count(0)
    await expect(invoice_actions.get_by_role("button", name="Одобрить скидку")).to_have_count(0)
    changes = section.get_by_test_id("revisions")
    quantity = changes.get_by_test_id("revision-change").filter(has_text="Кол-во")
    await expect(quantity.locator("td").nth(3)).to_have_text("6")
    discount = changes.get_by_test_id("revision-change").filter(has_text="Скидка, %")
    await expect(discount.locator("td").nth(3)).to_contain_text("10")
    await expect(changes).to_contain_text("Причина: Шесть костюмов вместо четырёх и скидка 10 %")
    await _shot_of(watched, changes, "invoice-revisions")

    # A mistake flagged in the invoice and fixed.
    await section.get_by_role("button", name="Сообщить об ошибке в счёте").click()
    await _confirm(page, {"Что не так": "Не тот адрес грузополучателя"})
    flag = section.get_by_test_id("flag")
    await expect(flag).to_contain_text("Не тот адрес грузополучателя")
    await flag.get_by_role("button", name="Исправлено").click()
    await _confirm(page, {"Что исправлено": "Адрес исправлен в 1С"})
    await expect(flag).to_have_count(0)

    # The director decides the discount through her own button.
    await logout(page)
    await page.goto(f"/orders/{order_id}")
    await login(page, DIRECTOR)
    await invoice_actions.get_by_role("button", name="Одобрить скидку").click()
    await expect(section.get_by_test_id("discount-pending")).to_have_count(0)
    await logout(page)

    # Sent again; the client approves: the order goes on.
    await page.goto(f"/orders/{order_id}")
    await login(page, DEMO_ASSISTANT)
    await invoice_actions.get_by_role("button", name="Отправить клиенту").click()
    await _confirm(page, {})
    await expect(invoice_status).to_have_text("На согласовании у клиента")
    await invoice_actions.get_by_role("button", name="Клиент согласовал").click()
    await expect(invoice_status).to_have_text("Согласован")
    await expect(status).to_have_text("Счёт согласован")
    await expect(done_steps).to_have_count(5)

    # Fulfilment: the suit in stock is reserved, the other procured; then to the warehouse.
    await actions.get_by_role("button", name="Обеспечить").click()
    lines = page.get_by_test_id("order-lines").locator("tbody tr")
    await expect(lines.nth(0)).to_contain_text("Резерв")
    await expect(lines.nth(1)).to_contain_text("Закупка")
    await actions.get_by_role("button", name="Передать на склад").click()
    await expect(status).to_have_text("Передана на склад")
    await watched.assert_screen()
    await logout(page)

    # Supply: the procured line ordered and its expected date (a past one refused beside the field).
    await page.goto("/requisitions")
    await login(page, SUPPLY)
    await expect(page.get_by_role("heading", name="Книга заявок")).to_be_visible()
    this_order = page.get_by_role("link", name=number, exact=True)

    def line(part: str) -> Locator:  # the order's one line to procure, in a part of the book
        return page.get_by_test_id(f"book-{part}").locator("tr[data-requisition]").filter(has=this_order)

    await expect(line("requested")).to_contain_text(missing["name"])
    await watched.assert_screen()
    await line("requested").get_by_role("button", name="Заказано").click()
    await expect(line("requested")).to_have_count(0)
    await page.get_by_role("tab", name="Заказано").click()
    await line("ordered").get_by_role("button", name="Дата поставки").click()
    dialog = page.get_by_role("dialog")
    watched.allow(r"/api/v1/requisitions/\d+/expected: 422")
    watched.allow(r"422 \(Unprocessable")
    await dialog.get_by_label("Ожидаемая дата").fill((api.now - timedelta(days=2)).date().isoformat())
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog.get_by_text("Дата уже прошла")).to_be_visible()
    expected_on = api.now.astimezone(MOSCOW).date() + timedelta(days=1)
    await dialog.get_by_label("Ожидаемая дата").fill(expected_on.isoformat())
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await page.get_by_role("tab", name="Ожидаются").click()
    await expect(line("expected")).to_contain_text(expected_on.strftime("%d.%m.%Y"))
    await watched.assert_screen("requisitions")
    await logout(page)

    # The keeper: «Принято»; the order waits for supply.
    await page.goto("/warehouse")
    await login(page, KEEPER)
    sent = page.get_by_test_id("warehouse-orders")
    await expect(sent.locator(f'tr[data-order="{order_id}"]')).to_contain_text(number)
    await watched.assert_screen("warehouse")
    await sent.locator(f'tr[data-order="{order_id}"]').get_by_role("button", name="Принято").click()
    await expect(sent.locator(f'tr[data-order="{order_id}"]')).to_have_count(0)

    # The next morning's check (the worker's sheet): the reserved suit is on the shelf, the procured
    # one came; the invoice is picked in full, so the order is ready.
    await _morning_sheets(api)
    await page.reload()
    checks = page.get_by_test_id("warehouse-checks")
    await checks.locator("tr").filter(has_text=ME).get_by_role("link").click()
    await expect(page.get_by_role("heading", name=re.compile("Утренняя проверка"))).to_be_visible()
    sheet = page.get_by_test_id("check-sheet")
    rows = sheet.locator("tr[data-item]")
    await expect(rows).to_have_count(2)
    await expect(rows.nth(1)).to_contain_text(f"Закупка, ожидается {expected_on:%d.%m.%Y}")
    await watched.assert_screen("warehouse-check")
    await rows.nth(0).get_by_role("button", name=re.compile("^Отложено на складе")).click()
    await expect(rows.nth(0)).to_have_attribute("data-mark", "set_aside_warehouse")
    await rows.nth(1).get_by_role("button", name=re.compile("^Пришло вчера")).click()
    await expect(rows.nth(1)).to_have_attribute("data-mark", "arrived")
    await expect(page.get_by_test_id(f"picked-{order_id}")).to_be_visible()
    await page.get_by_test_id("check-complete").click()
    await expect(page.get_by_test_id("check-status")).to_have_text("Завершена")
    await sheet.get_by_role("link", name=f"Заявка {number}").click()
    await expect(status).to_have_text("Собрана")
    await watched.assert_screen()
    await logout(page)

    # The assistant's calls of the day: the order is ready; each done on «Сегодня».
    await login(page, DEMO_ASSISTANT)
    await expect(page.get_by_role("heading", name="Сегодня", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("task").filter(has_text=f"заявка {number} готова")).to_be_visible()
    about = _of(order_id, invoice_number)
    assert await _calls_of_the_day(page, about, "Клиенту сообщили, доставка завтра") >= 3
    await expect(page.get_by_test_id("task").filter(has_text=about)).to_have_count(0)

    # Delivery by our driver tomorrow, the checklist ticked from the keyboard, shipped, received.
    await page.goto(f"/orders/{order_id}")
    await actions.get_by_role("button", name="Доставка согласована").click()
    day = expected_on
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Дата").fill(day.isoformat())
    await dialog.get_by_label("С", exact=True).fill("10:00")
    await dialog.get_by_label("До", exact=True).fill("13:00")
    await dialog.get_by_label("Адрес").fill(ADDRESS)
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(status).to_have_text("Доставка согласована")
    delivery = page.get_by_test_id("delivery")
    await expect(delivery.get_by_test_id("delivery-method")).to_contain_text(
        f"Свой водитель · {day:%d.%m.%Y}, 10:00–13:00 · {ADDRESS}"
    )
    message = delivery.get_by_test_id("driver-message")
    await expect(message).to_contain_text(f"Заявка {number}: доставка {day:%d.%m.%Y} 10:00–13:00")
    await expect(message).to_contain_text("уйдёт в чат «Доставка»")
    boxes = delivery.get_by_test_id("delivery-checklist").get_by_role("checkbox")
    await expect(boxes).to_have_count(7)
    for title in ("Счёт", "УПД из 1С", "Сертификаты на продукцию", "Договор из общей папки"):
        await _tick(page, title)
    await expect(actions.get_by_role("button", name="Отгружено")).to_have_count(0)
    await expect(delivery.get_by_test_id("delivery-checklist")).to_contain_text(ME)
    await _shot_of(watched, delivery, "delivery")
    for title in (
        "Документы распечатаны",
        "Документы на полке водителя",
        "Сообщение водителю в чат «Доставка»",
    ):
        await _tick(page, title)
    await expect(message).to_contain_text("Отправлено водителю в чат «Доставка»")
    await actions.get_by_role("button", name="Отгружено").click()
    await expect(status).to_have_text("Отгружена")
    await actions.get_by_role("button", name="Получено клиентом").click()
    await expect(status).to_have_text("Доставлена")
    await expect(delivery).to_contain_text("Получено клиентом:")

    # The feedback call, from «Сегодня»: reached, what the client said closes the order, as the
    # order page's «Звонок обратной связи» would.
    await _today(page)
    feedback = page.get_by_test_id("task").filter(has_text=f"Обратная связь по заявке {number}")
    await expect(feedback).to_be_visible()
    await feedback.get_by_role("button", name="Итог звонка").click()
    dialog = page.get_by_role("dialog", name="Итог звонка")
    await dialog.get_by_text("Дозвонились", exact=True).click()
    await dialog.get_by_label("Результат").fill("Всё хорошо, спасибо")
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(feedback).to_have_count(0)
    await page.goto(f"/orders/{order_id}")
    await expect(status).to_have_text("Закрыта")
    await expect(page.get_by_test_id("delivery-feedback")).to_have_text("Обратная связь: Всё хорошо, спасибо")
    await expect(done_steps).to_have_count(13)
    await expect(actions).to_have_count(0)
    await _today(page)
    await expect(page.get_by_test_id("task").filter(has_text=about)).to_have_count(0)
    await watched.assert_screen()

    # «Клиенты»: the card amoCRM's company became, with its contact and the order in its history.
    await page.get_by_test_id("nav-clients").click()
    await page.get_by_label("Поиск").fill("Северный")
    await expect(page.get_by_test_id("clients-shown")).to_have_text("Показано: 1")
    await watched.assert_screen("clients")
    await page.get_by_role("link", name=CLIENT).click()
    await expect(page.get_by_role("heading", name=CLIENT)).to_be_visible()
    await expect(page.get_by_test_id("client-contacts")).to_contain_text("Ковалёв Андрей Петрович")
    await watched.assert_screen("client")
    await logout(page)
    watched.assert_clean()
