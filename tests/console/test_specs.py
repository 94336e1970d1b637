"""«ТЗ в швейный цех» in the browser, as process 3 runs: a logo spec taken with its logo file, its
invoice to the manager and checked, signed by supply (logged in as supply), sent to the logo chat
(the fake chat receives the signed spec and the logo) and accepted there with a remark; a spec for
tailoring to measurements filled by pasting a spreadsheet's rows, a wrong cell marked and put right.
Every screen is checked on the way and pictured for the docs when CONSOLE_SHOTS names a folder."""

from __future__ import annotations

import io
import re
from typing import Any

from PIL import Image
from playwright.async_api import Page, expect
from sqlalchemy import select

from app.adapters.chat import StubChat
from app.core.clock import system_clock
from app.models.outbox import MessageAbout, OutboundKind, OutboundMessage
from app.services.seed import inn10
from app.worker.context import build_job_context, close_job_context
from app.worker.jobs import deliver_outbound
from tests.console.conftest import ConsoleApi, Watched, login, logout

ASSISTANT = "volkova.ey@example.com"
HEAD = "ershova.vm@example.com"
SUPPLY = "novikova.op@example.com"
WORKSHOP = "belova.sr@example.com"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 80), (20, 60, 160)).save(out, "PNG")
    return out.getvalue()


LOGO = _png()


def _order(api: ConsoleApi, name: str, first9: str) -> dict[str, Any]:
    """A client of the walk's own (with a manager, who checks the invoice) and its accepted order
    with two catalogue lines."""
    assistant, head = api.login(ASSISTANT), api.login(HEAD)
    manager = api.call("GET", "/api/v1/employees", head, params={"role": "manager"})["items"][0]
    card = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": name, "inn": inn10(first9), "kpp": "352501001", "manager_id": manager["id"],
              "assistant_id": api.call("GET", "/api/v1/auth/me", assistant)["id"]},
    )  # fmt: skip
    products = api.call("GET", "/api/v1/catalogue/products", assistant, params={"q": "Костюм", "limit": 100})
    lines = [
        {"product_id": p["id"], "price_category": "Оптовая", "quantity": 10}
        for p in [p for p in products["items"] if p["height"]][:2]
    ]
    order = api.call(
        "POST",
        "/api/v1/orders",
        assistant,
        json={"channel": "phone", "client_id": card["id"], "lines": lines},
    )
    assert order["status"] == "accepted", order
    return dict(order)


async def _pick(page: Page, label: str, option: str) -> None:
    await page.get_by_role("dialog").get_by_label(label).click()
    await page.get_by_role("option", name=option, exact=True).click()


async def _new_spec_form(page: Page, order_id: int) -> None:
    await page.get_by_test_id("nav-specs").click()
    await expect(page.get_by_role("heading", name="ТЗ в швейный цех")).to_be_visible()
    await page.get_by_role("button", name="Новое ТЗ").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Заявка №").fill(str(order_id))
    await _pick(page, "Как пришло", "По почте")


async def _act(page: Page, button: str, status: str) -> None:
    await page.get_by_test_id("spec-actions").get_by_role("button", name=button, exact=True).click()
    await expect(page.get_by_test_id("spec-status")).to_have_text(status)


async def _deliver_chat(api: ConsoleApi, spec_id: int) -> None:
    """The worker's job sends the spec's chat posts (the console's API runs no worker; the invoice's
    email to the manager is not this walk's)."""
    settings = api.settings()
    job = build_job_context(settings, system_clock(settings.clock.offset))
    try:
        async with job.unit_of_work() as uow:
            ids = list(
                await uow.session.scalars(
                    select(OutboundMessage.id).where(
                        OutboundMessage.kind == OutboundKind.CHAT,
                        OutboundMessage.about == MessageAbout.SPEC,
                        OutboundMessage.about_id == spec_id,
                    )
                )
            )
        assert ids
        for message_id in ids:
            assert await deliver_outbound({"app": job}, message_id) == "sent"
    finally:
        await close_job_context(job)


