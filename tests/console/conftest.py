"""The operator console in a real browser (Debian's Chromium through Playwright) against the real
API as deployed (`pomoshnik serve` in a subprocess) on its own SQLite or PostgreSQL database with the
demo directory. The console is built by `make test` (make web-test) before pytest runs; nothing is
built here."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import (
    Browser,
    CDPSession,
    ConsoleMessage,
    Page,
    Playwright,
    Request,
    Response,
    async_playwright,
    expect,
)

from app.commands import _in_uow
from app.core.config import DbSettings, Settings
from app.services.seed import DEMO_PASSWORD, seed_demo
from tests.conftest import _create_pg_database, copy_sqlite
from tests.support.stack import ROOT, Stack

DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MOSCOW = ZoneInfo("Europe/Moscow")
WIDTH, HEIGHT = 1366, 768
# The browser waits this long for what the page should show (a busy two-core machine).
WAIT_MS = 20_000
expect.set_options(timeout=WAIT_MS)
# The demo amoCRM account the console's API takes webhooks from; an order nobody owns goes to the
# demo assistant, as `APP_AMOCRM__DEFAULT_ASSIGNEE` says in an installation.
AMOCRM_ACCOUNT = "29001234"
DEMO_ASSISTANT = "smirnova.dv@example.com"


def _require_build() -> None:
    if (DIST / "index.html").is_file():
        return
    reason = (
        "web/dist is not built: `make test` builds it (make web-test), or `cd web && npm ci && npm run build`"
    )
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


# The asynchronous API, on the tests' own event loop: the synchronous one keeps a loop running in
# the thread, and every other test of the worker that runs a coroutine would fail beside it.
@pytest.fixture(scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as p:
        yield p


@pytest.fixture(scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    """One Chromium per test session (per xdist worker), reused by every test."""
    _require_build()
    chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield chromium
    await chromium.close()


@dataclass
class ConsoleApi(Stack):
    """The API serving the built console; its clock is set to noon in Moscow today, so overdue,
    today and upcoming are the same buckets whenever the tests run."""

    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    # The API's logins by e-mail, one per person for the session: a login is an argon2 run of some
    # 64 MiB on the server, and the walks ask for the same few people again and again.
    logins: dict[str, dict[str, str]] = field(default_factory=dict)

    def settings(self) -> Settings:
        """The settings the API runs with (its environment), for what the worker does beside it."""
        with patch.dict(os.environ, self.env):
            return Settings()

    def login(self, email: str, *, fresh: bool = False) -> dict[str, str]:
        """The headers of a login of this person through the API (the one made before, unless
        ``fresh``: a walk that revokes this person's tokens asks for a new one)."""
        if fresh or email not in self.logins:
            response = httpx.post(
                f"{self.url}/api/v1/auth/token", json={"email": email, "password": DEMO_PASSWORD}, timeout=10
            )
            assert response.status_code == 200, response.text
            self.logins[email] = {"Authorization": f"Bearer {response.json()['access_token']}"}
        return dict(self.logins[email])

    def call(self, method: str, path: str, headers: dict[str, str], **kwargs: Any) -> Any:
        response = httpx.request(method, f"{self.url}{path}", headers=headers, timeout=15, **kwargs)
        assert response.status_code < 300, (method, path, response.status_code, response.text)
        return response.json() if response.content else None

    def new_assistant(self, full_name: str, email: str) -> str:
        """An assistant of the service department of one test's own, with the demo password: the
        console's tests share one database, and what a walk counts on the demo assistant's desk
        other walks add to."""
        admin = self.login("kiselev.av@example.com")
        service = next(
            d for d in self.call("GET", "/api/v1/departments", admin)["items"] if d["code"] == "service"
        )
        initials = "".join(word[0] for word in full_name.split())
        self.call(
            "POST", "/api/v1/employees", admin,
            json={"full_name": full_name, "initials": initials, "department_id": service["id"],
                  "position": "Помощник менеджера", "roles": ["assistant"], "email": email,
                  "password": DEMO_PASSWORD},
        )  # fmt: skip
        return email


@pytest.fixture(scope="session")
def console_api(
    db_url: str, redis_url: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ConsoleApi]:
    """The API on a database of its own of the backend `db_url` is (so the other tests' wiping never
    reaches it), migrated and with the demo directory, serving the console."""
    _require_build()
    tmp = tmp_path_factory.mktemp("console")
    # A copy of the migrated database the run keeps (see tests/conftest.py), not a migration again.
    if db_url.startswith("sqlite"):
        url = copy_sqlite(request.getfixturevalue("migrated_sqlite"), tmp / "console.sqlite3")
    else:
        url = _create_pg_database(
            request.getfixturevalue("pg_server"), "pomoshnik_console", request.getfixturevalue("migrated_pg")
        )
    real = datetime.now(UTC)
    noon = datetime.combine(real.astimezone(MOSCOW).date(), datetime.min.time(), MOSCOW) + timedelta(hours=12)
    shift = int((noon - real).total_seconds())
    env = os.environ | {
        "APP_DB__URL": url,
        "APP_REDIS__URL": redis_url,
        "APP_CHAT__STUB_DIR": str(tmp / "chat"),
        "APP_STORAGE__LOCAL_DIR": str(tmp / "storage"),
        "APP_API__CONSOLE_DIR": str(DIST),
        "APP_CLOCK__OFFSET": f"{'-' if shift < 0 else ''}{abs(shift)}s",
        "APP_LOG_LEVEL": "WARNING",
        "APP_RATES__ADAPTER": "stub",
        "APP_AMOCRM__ACCOUNT_ID": AMOCRM_ACCOUNT,
        "APP_AMOCRM__DEFAULT_ASSIGNEE": DEMO_ASSISTANT,
    }
    api = ConsoleApi(env=env, logs=tmp, now=noon.astimezone(UTC))
    # The API imports itself while its database is made here: it reads it only when asked.
    api.spawn_api()
    try:
        own = Settings(db=DbSettings(url=url))
        asyncio.run(_in_uow(own, seed_demo))  # here, not through the CLI: one import of the app fewer
        api.wait_for_api()
        yield api
    finally:
        api.stop()


@dataclass
class Watched:
    """A page whose console errors and failed requests are kept, to be asserted empty."""

    page: Page
    errors: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)
    # The page's input as the browser takes it (Chromium's DevTools protocol), opened at the first Tab.
    _input: CDPSession | None = None

    def allow(self, pattern: str) -> None:
        """A failure this test provokes on purpose (matched against the request or the message)."""
        self.allowed.append(re.compile(pattern))

    def _expected(self, text: str) -> bool:
        return any(p.search(text) for p in self.allowed)

    def assert_clean(self) -> None:
        errors = [e for e in self.errors if not self._expected(e)]
        failed = [f for f in self.failed if not self._expected(f)]
        assert errors == [], f"console errors: {errors}"
        assert failed == [], f"failed requests: {failed}"

    async def assert_screen(self, shot: str | None = None) -> None:
        """What every screen must hold: nothing failed so far, no horizontal scroll at 1366×768, and
        every action button reached by Tab from the top of the page; then its picture, if named."""
        self.assert_clean()
        await self.assert_no_horizontal_scroll()
        if shot:  # before Tab goes round, with no focus ring left by a click
            await self.page.evaluate("() => document.activeElement?.blur()")
            await screenshot(self.page, shot)
        await self.assert_keyboard_reaches_buttons()

    async def assert_keyboard_reaches_buttons(self) -> None:
        """Tab from the top of the page reaches every visible, enabled button (an action a mouse can
        click must not be out of a keyboard's reach). Focus only moves: nothing is pressed.

        The presses are real key events of the browser's input (as `keyboard.press` sends them),
        sent one round at a time without waiting for each to come back: the browser handles them
        in order, and a round costs one round trip instead of one per press."""
        page = self.page
        # Marks the buttons, counts the stops, starts from the top; a frame (the invoice's PDF in
        # Chromium's viewer) is left out while Tab goes round: its own stops are the viewer's.
        stops = await page.evaluate(_PREPARE)
        if stops is None:
            return
        if self._input is None:
            self._input = await page.context.new_cdp_session(page)
        cdp = self._input
        try:
            # Twice round at most: a page that grows while Tab moves (a count arriving) keeps its
            # last buttons within reach. The second round only when the first missed a button.
            for _ in range(2):
                await asyncio.gather(
                    *(cdp.send("Input.dispatchKeyEvent", {"type": kind, **_TAB})
                      for _ in range(stops + 1) for kind in ("rawKeyDown", "keyUp"))
                )  # fmt: skip
                missed = await page.evaluate(_UNREACHED)
                if not missed:
                    break
        finally:
            await page.evaluate(
                "() => document.querySelectorAll('iframe').forEach((f) => f.style.display = '')"
            )
        assert missed == [], f"buttons Tab never reaches: {missed}"

    async def assert_no_horizontal_scroll(self) -> None:
        width = await self.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        assert width[0] <= width[1], f"horizontal scroll at {WIDTH}x{HEIGHT}: {width}"


