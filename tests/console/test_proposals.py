"""«Коммерческие предложения» and «Снабжение» in the browser: the manager asks for a proposal, the
assistant adds a catalogue line and a non-standard one with a pasted photo cut to its printed square,
supply prices the non-standard line from its queue, the manager approves, the proposal goes to the
client's contact, is accepted and becomes an order with its invoice; every sent PDF is listed. And a
price below the purchase: it waits for a head, who finds it on the list and approves it."""

from __future__ import annotations

import base64
import io
import re
from decimal import Decimal

from PIL import Image
from playwright.async_api import Page, expect

from app.services.money.format import format_rub
from app.services.seed import inn10
from tests.console.conftest import ConsoleApi, Watched, login, logout

MANAGER = "pavlov.io@example.com"  # no other walk counts his tasks
ASSISTANT = "volkova.ey@example.com"
SUPPLY = "novikova.op@example.com"
HEAD = "ershova.vm@example.com"
CLIENT = "ООО «Пошив КП»"
CLIENT_BELOW = "ООО «Пошив ниже закупки»"

# A File pasted into the page, as a copied picture arrives (the clipboard's files on a paste event).
_PASTE = """([data, name]) => {
  const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
  const transfer = new DataTransfer();
  transfer.items.add(new File([bytes], name, { type: "image/png" }));
  window.dispatchEvent(new ClipboardEvent("paste", { clipboardData: transfer }));
}"""


def _picture() -> bytes:
    """80×40, the left half red and the right half blue: the printed square's side is told by colour."""
    picture = Image.new("RGB", (80, 40), (255, 0, 0))
    picture.paste((0, 0, 255), (40, 0, 80, 40))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


async def _status(page: Page, text: str) -> None:
    await expect(page.get_by_test_id("proposal-status")).to_have_text(text)


async def _act(page: Page, button: str) -> None:
    await page.get_by_test_id("proposal-actions").get_by_role("button", name=button).click()
    await page.get_by_role("dialog").get_by_role("button", name="Подтвердить").click()
    await expect(page.get_by_role("dialog")).to_be_hidden()