async def test_logo_spec_signed_sent_and_accepted(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    order = _order(api, "ООО «Логотип на груди»", "352588101")

    await page.goto("/specs")
    await login(page, ASSISTANT)
    await expect(page.get_by_role("heading", name="ТЗ в швейный цех")).to_be_visible()
    await watched.assert_screen()

    # The logo spec: the place picked on the sketch, the method, colours, size and garments, the file.
    await _new_spec_form(page, order["id"])
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("button", name="левая сторона груди").click()
    await expect(dialog.get_by_label("Место нанесения")).to_have_value("левая сторона груди")
    await _pick(page, "Способ нанесения", "Вышивка")
    colours = dialog.get_by_label("Цвета")
    for colour in ("тёмно-синий", "белый"):
        await colours.fill(colour)
        await colours.press("Enter")
    await dialog.get_by_label("Ширина, мм").fill("90")
    await dialog.get_by_label("Высота, мм").fill("45")
    await dialog.get_by_label("Изделие, строка 1").fill("Куртка рабочая «Мастер»")
    await dialog.get_by_label("Количество, строка 1").fill("10")
    await dialog.locator("input[type=file]").set_input_files(
        {"name": "logo.png", "mimeType": "image/png", "buffer": LOGO}
    )
    await expect(dialog.get_by_test_id("logo-file")).to_contain_text("logo.png")
    await expect(dialog.get_by_test_id("logo-preview")).to_be_visible()
    await watched.assert_screen()
    await dialog.get_by_role("button", name="Создать ТЗ").click()
    await expect(dialog).to_be_hidden()

    await expect(page).to_have_url(re.compile(r"/specs/\d+$"))
    spec_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.get_by_role("heading", name=f"ТЗ №{spec_id}")).to_be_visible()
    await expect(page.get_by_test_id("spec-status")).to_have_text("Получено")
    details = page.get_by_test_id("spec-details")
    await expect(details).to_contain_text("левая сторона груди")
    await expect(details).to_contain_text("Вышивка")
    await expect(details).to_contain_text("90 × 45 мм")
    await expect(details.get_by_test_id("logo-image")).to_be_visible()
    await expect(page.get_by_test_id("spec-pdf")).to_be_visible()
    spec = api.call("GET", f"/api/v1/specs/{spec_id}", api.login(ASSISTANT))
    assert (spec["logo_filename"], spec["revision"]) == ("logo.png", 2)

    # The invoice made for the order; the spec's steps: to the manager, checked by the manager.
    api.call("POST", f"/api/v1/orders/{order['id']}/invoice", api.login(ASSISTANT))
    await page.reload()
    await _act(page, "Отправить счёт менеджеру", "Счёт у менеджера на проверке")
    await _act(page, "Менеджер проверил счёт", "Счёт проверен, ждёт подписи снабжения")
    await expect(page.get_by_test_id("spec-signature")).to_contain_text("Не подписано")
    # The assistant has no signature to give: only supply signs.
    await expect(page.get_by_test_id("spec-actions").get_by_role("button", name="Подписать")).to_have_count(0)
    await watched.assert_screen()
    invoice = api.call("GET", f"/api/v1/specs/{spec_id}", api.login(ASSISTANT))["invoice_id"]
    for step, body in (("send", {"email": "buyer@logo.example.ru"}), ("approve", {})):
        api.call("POST", f"/api/v1/invoices/{invoice}/{step}", api.login(ASSISTANT), json=body)

    # Supply signs, logged in as supply.
    await logout(page)
    await page.goto(f"/specs/{spec_id}")
    await login(page, SUPPLY)
    await expect(page.get_by_test_id("nav-specs")).to_be_visible()
    await _act(page, "Подписать", "Подписано снабжением")
    await expect(page.get_by_test_id("spec-signature")).to_contain_text("Подписано: Новикова Ольга Петровна")
    await expect(page.get_by_test_id("spec-signature")).to_contain_text("редакция 2, в системе")
    await expect(
        page.get_by_test_id("spec-actions").get_by_role("button", name="Отправить в цех")
    ).to_have_count(0)
    await watched.assert_screen()

    # The assistant sends it: to the logo chat, as the dialog says before sending.
    await logout(page)
    await page.goto(f"/specs/{spec_id}")
    await login(page, ASSISTANT)
    await page.get_by_test_id("spec-actions").get_by_role("button", name="Отправить в цех").click()
    await expect(dialog.get_by_test_id("send-intro")).to_contain_text(
        "«Логотипы.ЩЦ» вместе с файлом логотипа"
    )
    await watched.assert_screen()
    await dialog.get_by_label("Строка к сообщению").fill("Срочно, к пятнице")
    await dialog.get_by_role("button", name="Отправить", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("spec-status")).to_have_text("Отправлено в цех")
    await expect(page.get_by_test_id("spec-channel")).to_contain_text("Отправлено в чат «Логотипы.ЩЦ»")
    await expect(page.get_by_test_id("spec-history")).to_contain_text("Отправлено в цех")

    await _deliver_chat(api, spec_id)
    chat = StubChat(api.env["APP_CHAT__STUB_DIR"])
    posts = [p for p in chat.read("workshop_logos") if f"ТЗ № {spec_id} " in (p.get("caption") or "")]
    assert len(posts) == 2, posts
    signed, logo = posts
    assert "Подписано снабжением" in signed["caption"]
    assert "Срочно, к пятнице" in signed["caption"]
    assert (chat.document_content(signed) or b"").startswith(b"%PDF")
    assert logo["filename"] == "logo.png"
    assert chat.document_content(logo) == LOGO
    assert not [p for p in chat.read("workshop_specs") if f"ТЗ № {spec_id} " in (p.get("caption") or "")]

    # The workshop's «принято» and a remark, as the workshop.
    await logout(page)
    await page.goto(f"/specs/{spec_id}")
    await login(page, WORKSHOP)
    await _act(page, "Принято", "Принято цехом")
    await expect(page.get_by_test_id("spec-accepted")).to_contain_text("Принято» — Белова Светлана Романовна")
    await page.get_by_test_id("spec-actions").get_by_role("button", name="Замечание цеха").click()
    await dialog.get_by_label("Замечание").fill("Нить белая закончилась, будет к среде")
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("spec-feedback")).to_contain_text("Нить белая закончилась")
    await expect(page.get_by_test_id("spec-actions").get_by_role("button", name="Принято")).to_have_count(0)
    await expect(page.get_by_test_id("spec-pdf")).to_be_visible()
    await watched.assert_screen("spec")


