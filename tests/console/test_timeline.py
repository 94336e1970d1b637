"""The regulation's timeline on an order's page: each step done with who and when (from the order's
history), the current step with its deadline (from the order's open tasks), the steps ahead in the
regulation's words; an action moves it on."""

from __future__ import annotations

from datetime import timedelta

from playwright.async_api import expect

from tests.console.conftest import ConsoleApi, Watched, login, moscow, screenshot

# Not the assistant whose day «Сегодня» counts, and not by phone: the list test picks a phone order.
ASSISTANT = "volkova.ey@example.com"
HEAD = "ershova.vm@example.com"


async def test_the_timeline_shows_steps_done_the_current_one_and_the_next(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    head, assistant = api.login(HEAD), api.login(ASSISTANT)
    me = api.call("GET", "/api/v1/auth/me", assistant)["id"]
    client = api.call("GET", "/api/v1/clients", head, params={"limit": 1})["items"][0]
    product = api.call("GET", "/api/v1/catalogue/products", assistant, params={"q": "KL-STD-4446-158"})[
        "items"
    ][0]
    line = {
        "product_id": product["id"], "name": product["name"], "model": product["model"],
        "color": product["color"], "size": product["size"], "height": product["height"],
        "price_category": "Оптовая", "quantity": 3,
    }  # fmt: skip
    order = api.call(
        "POST",
        "/api/v1/orders",
        assistant,
        json={"channel": "mailbox", "client_id": client["id"], "lines": [line]},
    )
    assert order["status"] == "accepted", order
    due = api.now + timedelta(hours=4)
    task = {
        "kind": "other", "title": "Выставить счёт по заявке", "assignee_id": me, "due_at": due.isoformat(),
        "subject_type": "order", "subject_id": order["id"],
    }  # fmt: skip
    api.call("POST", "/api/v1/tasks", head, json=task)

    await page.goto(f"/orders/{order['id']}")
    await login(page, ASSISTANT)
    timeline = page.get_by_test_id("order-timeline")
    steps = timeline.locator("[data-step]")
    await expect(steps).to_have_count(13)
    done = timeline.locator('[data-step="done"]')
    await expect(done).to_have_count(2)
    await expect(done.nth(0)).to_contain_text("1. Заявка получена от менеджера")
    await expect(done.nth(0)).to_contain_text("Волкова Елена Юрьевна")
    await expect(done.nth(1)).to_contain_text("2. Заявка принята")
    current = timeline.locator('[data-step="current"]')
    await expect(current).to_have_count(1)
    await expect(current).to_contain_text("3. Счёт создан в 1С")
    await expect(current).to_contain_text(f"Выставить счёт по заявке — срок {moscow(due)}")
    await expect(timeline.locator('[data-step="next"]')).to_have_count(10)
    await expect(timeline.locator('[data-step="next"]').last).to_contain_text("Звонок обратной связи")
    await watched.assert_no_horizontal_scroll()
    await screenshot(page, "order-timeline")

    # The action, reached by keyboard, moves the timeline on: the invoice is done, by her, now.
    invoice = page.get_by_test_id("order-actions").get_by_role("button", name="Выставить счёт")
    await invoice.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_test_id("order-status")).to_have_text("Счёт выставлен")
    await expect(done).to_have_count(3)
    await expect(done.nth(2)).to_contain_text("3. Счёт создан в 1С")
    await expect(done.nth(2)).to_contain_text(f"{moscow(api.now)[:10]}")
    await expect(done.nth(2)).to_contain_text("Волкова Елена Юрьевна")
    await expect(current).to_contain_text("4. Счёт отправлен клиенту на согласование")
    await watched.assert_no_horizontal_scroll()
    watched.assert_clean()
