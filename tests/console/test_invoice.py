"""«Счёт» on the order's page: the invoice made by the order's button, its PDF shown in the page,
sent, changed as the client asks (a discount that waits for management, decided by the director
through her own button), two revisions side by side, a mistake flagged and fixed, approved."""

from __future__ import annotations

from playwright.async_api import Page, expect

from tests.console.conftest import ConsoleApi, Watched, login, screenshot

# Not the assistant whose day «Сегодня» counts, and not by phone: the list test picks a phone order.
ASSISTANT = "volkova.ey@example.com"
DIRECTOR = "lebedeva.ip@example.com"
HEAD = "ershova.vm@example.com"


async def _confirm(page: Page, fields: dict[str, str], button: str = "Подтвердить") -> None:
    dialog = page.get_by_role("dialog")
    for label, value in fields.items():
        await dialog.get_by_label(label).fill(value)
    await dialog.get_by_role("button", name=button).click()
    await expect(dialog).to_be_hidden()


async def _logout(page: Page) -> None:
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_label("E-mail")).to_be_visible()


async def test_the_invoice_is_sent_revised_compared_flagged_and_approved(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    head, assistant = api.login(HEAD), api.login(ASSISTANT)
    order = api.mail_order(head, assistant, quantity=3)
    pdfs: list[str] = []
    page.on(
        "response",
        lambda r: pdfs.append(r.headers.get("content-type", "")) if r.url.endswith("/pdf") and r.ok else None,
    )

    await page.goto(f"/orders/{order['id']}")
    await login(page, ASSISTANT)
    await page.get_by_test_id("order-actions").get_by_role("button", name="Выставить счёт").click()
    section = page.get_by_test_id("invoice")
    await expect(section.get_by_test_id("invoice-status")).to_have_text("Выставлен")
    invoice = api.call("GET", "/api/v1/invoices", assistant, params={"client_id": order["client_id"]})[
        "items"
    ][0]
    assert invoice["order_id"] == order["id"]
    await expect(section).to_contain_text(f"Счёт № {invoice['number']}")
    await expect(section).to_contain_text("редакция 1")
    await expect(section.locator("tbody tr").first).to_contain_text("3 ")
    # The PDF is fetched with the token and shown in the page.
    await expect(section.get_by_title(f"Счёт № {invoice['number']}, PDF")).to_be_visible()
    assert [kind.split(";")[0] for kind in pdfs][-1:] == ["application/pdf"], pdfs
    await watched.assert_no_horizontal_scroll()
    await screenshot(page, "invoice")

    # Sent to the client, by keyboard.
    actions = section.get_by_test_id("invoice-actions")
    await actions.get_by_role("button", name="Отправить клиенту").focus()
    await page.keyboard.press("Enter")
    await _confirm(page, {"E-mail клиента (если не из карточки)": "zakupki@example.ru"})
    await expect(section.get_by_test_id("invoice-status")).to_have_text("На согласовании у клиента")
    await expect(page.get_by_test_id("order-status")).to_have_text("Счёт на согласовании")

    # The client wants five suits at 10 % off: recorded, then revised; the discount waits for management.
    await actions.get_by_role("button", name="Клиент просит изменить").click()
    await _confirm(page, {"Что клиент просит изменить": "Пять костюмов и скидка 10 %"})
    await expect(section.get_by_test_id("invoice-status")).to_have_text("Клиент просит изменить")
    await expect(section).to_contain_text("Пять костюмов и скидка 10 %")
    await actions.get_by_role("button", name="Изменить счёт").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Количество, строка 1").fill("5")
    await dialog.get_by_label("Скидка, строка 1").fill("10")
    await dialog.get_by_role("button", name="Сохранить новую редакцию").click()
    await expect(dialog).to_be_hidden()
    await expect(section).to_contain_text("редакция 2")
    await expect(section.get_by_test_id("discount-pending")).to_be_visible()
    await expect(actions.get_by_role("button", name="Отправить клиенту")).to_have_count(0)
    await expect(actions.get_by_role("button", name="Одобрить скидку")).to_have_count(0)

    # Two revisions side by side.
    changes = section.get_by_test_id("revisions")
    quantity = changes.get_by_test_id("revision-change").filter(has_text="Кол-во")
    await expect(quantity).to_contain_text("3")
    await expect(quantity.locator("td").nth(3)).to_have_text("5")
    discount = changes.get_by_test_id("revision-change").filter(has_text="Скидка, %")
    await expect(discount.locator("td").nth(3)).to_contain_text("10")
    await expect(changes).to_contain_text("Причина: Пять костюмов и скидка 10 %")
    await expect(changes.get_by_test_id("revision-total")).to_contain_text("₽")
    await watched.assert_no_horizontal_scroll()
    await screenshot(page, "invoice-revisions")

    # A mistake flagged in the invoice, then fixed.
    await section.get_by_role("button", name="Сообщить об ошибке в счёте").click()
    await _confirm(page, {"Что не так": "Не тот адрес грузополучателя"})
    flag = section.get_by_test_id("flag")
    await expect(flag).to_contain_text("Не тот адрес грузополучателя")
    await flag.get_by_role("button", name="Исправлено").click()
    await _confirm(page, {"Что исправлено": "Адрес исправлен в 1С"})
    await expect(flag).to_have_count(0)

    # The director decides the discount through the button offered to her.
    await _logout(page)
    await page.goto(f"/orders/{order['id']}")
    await login(page, DIRECTOR)
    await section.get_by_test_id("invoice-actions").get_by_role("button", name="Одобрить скидку").click()
    await expect(section.get_by_test_id("discount-pending")).to_have_count(0)
    await expect(actions.get_by_role("button", name="Одобрить скидку")).to_have_count(0)
    await _logout(page)

    # Sent again and approved by the client: the order goes on.
    await page.goto(f"/orders/{order['id']}")
    await login(page, ASSISTANT)
    await actions.get_by_role("button", name="Отправить клиенту").click()
    await _confirm(page, {"E-mail клиента (если не из карточки)": "zakupki@example.ru"})
    await expect(section.get_by_test_id("invoice-status")).to_have_text("На согласовании у клиента")
    await actions.get_by_role("button", name="Клиент согласовал").click()
    await expect(section.get_by_test_id("invoice-status")).to_have_text("Согласован")
    await expect(page.get_by_test_id("order-status")).to_have_text("Счёт согласован")
    assert api.call("GET", f"/api/v1/invoices/{invoice['id']}", assistant)["status"] == "approved"
    await watched.assert_no_horizontal_scroll()
    watched.assert_clean()
