"""A screen's first data is asked for by its route while the screen's own code is still loading, and
the screen, once its code is there, shows that answer without asking again. «Заявки» draws its first
rows before its data table's code has come, and the data table then takes their place unseen."""

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


# The cells of one row and the header as the screen lays them out, the row's look, and where the
# focus and the page's scroll are.
_LAYOUT = """(row) => {
  const box = (e) => { const b = e.getBoundingClientRect(); return [b.x, b.y, b.width, b.height]; };
  const style = (e) => {
    const s = getComputedStyle(e);
    return [s.backgroundColor, s.color, s.font, s.padding];
  };
  return {
    cells: [...row.children].map((td) => [box(td), style(td), td.innerText]),
    heads: [...document.querySelectorAll('thead th')].map((th) => [box(th), style(th), th.innerText]),
    row: [box(row), style(row)],
    focused: document.activeElement?.getAttribute('data-testid') ?? null,
    scrolled: window.scrollY,
  };
}"""


async def test_the_orders_list_draws_its_first_rows_before_the_data_table_takes_their_place(
    console_api: ConsoleApi, watched: Watched
) -> None:
    api, page = console_api, watched.page
    manager = api.login(MANAGER)
    client = api.call("GET", "/api/v1/clients", manager, params={"limit": 1})["items"][0]
    mine = [
        api.call(
            "POST",
            "/api/v1/orders",
            manager,
            json={"channel": "phone", "client_id": client["id"], "raw_text": f"Перчатки, {n} пар"},
        )
        for n in (10, 20, 30)
    ]

    # The data table's and the selects' code is held back: the rows must come without it.
    release = asyncio.Event()
    held: list[str] = []

    async def hold(route: Route) -> None:
        held.append(route.request.url)
        await release.wait()
        await route.continue_()

    await page.route(re.compile(r"/assets/(OrdersTable|OrdersFilters)-[^/]*\.js$"), hold)
    await page.goto("/orders")
    await login(page, MANAGER)
    row = page.locator("tbody tr").filter(
        has=page.locator("td").first.filter(has_text=re.compile(rf"^{mine[-1]['id']}$"))
    )
    await expect(row).to_contain_text("Телефон")
    await expect(row).to_contain_text(client["name"])
    table = page.locator(".mantine-datatable .mantine-ScrollArea-root")
    await expect(table).to_have_count(0)  # the first rows, drawn plain
    # Both asked for once the rows are drawn (the second may leave a moment after the first).
    for _ in range(100):
        if len(held) >= 2:
            break
        await asyncio.sleep(0.05)
    assert sorted(u.rsplit("/", 1)[1].split("-")[0] for u in held) == ["OrdersFilters", "OrdersTable"]

    # The reader is already at work: the focus in the search, the page scrolled down a little (a
    # low window, so that a few rows scroll).
    await page.set_viewport_size({"width": 1366, "height": 360})
    await page.get_by_test_id("orders-search").focus()
    await page.evaluate("() => window.scrollTo(0, 60)")
    before = await row.evaluate(_LAYOUT)

    release.set()
    await expect(table).to_have_count(1)  # the data table has taken the plain table's place
    await expect(page.get_by_role("combobox", name="Статус")).to_be_visible()  # the select
    after = await row.evaluate(_LAYOUT)
    assert after == before
    assert after["focused"] == "orders-search"
    assert after["scrolled"] == 60
    await page.set_viewport_size({"width": 1366, "height": 768})
    await watched.assert_screen()