# The part of the page Tab moves in: an open dialog (it keeps the focus), else the whole page.
_SCOPE = """(() => [...document.querySelectorAll('[role="dialog"]')].find((d) => d.checkVisibility())
  || document)()"""
# Tab as the browser's input sends it (what `keyboard.press("Tab")` sends, without a round trip each).
_TAB = {"key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9, "nativeVirtualKeyCode": 9}
# Marks every visible enabled button and starts recording which of them get the focus; then, if
# there is any, hides the frames, puts the focus at the start (the top of the page, or the open
# dialog itself) and returns how many times Tab may stop (an upper bound: a loop of Tab presses
# need not go further; Chromium stops at each part of a date (day, month, year and its calendar
# button) or of a date and time); null when there is no button.
_PREPARE = f"""() => {{
  const scope = {_SCOPE};
  const buttons = [...scope.querySelectorAll('button:not([disabled])')].filter(
    (b) => b.checkVisibility() && b.getAttribute('aria-hidden') !== 'true'
      // A tab list is one stop (its selected tab); the arrow keys move along it.
      && !(b.getAttribute('role') === 'tab' && b.tabIndex < 0));
  document.querySelectorAll('[data-kb]').forEach((b) => b.removeAttribute('data-kb'));
  buttons.forEach((b, i) => b.setAttribute('data-kb', String(i)));
  window.__kbReached = new Set();
  if (!window.__kbListening) {{
    document.addEventListener('focusin', (e) => {{
      const b = e.target.closest && e.target.closest('[data-kb]');
      if (b && window.__kbReached) window.__kbReached.add(b.getAttribute('data-kb'));
    }});
    window.__kbListening = true;
  }}
  if (buttons.length === 0) return null;
  const stops = [...scope.querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')].filter(
    (e) => e.checkVisibility() && !e.disabled && e.tabIndex >= 0).reduce(
    (n, e) => n + ({{date: 4, 'datetime-local': 6, time: 3}}[e.type] ?? 1), 0);
  document.querySelectorAll('iframe').forEach((f) => f.style.display = 'none');
  document.activeElement?.blur();
  if (scope === document) window.scrollTo(0, 0);
  else {{ scope.setAttribute('tabindex', '-1'); scope.focus(); }}
  return stops;
}}"""
_UNREACHED = """() => [...document.querySelectorAll('[data-kb]')]
  .filter((b) => !window.__kbReached.has(b.getAttribute('data-kb')))
  .map((b) => (b.getAttribute('aria-label') || b.textContent || b.outerHTML.slice(0, 80)).trim())"""


@pytest.fixture
async def watched(browser: Browser, console_api: ConsoleApi) -> AsyncIterator[Watched]:
    context = await browser.new_context(
        base_url=console_api.url, viewport={"width": WIDTH, "height": HEIGHT}, locale="ru-RU",
        timezone_id="Asia/Vladivostok",  # the console shows Moscow time whatever the browser says
    )  # fmt: skip
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    seen = Watched(page)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            seen.errors.append(f"{message.text} ({message.location.get('url', '')})")

    def on_failed(req: Request) -> None:
        if req.failure == "net::ERR_ABORTED":
            return  # cancelled by the page itself (a query of a page left), not failed
        seen.failed.append(f"{req.method} {req.url}: {req.failure}")

    def on_response(response: Response) -> None:
        if response.status >= 400:
            seen.failed.append(f"{response.request.method} {response.url}: {response.status}")

    page.on("console", on_console)
    page.on("pageerror", lambda exc: seen.errors.append(f"page error: {exc}"))
    page.on("requestfailed", on_failed)
    page.on("response", on_response)
    try:
        yield seen
    finally:
        await context.close()


async def logout(page: Page) -> None:
    await page.get_by_role("button", name="Выйти").click()
    await expect(page.get_by_label("E-mail")).to_be_visible()


async def login(page: Page, email: str) -> None:
    await page.get_by_label("E-mail").fill(email)
    await page.get_by_label("Пароль").fill(DEMO_PASSWORD)
    await page.get_by_role("button", name="Войти").click()


def moscow(when: datetime) -> str:
    return when.astimezone(MOSCOW).strftime("%d.%m.%Y, %H:%M")


async def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the screen when CONSOLE_SHOTS names a folder (the README's are made so:
    `CONSOLE_SHOTS=docs/console .venv/bin/pytest tests/console -k sqlite`)."""
    folder = os.environ.get("CONSOLE_SHOTS")
    if folder:
        await asyncio.to_thread(Path(folder).mkdir, parents=True, exist_ok=True)
        await page.screenshot(path=str(Path(folder) / f"{name}.png"))
