"""«Новая заявка» in the browser: a paper order with its client found as typed, a line, the text and
the scan dropped in; a double click makes one order, and its page lists the scan."""

from __future__ import annotations

from uuid import uuid4

from playwright.async_api import expect

from tests.console.conftest import ConsoleApi, Watched, login

MANAGER = "kuznetsova.as@example.com"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


async def test_a_paper_order_is_made_with_its_scan(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    manager = api.login(MANAGER)
    client = api.call("GET", "/api/v1/clients", manager, params={"limit": 1})["items"][0]
    tag = f"БУМАГА-{uuid4().hex[:8]}"

    await page.goto("/orders")
    await login(page, MANAGER)
    await page.get_by_role("button", name="Новая заявка").click()
    dialog = page.get_by_role("dialog", name="Новая заявка")

    # Without a channel nothing is sent: the field says what is missing.
    await dialog.get_by_role("button", name="Создать заявку").click()
    await expect(dialog.get_by_text("Укажите, откуда пришла заявка")).to_be_visible()

    await (
        dialog.get_by_role("textbox", name="Канал")
        .or_(dialog.get_by_role("combobox", name="Канал"))
        .first.click()
    )
    await page.get_by_role("option", name="Бумажная заявка", exact=True).click()
    await expect(dialog.get_by_text("Укажите, откуда пришла заявка")).to_be_hidden()  # answered
    found = dialog.get_by_role("textbox", name="Клиент", exact=True).or_(
        dialog.get_by_role("combobox", name="Клиент", exact=True)
    )
    await found.first.fill(client["name"][:10])
    await page.get_by_role("option", name=client["name"], exact=True).click()
    await dialog.get_by_label("Текст заявки").fill(f"Заявка на бланке {tag}: куртки утеплённые")
    await dialog.get_by_role("button", name="Добавить позицию").click()
    await dialog.get_by_label("Наименование, строка 1").fill("Куртка утеплённая")
    await dialog.get_by_label("Количество, строка 1").fill("3")
    await dialog.locator('input[type="file"]').set_input_files(
        files=[{"name": "blank.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    await expect(dialog.get_by_test_id("scan")).to_have_text("Скан: blank.pdf")
    await watched.assert_screen("new-order")

    await dialog.get_by_role("button", name="Создать заявку").dblclick()
    heading = page.get_by_role("heading", name="Заявка №")
    await expect(heading).to_be_visible()
    order_id = int((await heading.inner_text()).split("№")[1])
    attachments = page.get_by_role("region", name="Вложения")
    await expect(attachments).to_contain_text("blank.pdf")

    # One order, as typed, with the scan kept as its file.
    made = api.call("GET", "/api/v1/orders", manager, params={"q": tag})["items"]
    assert [o["id"] for o in made] == [order_id]
    assert (made[0]["channel"], made[0]["client_id"]) == ("paper", client["id"])
    assert [(line["name"], line["quantity"]) for line in made[0]["lines"]] == [("Куртка утеплённая", 3)]
    files = api.call("GET", f"/api/v1/orders/{order_id}/attachments", manager)["items"]
    assert [(f["filename"], f["content_type"]) for f in files] == [("blank.pdf", "application/pdf")]
    watched.assert_clean()