async def test_a_proposal_from_the_request_to_the_order_and_its_invoice(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    head = api.login(HEAD)
    manager_id = api.call("GET", "/api/v1/auth/me", api.login(MANAGER))["id"]
    assistant_id = api.call("GET", "/api/v1/auth/me", api.login(ASSISTANT))["id"]
    api.call(
        "POST", "/api/v1/clients", head,
        json={"name": CLIENT, "inn": inn10("352588777"), "kpp": "352501001",
              "manager_id": manager_id, "assistant_id": assistant_id,
              "contacts": [{"name": "Лаптева Инна Юрьевна", "level": "buyer",
                            "emails": ["buyer@poshiv.example.ru"]}]},
    )  # fmt: skip

    # The manager asks for a proposal.
    await page.goto("/proposals")
    await login(page, MANAGER)
    await expect(page.get_by_role("heading", name="Коммерческие предложения")).to_be_visible()
    await expect(page.get_by_test_id("nav-supply")).to_have_count(0)  # sales do not price for supply
    await page.get_by_role("button", name="Запросить КП").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Клиент").fill("Пошив КП")
    await page.get_by_role("option", name=CLIENT).click()
    await dialog.get_by_label("Вид спецодежды").fill("летние костюмы с логотипом")
    await dialog.get_by_label("Наценка, %").fill("25")
    await watched.assert_screen()
    await dialog.get_by_role("button", name="Запросить").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^КП №\d+$"))).to_be_visible()
    pid = int(re.sub(r"\D", "", await page.get_by_role("heading", name=re.compile(r"^КП №")).inner_text()))
    await _status(page, "Готовится")
    await expect(page.get_by_test_id("proposal-terms")).to_contain_text("наценка 25 %")
    await expect(page.get_by_text("Позиций пока нет")).to_be_visible()
    await logout(page)

    # The assistant adds a catalogue item, found as she types, and a non-standard position for supply.
    await page.goto(f"/proposals/{pid}")
    await login(page, ASSISTANT)
    await _status(page, "Готовится")
    add = page.get_by_test_id("add-line")
    await add.get_by_label("Товар (поиск в 1С)").fill("Костюм")
    await page.get_by_role("option").first.click()
    await add.get_by_label("Кол-во").fill("2")
    await add.get_by_role("button", name="Добавить").click()
    lines = page.get_by_test_id("proposal-lines")
    await expect(lines.locator('tr[data-line="1"]')).to_contain_text("по прайсу 1С")
    await add.get_by_text("Нестандартная позиция").click()
    await add.get_by_label("Наименование").fill("Бейсболка с вышивкой")
    await add.get_by_label("Описание").fill("тёмно-синяя, логотип спереди")
    await add.get_by_label("Кол-во").fill("5")
    await add.get_by_role("button", name="Добавить").click()
    second = lines.locator('tr[data-line="2"]')
    await expect(second.get_by_test_id("waits-supply")).to_be_visible()
    await expect(page.get_by_test_id("proposal-totals")).to_contain_text("не все цены")

    # Its photo, pasted, with the printed square moved to the picture's right (blue) half.
    await second.get_by_role("button", name="Фото").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_text("Перетащите фото сюда")).to_be_visible()
    await page.evaluate(_PASTE, [base64.b64encode(_picture()).decode(), "logo.png"])
    await expect(dialog.get_by_test_id("crop-square")).to_be_visible()
    await expect(dialog.get_by_text("80×40 px")).to_be_visible()
    await dialog.get_by_role("slider", name="По горизонтали").focus()
    await page.keyboard.press("End")
    await expect(dialog.get_by_role("slider", name="По горизонтали")).to_have_attribute("aria-valuenow", "40")
    await watched.assert_screen()
    await dialog.get_by_role("button", name="Сохранить фото").click()
    await expect(dialog).to_be_hidden()
    await expect(second.get_by_test_id("line-photo")).to_be_visible()
    printed = await page.evaluate(
        """async (pid) => {
          const r = await fetch(`/api/v1/proposals/${pid}/lines/2/photo?printed=true`,
            { headers: { Authorization: `Bearer ${sessionStorage.getItem('pomoshnik.token')}` } });
          return btoa(String.fromCharCode(...new Uint8Array(await r.arrayBuffer())));
        }""",
        pid,
    )
    with Image.open(io.BytesIO(base64.b64decode(printed))) as square:
        assert square.size == (40, 40)
        red, _, blue = square.convert("RGB").getpixel((20, 20))  # type: ignore[misc]
        assert blue > 200 > red
    await logout(page)

    # Supply finds the request in its queue and answers with the purchase price in place.
    await page.goto("/supply")
    await login(page, SUPPLY)
    await expect(page.get_by_role("heading", name="Снабжение: запросы цен")).to_be_visible()
    request = page.get_by_test_id("price-requests").locator(f'tr[data-request="{pid}-2"]')
    await expect(request).to_contain_text("Бейсболка с вышивкой")
    await expect(request).to_contain_text(CLIENT)
    await expect(request.get_by_test_id("line-photo")).to_be_visible()
    await watched.assert_screen("supply-queue")
    await request.get_by_label(f"Закупочная цена: КП №{pid}, позиция 2").fill("400 руб.")
    await request.get_by_role("button", name="Ответить").click()
    await expect(request).to_have_count(0)
    await page.goto(f"/proposals/{pid}")
    priced = page.get_by_test_id("proposal-lines").locator('tr[data-line="2"]')
    await expect(priced.get_by_test_id("purchase")).to_have_text("400,00\u00a0₽")
    await expect(priced.get_by_test_id("price")).to_have_text("500,00\u00a0₽")  # the manager's 25 %
    await expect(priced.get_by_test_id("margin")).to_have_text("500,00\u00a0₽")  # 100 ₽ on each of 5
    await _status(page, "Цены проставлены")
    await logout(page)

    # The assistant sends it to the manager; the PDF is in the page and the sent one listed.
    await page.goto(f"/proposals/{pid}")
    await login(page, ASSISTANT)
    await _status(page, "Цены проставлены")
    await expect(page.get_by_test_id("proposal-pdf")).to_be_visible()
    await expect(page.get_by_test_id("proposal-totals")).to_contain_text("Маржа")
    await watched.assert_screen("proposal-editor")
    await _act(page, "Отправить менеджеру")
    await _status(page, "У менеджера на проверке")
    await expect(page.get_by_test_id("proposal-documents")).to_contain_text("Редакция 1 — менеджеру")
    await logout(page)

    # The manager approves it and sends it to the client's contact; the client accepts.
    await page.goto("/proposals")
    await login(page, MANAGER)
    row = page.get_by_test_id("proposals").locator(f'tr[data-proposal="{pid}"]')
    await expect(row).to_contain_text("У менеджера на проверке")
    await watched.assert_screen()
    await row.get_by_role("link", name=f"КП №{pid}").click()
    await _act(page, "Одобрить")
    await _status(page, "Одобрено менеджером")
    await page.get_by_test_id("proposal-actions").get_by_role("button", name="Отправить клиенту").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_role("combobox", name="Контакт")).to_have_value(
        "Лаптева Инна Юрьевна — buyer@poshiv.example.ru"
    )
    await watched.assert_screen()
    await dialog.get_by_role("button", name="Отправить").click()
    await expect(dialog).to_be_hidden()
    await _status(page, "Отправлено клиенту")
    documents = page.get_by_test_id("proposal-documents")
    await expect(documents).to_contain_text("Редакция 1 — клиенту")
    await expect(documents).to_contain_text("buyer@poshiv.example.ru")
    await _act(page, "Клиент принял")
    await _status(page, "Клиент принял")

    # Converted: the order and its invoice.
    await page.get_by_test_id("proposal-actions").get_by_role("button", name="Оформить заявку и счёт").click()
    await _status(page, "Оформлена заявка и счёт")
    made = page.get_by_test_id("proposal-order")
    await expect(made).to_contain_text("и счёт к ней")
    await expect(page.get_by_test_id("proposal-actions")).to_have_count(0)
    await watched.assert_screen()
    await made.get_by_role("link").click()
    await expect(page.get_by_role("heading", name=re.compile(r"^Заявка №\d+$"))).to_be_visible()
    await expect(page.get_by_test_id("order-lines")).to_contain_text("Бейсболка с вышивкой")
    await expect(page.get_by_test_id("invoice-pdf")).to_be_visible()
    proposal = api.call("GET", f"/api/v1/proposals/{pid}", head)
    assert (proposal["status"], proposal["order_id"] is not None, proposal["invoice_id"] is not None) == (
        "converted",
        True,
        True,
    )
    watched.assert_clean()


