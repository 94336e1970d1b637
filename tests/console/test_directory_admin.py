"""«Справочник» and «Администрирование» in the browser, as the system's administrator: the directory
of people, a useful link added and the glossary; an employee's chat handle changed, the departments,
and a personal API token issued (its secret shown once, then working) and revoked."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.console.conftest import ConsoleApi, Watched, login

ADMIN = "kiselev.av@example.com"


async def test_the_directory_and_administration(console_api: ConsoleApi, watched: Watched) -> None:
    api, page = console_api, watched.page
    admin = api.login(ADMIN)
    service = next(
        d for d in api.call("GET", "/api/v1/departments", admin)["items"] if d["code"] == "service"
    )
    newcomer = api.call(
        "POST", "/api/v1/employees", admin,
        json={"full_name": "Соколова Ксения Андреевна", "initials": "СКА", "department_id": service["id"],
              "position": "Помощник менеджера", "roles": ["assistant"], "email": "sokolova.ka@example.com"},
    )  # fmt: skip
    api.call(
        "POST", "/api/v1/reference/terms", admin,
        json={"kind": "abbreviation", "term": "УПД", "definition": "Универсальный передаточный документ"},
    )  # fmt: skip

    # «Справочник»: who is who; a link added to the useful ones; the glossary.
    await page.goto("/")
    await login(page, ADMIN)
    await page.get_by_test_id("nav-directory").click()
    await expect(page.get_by_role("heading", name="Справочник")).to_be_visible()
    await page.get_by_label("Поиск").fill("Соколова")
    row = page.get_by_test_id("people").locator(f'tr[data-employee="{newcomer["id"]}"]')
    await expect(row).to_contain_text("Помощник менеджера")
    await expect(page.get_by_test_id("people").locator("tbody tr")).to_have_count(1)
    await watched.assert_screen("directory")
    await page.get_by_role("tab", name="Полезные ссылки").click()
    await page.get_by_role("button", name="Добавить ссылку").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Название").fill("Обучение работе в 1С")
    await dialog.get_by_label("Адрес").fill("https://learn.example.ru/1c")
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_role("link", name="Обучение работе в 1С")).to_have_attribute(
        "href", "https://learn.example.ru/1c"
    )
    assert any(
        link["title"] == "Обучение работе в 1С"
        for link in api.call("GET", "/api/v1/reference", admin)["links"]
    )
    await watched.assert_screen()
    await page.get_by_role("tab", name="Глоссарий").click()
    await expect(page.get_by_test_id("terms")).to_contain_text("Универсальный передаточный документ")
    await watched.assert_screen()

    # «Администрирование»: the newcomer's chat handle set.
    await page.get_by_test_id("nav-admin").click()
    await expect(page.get_by_role("heading", name="Администрирование")).to_be_visible()
    employee = page.get_by_test_id("admin-employees").locator(f'tr[data-employee="{newcomer["id"]}"]')
    await expect(employee).to_contain_text("Помощник менеджера")
    await watched.assert_screen("admin")
    await employee.get_by_role("button", name="Изменить: Соколова Ксения Андреевна").click()
    await page.get_by_role("dialog").get_by_label("Ник в чате").fill("@sokolova_ka")
    await page.get_by_role("dialog").get_by_role("button", name="Сохранить").click()
    await expect(employee).to_contain_text("@sokolova_ka")
    assert api.call("GET", f"/api/v1/employees/{newcomer['id']}", admin)["chat_handle"] == "sokolova_ka"
    await page.get_by_role("tab", name="Отделы").click()
    await expect(page.get_by_test_id("admin-departments")).to_contain_text("service")
    await watched.assert_screen()

    # A personal token: its secret shown once and working, then revoked.
    await page.get_by_role("tab", name="Мои API-токены").click()
    await page.get_by_test_id("token-name").fill("Выгрузка для отчёта")
    await page.get_by_role("button", name="Выпустить токен").click()
    secret = (await page.get_by_test_id("token-secret").locator("code").text_content() or "").strip()
    async with httpx.AsyncClient(base_url=api.url, timeout=10) as http:
        mine = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert mine.status_code == 200, mine.text
    token_row = page.get_by_test_id("tokens").locator("tr", has_text="Выгрузка для отчёта")
    await expect(token_row).to_have_count(1)
    await watched.assert_screen("tokens")
    await token_row.get_by_role("button", name="Отозвать: Выгрузка для отчёта").click()
    await expect(token_row).to_have_count(0)
    async with httpx.AsyncClient(base_url=api.url, timeout=10) as http:
        revoked = await http.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    assert revoked.status_code == 401
    watched.assert_clean()
