"""«Клиенты» in the browser: the search, the list page by page, and a client's card with its
contacts from the buyer up to the director, the approved credit terms (read only) and the history."""

from __future__ import annotations

from playwright.async_api import expect

from app.services.seed import inn10
from tests.console.conftest import ConsoleApi, Watched, login

MANAGER = "kuznetsova.as@example.com"
DIRECTOR = "lebedeva.ip@example.com"  # management sets credit terms


async def test_clients_are_searched_paged_and_shown_with_their_terms(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    manager, director = api.login(MANAGER), api.login(DIRECTOR)
    mine = {"manager_id": api.call("GET", "/api/v1/auth/me", manager)["id"]}
    # One more than a page of clients sharing a word, so the list needs a second page.
    for i in range(51):
        api.call(
            "POST", "/api/v1/clients", manager,
            json=mine | {"name": f"ООО «Ромашка-{i:02d}»", "inn": inn10(f"7707{i:05d}"), "kpp": "770701001"},
        )  # fmt: skip
    card = api.call(
        "POST", "/api/v1/clients", manager,
        json=mine | {
            "name": "АО «Вологодский лесокомбинат»",
            "inn": inn10("352599001"), "kpp": "352501001",
            "contacts": [
                {"name": "Егорова Наталья Львовна", "position": "Генеральный директор", "level": "director",
                 "phones": ["+79214440020"]},
                {"name": "Соколов Андрей Викторович", "position": "Снабженец", "level": "buyer",
                 "emails": ["supply@les.example.ru"]},
                {"name": "Титова Галина Ивановна", "level": "chief_accountant"},
            ],
        },
    )  # fmt: skip
    api.call(
        "PUT", f"/api/v1/clients/{card['id']}/credit-terms", director | {"If-Match": f'"{card["version"]}"'},
        json={"deferment_days": 30, "credit_limit": "500000", "discount_percent": "5",
              "effective_from": api.now.date().isoformat(), "reason": "Решение директора от 01.12"},
    )  # fmt: skip

    await page.goto("/clients")
    await login(page, MANAGER)
    await expect(page.get_by_role("heading", name="Клиенты")).to_be_visible()
    await expect(page.get_by_test_id("nav-clients")).to_be_visible()
    rows = page.locator("tbody tr")

    # The search narrows the list; a page holds 50, the next page brings the 51st.
    await page.get_by_label("Поиск").fill("Ромашка")
    await expect(page.get_by_test_id("clients-shown")).to_have_text("Показано: 50")
    await expect(rows.filter(has_text="Лесокомбинат")).to_have_count(0)
    await page.get_by_role("button", name="Показать ещё").click()
    await expect(page.get_by_test_id("clients-shown")).to_have_text("Показано: 51")
    await expect(page.get_by_role("button", name="Показать ещё")).to_have_count(0)
    await watched.assert_screen()

    # By the INN's start, and the card opened from the keyboard.
    await page.get_by_label("Поиск").fill(card["inn"][:7])
    await expect(page.get_by_test_id("clients-shown")).to_have_text("Показано: 1")
    await expect(rows.first).to_contain_text("30 дн.")
    await expect(rows.first).to_contain_text("500\u00a0000,00\u00a0₽")
    link = page.get_by_role("link", name="АО «Вологодский лесокомбинат»")
    await link.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="АО «Вологодский лесокомбинат»")).to_be_visible()
    await expect(page).to_have_url(f"{api.url}/clients/{card['id']}")

    # Contacts from the buyer up to the director, whatever order they were entered in.
    levels = page.get_by_test_id("client-contacts").locator("tbody tr td:first-child")
    await expect(levels).to_have_text(["Закупщик", "Главный бухгалтер", "Директор"])
    await expect(page.get_by_test_id("client-contacts")).to_contain_text("supply@les.example.ru")

    # The approved terms, read only: no field to change them.
    terms = page.get_by_test_id("client-terms")
    await expect(terms).to_contain_text("30 дн.")
    await expect(terms).to_contain_text("500\u00a0000,00\u00a0₽")
    await expect(terms).to_contain_text("Скидка5 %")
    await expect(terms.locator("input, button")).to_have_count(0)
    history = page.get_by_test_id("client-history")
    await expect(history).to_contain_text("Клиент заведён")
    await expect(history).to_contain_text("Утверждены условия оплаты: Решение директора от 01.12")
    await watched.assert_screen()

    # A card that cannot be loaded says so, with the API's reason, instead of a loader for ever.
    watched.allow(rf"/api/v1/clients/{card['id'] + 1000}(: 404|\)$)")
    await page.goto(f"/clients/{card['id'] + 1000}")
    failed = page.get_by_role("alert")
    await expect(failed).to_contain_text("Не удалось загрузить клиента: ")
    await expect(page.get_by_label("Загрузка")).to_have_count(0)
    watched.assert_clean()