async def test_measurements_pasted_from_a_spreadsheet(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    order = _order(api, "ООО «Халаты по меркам»", "352588102")
    await page.goto("/specs")
    await login(page, ASSISTANT)
    await _new_spec_form(page, order["id"])
    dialog = page.get_by_role("dialog")
    await dialog.get_by_text("Пошив по индивидуальным меркам", exact=True).click()
    await dialog.get_by_label("Модель").fill("Халат медицинский «Вита»")
    await dialog.get_by_label("Ткань").fill("Тиси, 150 г/м²")
    await dialog.get_by_label("Цвет").fill("белый")

    # Three rows copied from a spreadsheet, its header with them; the second's chest is out of bounds.
    rows = (
        "ФИО\tРост\tГрудь\tТалия\tБёдра\tШея\tРукав\n"
        "Соколова А. В.\t164,5\t92\t74\t101\t\t58\n"
        "Громов Е. Н.\t188\t312\t98\t108\t42\t64\n"
        "Лисина О. К.\t170\t96\t78\t104\t\t\n"
    )
    await dialog.get_by_label("ФИО, строка 1").evaluate(
        """(input, text) => {
            const data = new DataTransfer();
            data.setData('text/plain', text);
            const paste = {clipboardData: data, bubbles: true, cancelable: true};
            input.dispatchEvent(new ClipboardEvent('paste', paste));
        }""",
        rows,
    )
    wearers = dialog.get_by_test_id("wearer")
    await expect(wearers).to_have_count(3)
    await expect(dialog.get_by_label("ФИО, строка 3")).to_have_value("Лисина О. К.")
    await expect(dialog.get_by_label("Рост, строка 1")).to_have_value("164,5")
    bad = dialog.locator("td[data-bad]")
    await expect(bad).to_have_count(1)
    await expect(bad.get_by_role("textbox")).to_have_value("312")
    await expect(bad).to_have_attribute("title", "От 60 до 180 см")
    await expect(dialog.get_by_test_id("wearers-summary")).to_contain_text("Людей: 3 · ошибок в ячейках: 1")
    await watched.assert_screen("spec-new-measurements")

    # Not sent while a cell is wrong; put right, it is.
    await dialog.get_by_role("button", name="Создать ТЗ").click()
    await expect(dialog.get_by_text("Исправьте отмеченные ячейки")).to_be_visible()
    await dialog.get_by_label("Обхват груди, строка 2").fill("112")
    await expect(bad).to_have_count(0)
    await dialog.get_by_role("button", name="Создать ТЗ").click()
    await expect(dialog).to_be_hidden()

    await expect(page).to_have_url(re.compile(r"/specs/\d+$"))
    spec_id = int(page.url.rsplit("/", 1)[1])
    await expect(page.get_by_role("heading", name=f"ТЗ №{spec_id}")).to_be_visible()
    await expect(page.get_by_test_id("spec-status")).to_have_text("Получено")
    shown = page.get_by_test_id("spec-details").get_by_test_id("wearer")
    await expect(shown).to_have_count(3)
    await expect(shown.nth(0)).to_contain_text("164,5")
    await expect(shown.nth(1)).to_contain_text("Громов Е. Н.")
    await expect(page.get_by_test_id("spec-pdf")).to_be_visible()
    await watched.assert_screen()
    spec = api.call("GET", f"/api/v1/specs/{spec_id}", api.login(ASSISTANT))
    assert [w["chest_cm"] for w in spec["details"]["wearers"]] == ["92", "112", "96"]
    assert spec["details"]["wearers"][0]["height_cm"] == "164.5"

    # The list shows it by its own row.
    await page.get_by_test_id("nav-specs").click()
    row = page.locator(f'tr[data-spec="{spec_id}"]')
    await expect(row).to_contain_text("Халат медицинский «Вита»: 3 чел.")
    await expect(row).to_contain_text(f"№{order['id']}")
    await watched.assert_screen()
