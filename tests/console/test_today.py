"""The assistant's start page in the browser: log in, «Сегодня» shows her tasks by bucket with the
counts in the navigation, a call is completed with its outcome and the next call, the subject opens,
logout revokes the token; a token revoked elsewhere returns to the login page and back."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import quote

from playwright.async_api import expect

from tests.console.conftest import MOSCOW, ConsoleApi, Watched, login, moscow
from tests.support.stack import wait_for

ASSISTANT = "smirnova.dv@example.com"
OTHER_ASSISTANT = "volkova.ey@example.com"
HEAD = "ershova.vm@example.com"


def _me(api: ConsoleApi, headers: dict[str, str]) -> int:
    me: int = api.call("GET", "/api/v1/auth/me", headers)["id"]
    return me


async def test_the_day_starts_with_my_tasks_and_a_call_is_completed(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    head = api.login(HEAD)
    assistant = api.login(ASSISTANT)
    me = _me(api, assistant)
    # The console's tests share one database: what other walks left on this assistant's list is
    # cancelled, so the day starts with the three tasks made below.
    for status in ("open", "in_progress"):
        left = api.call(
            "GET", "/api/v1/tasks", head, params={"assignee_id": me, "status": status, "limit": 200}
        )
        for item in left["items"]:
            api.call(
                "POST", f"/api/v1/tasks/{item['id']}/cancel", head | {"If-Match": f'"{item["version"]}"'}
            )
    client = api.call("GET", "/api/v1/clients", head)["items"][0]
    order = api.call(
        "POST", "/api/v1/orders", assistant,
        json={"channel": "phone", "client_id": client["id"], "raw_text": "Костюмы летние, 10 шт."},
    )  # fmt: skip

    def task(
        kind: str, title: str, due: timedelta, subject: tuple[str, int] | None = None
    ) -> dict[str, object]:
        body: dict[str, object] = {"kind": kind, "title": title, "assignee_id": me}
        body["due_at"] = (api.now + due).isoformat()
        if subject:
            body["subject_type"], body["subject_id"] = subject
        created: dict[str, object] = api.call("POST", "/api/v1/tasks", head, json=body)
        return created

    late = task("call", "Перезвонить по заявке", -timedelta(hours=2), ("order", order["id"]))
    today = task("call", "Позвонить закупщику", timedelta(hours=3), ("client", client["id"]))
    later = task("remind", "Напомнить об оплате", timedelta(days=3))

    # Not logged in: the login page, with the place to come back to.
    await page.goto("/")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2F$"))
    await login(page, ASSISTANT)
    await expect(page.get_by_role("heading", name="Сегодня", exact=True)).to_be_visible()
    await expect(page.get_by_test_id("me")).to_contain_text("Смирнова Дарья Викторовна")

    overdue = page.get_by_test_id("bucket-overdue")
    for bucket, item in ((overdue, late), (page.get_by_test_id("bucket-today"), today)):
        card = bucket.get_by_test_id("task").filter(has_text=str(item["title"]))
        await expect(card).to_contain_text("Звонок")
        await expect(card).to_contain_text(
            f"Срок: {moscow(api.now + ((item is late and -timedelta(hours=2)) or timedelta(hours=3)))}"
        )
    await expect(overdue).to_contain_text("просрочено")
    await expect(page.get_by_test_id("bucket-upcoming")).to_contain_text(str(later["title"]))
    await expect(page.get_by_test_id("count-overdue")).to_have_text("1")
    await expect(page.get_by_test_id("count-today")).to_have_text("1")
    await watched.assert_screen("today")

    # The subject opens: the order the overdue call is about.
    await overdue.get_by_role("link", name=f"Открыть: Заявка №{order['id']}").click()
    await expect(page.get_by_role("heading", name=f"Заявка №{order['id']}")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"/orders/{order['id']}$"))
    await watched.assert_screen()
    await page.get_by_test_id("nav-today").click()

    # Rescheduling over a version someone else changed meanwhile: 412, and the offer to reload.
    api.call("PATCH", f"/api/v1/tasks/{later['id']}", head, json={"title": "Напомнить об оплате счёта"})
    watched.allow(r"PATCH .*/api/v1/tasks/\d+: 412$")
    watched.allow(r"status of 412")
    upcoming = page.get_by_test_id("bucket-upcoming")
    await upcoming.get_by_role("button", name="Перенести").click()
    dialog = page.get_by_role("dialog", name="Перенести задачу")
    await dialog.get_by_test_id("due-time").fill("16:45")
    await dialog.get_by_role("button", name="Перенести").click()
    stale = page.get_by_role("alert").filter(has_text="Запись уже изменили")
    await expect(stale).to_be_visible()
    await page.get_by_role("dialog").get_by_role("button", name="Отмена").click()
    await stale.get_by_role("button", name="Обновить").click()
    await expect(upcoming).to_contain_text("Напомнить об оплате счёта")
    await upcoming.get_by_role("button", name="Перенести").click()
    await dialog.get_by_test_id("due-time").fill("16:45")
    await dialog.get_by_role("button", name="Перенести").click()
    await expect(dialog).to_be_hidden()
    moved = (api.now + timedelta(days=3)).astimezone(MOSCOW).strftime("%d.%m.%Y")
    await expect(upcoming).to_contain_text(f"Срок: {moved}, 16:45")

    # The call for today: reached, its result, and the next call in two days at 11:30 Moscow time.
    card = page.get_by_test_id("bucket-today").get_by_test_id("task").filter(has_text=str(today["title"]))
    await card.get_by_role("button", name="Итог звонка").click()
    dialog = page.get_by_role("dialog", name="Итог звонка")
    await dialog.get_by_text("Дозвонились", exact=True).click()
    await dialog.get_by_label("Результат").fill("Закупщик ждёт счёт")
    await dialog.get_by_label("Следующий шаг").fill("Выставить счёт")
    next_day = (api.now + timedelta(days=2)).astimezone(MOSCOW)
    date_input = dialog.get_by_test_id("next-call-date")
    await date_input.fill(next_day.strftime("%d.%m.%Y"))
    await date_input.press("Tab")
    await dialog.get_by_test_id("next-call-time").fill("11:30")
    await dialog.get_by_role("button", name="Сохранить").click()
    await expect(dialog).to_be_hidden()

    await expect(page.get_by_test_id("bucket-today")).to_contain_text("Нет задач")
    await expect(page.get_by_test_id("count-today")).to_have_text("0")
    upcoming = page.get_by_test_id("bucket-upcoming")
    next_call = upcoming.get_by_test_id("task").filter(has_text=str(today["title"]))
    await expect(next_call).to_contain_text(f"Срок: {next_day.strftime('%d.%m.%Y')}, 11:30")
    done = api.call("GET", f"/api/v1/tasks/{today['id']}", assistant)
    assert (done["status"], done["reached"], done["result"]) == ("done", True, "Закупщик ждёт счёт")
    assert done["next_step"].startswith("Выставить счёт. Следующий звонок: ")
    await watched.assert_screen()

    # Logout revokes this login's token.
    token = await page.evaluate("() => sessionStorage.getItem('pomoshnik.token')")
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_role("button", name="Войти")).to_be_visible()
    assert await page.evaluate("() => sessionStorage.getItem('pomoshnik.token')") is None

    def revoked() -> bool:
        listed = api.call("GET", "/api/v1/auth/tokens", assistant)["items"]
        return next(t for t in listed if token.startswith(t["prefix"]))["revoked_at"] is not None

    wait_for(revoked, timeout=20, what="the console to revoke its token")
    watched.assert_clean()


async def test_a_token_revoked_elsewhere_returns_to_the_login_and_back(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    assistant = api.login(OTHER_ASSISTANT)
    order = api.call(
        "POST", "/api/v1/orders", assistant, json={"channel": "phone", "raw_text": "Перчатки, 40 пар"}
    )
    place = f"/orders/{order['id']}"

    await page.goto(place)
    await expect(page).to_have_url(re.compile(rf"/login\?next={re.escape(quote(place, safe=''))}$"))
    # A field the API refuses is named beside that field.
    watched.allow(r"POST .*/api/v1/auth/token: 422$")
    watched.allow(r"status of 422")
    await page.get_by_label("E-mail").fill("not-an-address")
    await page.get_by_label("Пароль").fill("x")
    await page.get_by_role("button", name="Войти").click()
    await expect(page.get_by_text("Это не адрес электронной почты")).to_be_visible()
    await login(page, OTHER_ASSISTANT)
    await expect(page.get_by_role("heading", name=f"Заявка №{order['id']}")).to_be_visible()

    # The login is revoked from the API's side (as another tab's logout or an admin would).
    token = await page.evaluate("() => sessionStorage.getItem('pomoshnik.token')")
    mine = {"Authorization": f"Bearer {token}"}
    tokens = api.call("GET", "/api/v1/auth/tokens", mine)["items"]
    this = next(t for t in tokens if token.startswith(t["prefix"]) and t["revoked_at"] is None)
    api.call("DELETE", f"/api/v1/auth/tokens/{this['id']}", mine)
    watched.allow(r"/api/v1/.*: 401$")
    watched.allow(r"status of 401")

    await page.reload()
    await expect(page.get_by_role("button", name="Войти")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"/login\?next={re.escape(quote(place, safe=''))}$"))
    await login(page, OTHER_ASSISTANT)
    await expect(page.get_by_role("heading", name=f"Заявка №{order['id']}")).to_be_visible()
    await expect(page).to_have_url(re.compile(rf"{place}$"))
    await watched.assert_screen()
    watched.assert_clean()