async def test_a_price_below_the_purchase_waits_for_a_head(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    head, manager, assistant = api.login(HEAD), api.login(MANAGER), api.login(ASSISTANT)
    manager_id = api.call("GET", "/api/v1/auth/me", manager)["id"]
    assistant_id = api.call("GET", "/api/v1/auth/me", assistant)["id"]
    client = api.call(
        "POST", "/api/v1/clients", head,
        json={"name": CLIENT_BELOW, "inn": inn10("352588779"), "kpp": "352501001",
              "manager_id": manager_id, "assistant_id": assistant_id, "contacts": []},
    )  # fmt: skip
    proposal = api.call(
        "POST", "/api/v1/proposals", manager,
        json={"client_id": client["id"], "workwear_kind": "зимние куртки", "models_count": 1,
              "markup_percent": "25"},
    )  # fmt: skip
    pid = proposal["id"]
    suit = api.call("GET", "/api/v1/catalogue/products?q=Костюм&limit=1", assistant)["items"][0]
    proposal = api.call(
        "POST", f"/api/v1/proposals/{pid}/lines", assistant, json={"product_id": suit["id"], "quantity": 2}
    )
    cheap = Decimal(proposal["lines"][0]["purchase_price"]) - 10
    typed = f"{cheap:.2f}".replace(".", ",") + " руб."
    shown = f"{format_rub(cheap)}\u00a0₽"

    # The assistant types a price below the purchase: the line waits, and nothing goes to the manager.
    await page.goto(f"/proposals/{pid}")
    await login(page, ASSISTANT)
    await _status(page, "Цены проставлены")
    line = page.get_by_test_id("proposal-lines").locator('tr[data-line="1"]')
    await line.get_by_role("button", name="Изменить").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Цена за единицу, ₽").fill(typed)
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(line.get_by_test_id("waits-head")).to_have_text("ниже закупки — ждёт руководителя")
    await _status(page, "Готовится")
    await expect(page.get_by_test_id("below-cost-pending")).to_contain_text("позиции: 1")
    await expect(page.get_by_role("button", name="Отправить менеджеру")).to_have_count(0)
    await expect(line.get_by_role("button", name="Согласовать")).to_have_count(0)  # not hers to decide
    await watched.assert_screen()
    await logout(page)

    # The head finds it by the list's filter and approves the price asked.
    await page.goto("/proposals")
    await login(page, HEAD)
    await page.get_by_label("Ждёт решения по цене ниже закупки").check()
    rows = page.get_by_test_id("proposals").locator("tr[data-proposal]")
    await expect(rows.filter(has_text=f"КП №{pid}")).to_contain_text("ниже закупки — ждёт руководителя")
    await expect(rows.filter(has_not_text="ждёт руководителя")).to_have_count(0)
    await watched.assert_screen()
    await rows.filter(has_text=f"КП №{pid}").get_by_role("link").click()
    line = page.get_by_test_id("proposal-lines").locator('tr[data-line="1"]')
    await expect(line.get_by_role("button", name="Отклонить")).to_be_visible()
    await watched.assert_screen("proposal-below-cost")
    await line.get_by_role("button", name="Согласовать").click()
    dialog = page.get_by_role("dialog")
    await expect(dialog.get_by_test_id("below-cost-asked")).to_contain_text(f"цена {shown}")
    await dialog.get_by_label("Причина").fill("Пробная партия для нового клиента")
    await dialog.get_by_role("button", name="Согласовать").click()
    await expect(dialog).to_be_hidden()
    await expect(line.get_by_test_id("waits-head")).to_have_count(0)
    await expect(line).to_contain_text("ниже закупки: согласовал(а)")
    await _status(page, "Цены проставлены")
    await logout(page)

    # Then it goes on to the manager.
    await page.goto(f"/proposals/{pid}")
    await login(page, ASSISTANT)
    await expect(line.get_by_test_id("price")).to_have_text(shown)
    await _act(page, "Отправить менеджеру")
    await _status(page, "У менеджера на проверке")
    watched.assert_clean()
