"""«Справочник» and «Администрирование» in the browser, as the system's administrator: the directory
of people, a useful link added and the glossary; a department added and renamed, an employee added
to it with a password made up for them (shown once), another's chat handle changed and then
deactivated, and a personal API token issued (its secret shown once, then working) and revoked; then
the new employee logs in with that password and sees the sections of their role only."""

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

    # A department added, then renamed over the version read.
    await page.get_by_role("tab", name="Отделы").click()
    departments = page.get_by_test_id("admin-departments")
    await expect(departments).to_contain_text("service")
    await page.get_by_label("Код").fill("embroidery")
    await page.get_by_label("Название").fill("Вышивка")
    await page.get_by_role("button", name="Добавить отдел").click()
    await expect(departments.locator("tr", has_text="embroidery")).to_contain_text("Вышивка")
    await page.get_by_role("button", name="Переименовать: Вышивка").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_label("Название").fill("Вышивальный цех")
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()
    await expect(departments.locator("tr", has_text="embroidery")).to_contain_text("Вышивальный цех")
    embroidery = next(
        d for d in api.call("GET", "/api/v1/departments", admin)["items"] if d["code"] == "embroidery"
    )
    assert (embroidery["name"], embroidery["version"]) == ("Вышивальный цех", 2)
    await watched.assert_screen()

    # An employee added to it, with a password made up for them and shown once.
    await page.get_by_role("tab", name="Сотрудники и роли").click()
    await page.get_by_role("button", name="Добавить сотрудника").click()
    dialog = page.get_by_role("dialog", name="Новый сотрудник")
    await dialog.get_by_label("ФИО").fill("Лаптев Игорь Сергеевич")
    await expect(dialog.get_by_label("Инициалы")).to_have_value("ЛИС")
    await dialog.get_by_label("E-mail").fill("laptev.is@example.com")
    await dialog.get_by_label("Должность").fill("Специалист по снабжению")
    await dialog.get_by_label("Отдел").click()
    await page.get_by_role("option", name="Вышивальный цех").click()
    await dialog.get_by_label("Роли").click(force=True)  # the pills box over it opens the list
    await page.get_by_role("option", name="Снабжение").click()
    await dialog.get_by_label("Ник в чате").fill("@laptev_is")
    await dialog.get_by_role("button", name="Придумать").click()
    password = await dialog.get_by_label("Пароль для входа").input_value()
    assert len(password) == 12
    await dialog.get_by_role("button", name="Добавить", exact=True).click()
    await expect(dialog).to_be_hidden()
    await expect(page.get_by_test_id("employee-password").locator("code")).to_have_text(password)
    laptev = next(
        e for e in api.call("GET", "/api/v1/employees", admin, params={"q": "Лаптев"})["items"]
        if e["email"] == "laptev.is@example.com"
    )  # fmt: skip
    made = (laptev["initials"], laptev["department_id"], laptev["roles"], laptev["chat_handle"])
    assert made == ("ЛИС", embroidery["id"], ["supply"], "laptev_is")
    row = page.get_by_test_id("admin-employees").locator(f'tr[data-employee="{laptev["id"]}"]')
    for shown in ("Лаптев Игорь Сергеевич", "Вышивальный цех", "Снабжение", "@laptev_is"):
        await expect(row).to_contain_text(shown)
    await watched.assert_screen()

    # The other newcomer deactivated: the row says so, the API too.
    await employee.get_by_role("button", name="Изменить: Соколова Ксения Андреевна").click()
    await page.get_by_role("dialog").get_by_label("Работает").uncheck()
    await page.get_by_role("dialog").get_by_role("button", name="Сохранить").click()
    await expect(employee).to_contain_text("не работает")
    assert api.call("GET", f"/api/v1/employees/{newcomer['id']}", admin)["is_active"] is False

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

    # The new employee logs in with the password handed over and sees supply's sections only.
    await page.get_by_role("button", name="Выйти").click()
    await page.get_by_label("E-mail").fill("laptev.is@example.com")
    await page.get_by_label("Пароль").fill(password)
    await page.get_by_role("button", name="Войти").click()
    await expect(page.get_by_test_id("me")).to_contain_text("Лаптев Игорь Сергеевич")
    for section in ("today", "requisitions", "specs", "proposals", "supply", "directory", "admin"):
        await expect(page.get_by_test_id(f"nav-{section}")).to_be_visible()
    for section in ("orders", "clients", "warehouse", "reports", "statistics", "receivables"):
        await expect(page.get_by_test_id(f"nav-{section}")).to_have_count(0)
    await page.get_by_test_id("nav-admin").click()
    await expect(page.get_by_role("tab", name="Мои API-токены")).to_be_visible()
    await expect(page.get_by_role("tab")).to_have_count(1)
    await watched.assert_screen()
    watched.assert_clean()
