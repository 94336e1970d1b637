"""A screen's first data is asked for by its route while the screen's own code is still loading, and
the screen, once its code is there, shows that answer without asking again."""

from __future__ import annotations

import asyncio
import re

import pytest
from playwright.async_api import Request, Route, expect

from tests.console.conftest import ConsoleApi, Watched, login

MANAGER = "kuznetsova.as@example.com"
ASSISTANT = "smirnova.dv@example.com"


@pytest.mark.parametrize(
    ("email", "path", "chunk", "data", "shown"),
    [
        (MANAGER, "/orders", "OrdersPage", r"/api/v1/orders\?", "tbody tr"),
        (ASSISTANT, "/", "TodayPage", r"/api/v1/tasks/mine\?", "[data-testid=bucket-overdue]"),
    ],
    ids=["orders", "today"],
)
async def test_the_route_asks_for_the_first_data_before_the_page_code_arrives(
    console_api: ConsoleApi, watched: Watched, email: str, path: str, chunk: str, data: str, shown: str
) -> None:
    page = watched.page
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if re.search(data, r.url) else None)

    # The page's own code is held back until the screen's data has been asked for.
    data_asked = asyncio.Event()
    held: list[Route] = []

    async def hold(route: Route) -> None:
        held.append(route)
        await data_asked.wait()
        await route.continue_()

    def on_request(request: Request) -> None:
        if re.search(data, request.url):
            data_asked.set()

    page.on("request", on_request)
    await page.route(re.compile(rf"/assets/{chunk}-[^/]*\.js$"), hold)

    await page.goto(path)
    await login(page, email)
    await asyncio.wait_for(data_asked.wait(), timeout=10)
    await expect(page.locator(shown).first).to_be_visible()
    assert held, f"the {chunk} code was not loaded through the held route"
    # The page found the answer in the cache: one request for it, the route's.
    assert len(asked) == 1, asked
