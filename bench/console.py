"""`make bench-console`: the console's first rows against a static page of the same rows.

The API runs as deployed (`pomoshnik serve --workers 2`) on PostgreSQL with the built console, over
the demo directory plus 1,000 open tasks of one assistant and 10,000 orders (written with bulk
INSERTs). In one Chromium (Playwright), logged in as that assistant, it times, from the navigation's
start to the first row laid out on the screen, «Сегодня» (/) and «Заявки» (/orders), and a static HTML
page for each with the same rows (as many as the console shows on its first page, the same
columns), served by the same API from the same origin. The rounds take the four pages in turn;
the figures are medians. Goal: each screen within 3× its static page.

Beside the times, each console round reports where its time went (from the browser's own
timings): the page's scripts run, the data request answered, the rows rendered.
`BENCH_CONSOLE_BEFORE=<a build's dist>` measures a second build in the same rounds (see BEFORE).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import html
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402
from playwright.async_api import Page, async_playwright  # noqa: E402

from bench.common import (  # noqa: E402
    cpu_steadiness,
    free_port,
    machine,
    shown,
    start_postgres,
    start_redis,
    verdict,
    write_result,
)

# BENCH_CONSOLE_DIST: another build of the console to measure instead of web/dist.
DIST = Path(os.environ.get("BENCH_CONSOLE_DIST", ROOT / "web" / "dist"))
# BENCH_CONSOLE_BEFORE: a second build (say, the one before a change), served by a second API over the
# same database and measured in the same rounds, its screens taken in turn with the others: two
# builds compared on a loaded machine, where separate runs differ more than the builds do.
BEFORE = os.environ.get("BENCH_CONSOLE_BEFORE")
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
TASKS = int(os.environ.get("BENCH_CONSOLE_TASKS", "1000"))
ORDERS = int(os.environ.get("BENCH_CONSOLE_ORDERS", "10000"))
ROUNDS = int(os.environ.get("BENCH_CONSOLE_ROUNDS", "9"))
# BENCH_CONSOLE_PROFILE=1: one more navigation of each console screen under the V8 CPU profiler, its
# heaviest functions (self time) added to the result.
PROFILE = os.environ.get("BENCH_CONSOLE_PROFILE") == "1"
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
GOAL_RATIO = 3.0
ASSISTANT = "smirnova.dv@example.com"
MANAGER = "КАС"
PASSWORD_TOKEN_KEY = "pomoshnik.token"  # web/src/lib/session.ts
MOSCOW = ZoneInfo("Europe/Moscow")
# The first row of each screen, in the console and in its static page alike.
ROW = {"today": '[data-testid="task"]', "orders": "table tbody tr"}
TASKS_PAGE = 500  # web/src/lib/me.ts asks for at most 500 a bucket
ORDERS_PAGE = 50  # web/src/pages/orders/OrdersPage.tsx

# Run before the page's own scripts on every navigation: the assistant's login, and a watcher that
# notes (performance.now(), from the navigation's start) when the first row is laid out.
INIT = """
sessionStorage.setItem(%(key)r, %(token)r);
(() => {
  const selector = %(selector)r;
  const check = () => {
    if (window.__firstRow !== undefined) return true;
    const row = document.querySelector(selector);
    if (row && row.textContent.trim() && row.getBoundingClientRect().height > 0) {
      window.__firstRow = performance.now();
      return true;
    }
    return false;
  };
  const observer = new MutationObserver(() => { if (check()) observer.disconnect(); });
  observer.observe(document, { childList: true, subtree: true, attributes: true });
})();
"""

TASK_KIND = {"call": "Звонок", "remind": "Напоминание", "check": "Проверка", "clarify": "Уточнение"}
TASK_SUBJECT = {"client": "Клиент", "order": "Заявка"}
ORDER_STATUS = {"received": "Получена", "accepted": "Принята", "invoiced": "Счёт выставлен",
                "approved": "Счёт согласован", "shipped": "Отгружена", "closed": "Закрыта"}  # fmt: skip
ORDER_CHANNEL = {"phone": "Телефон", "mailbox": "Почта", "amocrm": "amoCRM", "whatsapp": "WhatsApp"}


def seed(pg_url: str) -> None:
    """TASKS open tasks of the assistant, due from five days ago to a month ahead, and ORDERS
    orders of the last year managed by the demo manager and assisted by her, in a few INSERTs."""
    with psycopg.connect(pg_url.replace("+asyncpg", ""), autocommit=True) as conn:
        ids = dict(conn.execute("SELECT email, id FROM employees").fetchall())
        manager = conn.execute("SELECT id FROM employees WHERE initials = %s", (MANAGER,)).fetchone()
        clients = [row[0] for row in conn.execute("SELECT id FROM clients ORDER BY id").fetchall()]
        if manager is None or not clients:
            raise RuntimeError("the demo directory is not loaded")
        conn.execute(
            """
            INSERT INTO orders (channel, source, client_id, manager_id, assistant_id, raw_text, status,
                                problems, created_at, updated_at, version)
            SELECT (%(channels)s::text[])[1 + i %% 4], 'api', (%(clients)s::int[])[1 + i %% %(n)s],
                   %(manager)s, %(assistant)s, 'Костюмы летние, ' || i || ' шт.',
                   (%(statuses)s::text[])[1 + i %% 6], '{}'::json,
                   now() - (%(orders)s - i) * interval '50 minutes',
                   now() - (%(orders)s - i) * interval '50 minutes', 1
            FROM generate_series(1, %(orders)s) AS i
            """,
            {
                "channels": list(ORDER_CHANNEL),
                "statuses": list(ORDER_STATUS),
                "clients": clients,
                "n": len(clients),
                "manager": manager[0],
                "assistant": ids[ASSISTANT],
                "orders": ORDERS,
            },
        )
        conn.execute(
            """
            INSERT INTO tasks (kind, title, description, subject_type, subject_id, assignee_id,
                               created_by_id, due_at, status, created_at, updated_at, version)
            SELECT (%(kinds)s::text[])[1 + i %% 4], 'Позвонить по заявке ' || i,
                   CASE WHEN i %% 3 = 0 THEN 'Уточнить размеры и сроки поставки' END,
                   CASE WHEN i %% 2 = 0 THEN 'order' ELSE 'client' END,
                   CASE WHEN i %% 2 = 0 THEN (SELECT max(id) FROM orders) - i
                        ELSE (%(clients)s::int[])[1 + i %% %(n)s] END,
                   %(assistant)s, %(manager)s,
                   now() - interval '5 days' + i * (interval '35 days' / %(tasks)s),
                   'open', now() - interval '6 days', now() - interval '6 days', 1
            FROM generate_series(1, %(tasks)s) AS i
            """,
            {
                "kinds": list(TASK_KIND),
                "clients": clients,
                "n": len(clients),
                "manager": manager[0],
                "assistant": ids[ASSISTANT],
                "tasks": TASKS,
            },
        )
        conn.execute("ANALYZE")


def when(iso: str) -> str:
    moment = datetime.fromisoformat(iso).astimezone(MOSCOW)
    return moment.strftime("%d.%m.%Y, %H:%M")


def static_today(buckets: dict[str, list[dict[str, Any]]]) -> str:
    """«Сегодня» as plain HTML: the three buckets, each card with its kind, title, deadline,
    description, subject and buttons, as the console draws them."""
    parts = []
    for key, title in (("overdue", "Просрочено"), ("today", "На сегодня"), ("upcoming", "Предстоящие")):
        cards = []
        for t in buckets[key]:
            subject = ""
            if t["subject_id"] is not None and t["subject_type"] in TASK_SUBJECT:
                label = f"{TASK_SUBJECT[t['subject_type']]} №{t['subject_id']}"
                subject = (
                    f'<p><a href="/orders/{t["subject_id"]}">Открыть: {label}</a></p>'
                    if t["subject_type"] == "order"
                    else f"<p>{label}</p>"
                )
            late = " — просрочено" if t["overdue"] else ""
            kind = TASK_KIND.get(t["kind"], t["kind"])
            cards.append(
                f'<div class="card" data-testid="task"><div><span class="badge">{kind}</span> '
                f"<b>{html.escape(t['title'])}</b><p>Срок: {when(t['due_at'])}{late}</p>"
                f"{'<p>' + html.escape(t['description']) + '</p>' if t['description'] else ''}{subject}</div>"
                f"<div><button>{'Итог звонка' if t['kind'] == 'call' else 'Выполнено'}</button> "
                f"<button>Перенести</button></div></div>"
            )
        parts.append(
            f"<section><h3>{title} <span class='badge'>{len(cards)}</span></h3>{''.join(cards)}</section>"
        )
    return page("Сегодня", "".join(parts))


def static_orders(orders: list[dict[str, Any]], names: dict[int, str]) -> str:
    """«Заявки» as plain HTML: the first page's rows with the same five columns."""
    rows = "".join(
        f"<tr><td>{o['id']}</td><td>{when(o['created_at'])}</td>"
        f"<td>{ORDER_CHANNEL.get(o['channel'], o['channel'])}</td>"
        f"<td>{html.escape(names.get(o['client_id'], ''))}</td><td><span class='badge'>"
        f"{ORDER_STATUS.get(o['status'], o['status'])}</span></td></tr>"
        for o in orders
    )
    head = "<tr><th>№</th><th>Получена</th><th>Канал</th><th>Клиент</th><th>Статус</th></tr>"
    table = f"<table><thead>{head}</thead><tbody>{rows}</tbody></table><p>Показано: {len(orders)}</p>"
    return page("Заявки", table)


def page(title: str, body: str) -> str:
    style = (
        "body{font-family:sans-serif;margin:16px;max-width:1100px}.card{display:flex;justify-content:"
        "space-between;border:1px solid #ddd;border-radius:4px;padding:8px;margin:6px 0}.card p{margin:2px 0}"
        ".badge{border:1px solid #99c;border-radius:8px;padding:0 6px;font-size:12px}"
        "table{border-collapse:collapse;width:100%}"
        "td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}"
    )
    return (
        f'<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{style}</style></head><body><h2>{title}</h2>{body}</body></html>"
    )


async def first_row(page_: Page, url: str) -> dict[str, float]:
    """Navigate and wait for the watcher's mark: ms from the navigation's start to the first row,
    and the browser's own marks of the way there."""
    await page_.goto(url, wait_until="commit")
    await page_.wait_for_function("window.__firstRow !== undefined", timeout=60_000, polling=50)
    marks: dict[str, float] = await page_.evaluate(
        """() => {
          const nav = performance.getEntriesByType('navigation')[0];
          const api = performance.getEntriesByType('resource')
            .filter((r) => r.name.includes('/api/v1/tasks/mine') || r.name.includes('/api/v1/orders'));
          const scripts = performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'script'
            || r.name.endsWith('.js'));
          return {
            first_row_ms: window.__firstRow,
            html_ms: nav.responseEnd,
            dom_content_loaded_ms: nav.domContentLoadedEventEnd,
            scripts_loaded_ms: scripts.length ? Math.max(...scripts.map((r) => r.responseEnd)) : 0,
            data_requested_ms: api.length ? api[0].startTime : 0,
            data_answered_ms: api.length ? api[0].responseEnd : 0,
          };
        }"""
    )
    return marks


async def profiled(page_: Page, url: str) -> list[dict[str, Any]]:
    """One navigation under V8's sampling profiler: the functions with the most self time, and the
    API requests made until the first row (path, start and end in ms from the navigation's start)."""
    cdp = await page_.context.new_cdp_session(page_)
    await cdp.send("Profiler.enable")
    await cdp.send("Profiler.setSamplingInterval", {"interval": 200})
    await cdp.send("Profiler.start")
    await first_row(page_, url)
    profile = (await cdp.send("Profiler.stop"))["profile"]
    await cdp.detach()
    requests = await page_.evaluate(
        """() => performance.getEntriesByType('resource').filter((r) => r.name.includes('/api/'))
          .map((r) => [r.name.split('/api/v1/')[1], Math.round(r.startTime), Math.round(r.responseEnd)])"""
    )
    by_id = {node["id"]: node for node in profile["nodes"]}
    deltas = profile.get("timeDeltas", [])
    self_ms: dict[str, float] = {}
    for sample, delta in zip(profile.get("samples", []), [*deltas[1:], 0], strict=True):
        frame = by_id[sample]["callFrame"]
        where = frame["url"].rsplit("/", 1)[-1] or "(native)"
        key = f"{frame['functionName'] or '(anonymous)'} {where}"
        self_ms[key] = self_ms.get(key, 0.0) + delta / 1000
    heaviest = sorted(self_ms.items(), key=lambda kv: -kv[1])[:20]
    return [{"function": k, "self_ms": round(v, 1)} for k, v in heaviest] + [
        {"request": path, "start_ms": start, "end_ms": end} for path, start, end in requests
    ]


async def browse(
    base: str, token: str, rounds: int, before: str | None = None
) -> dict[str, list[dict[str, Any]]]:
    samples: dict[str, list[dict[str, Any]]] = {}
    screens = {
        "console_today": ("/", "today", base),
        "static_today": ("/bench-static-today.html", "today", base),
        "console_orders": ("/orders", "orders", base),
        "static_orders": ("/bench-static-orders.html", "orders", base),
    }
    if before is not None:
        screens = {
            "console_today": screens["console_today"],
            "before_today": ("/", "today", before),
            "static_today": screens["static_today"],
            "console_orders": screens["console_orders"],
            "before_orders": ("/orders", "orders", before),
            "static_orders": screens["static_orders"],
        }
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            pages = {}
            for name, (_, kind, origin) in screens.items():
                context = await browser.new_context(
                    base_url=origin, viewport={"width": 1366, "height": 768}, locale="ru-RU"
                )
                await context.add_init_script(
                    INIT % {"key": PASSWORD_TOKEN_KEY, "token": token, "selector": ROW[kind]}
                )
                pages[name] = await context.new_page()
            for round_ in range(rounds + 1):  # the first round warms the caches and is not counted
                for name, (path, _, _) in screens.items():
                    marks = await first_row(pages[name], path)
                    if round_:
                        samples.setdefault(name, []).append(marks)
                    await pages[name].goto("about:blank")
            if PROFILE:
                for name in ("console_today", "console_orders"):
                    samples[f"profile_{name}"] = await profiled(pages[name], screens[name][0])
        finally:
            await browser.close()
    return samples


def start_api(env: dict[str, str], port: int, logs: Path) -> subprocess.Popen[bytes]:
    with (logs / "api.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--port", str(port), "--workers", str(WORKERS)],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its worker processes are stopped with it (stop_api)
        )
    deadline = time.monotonic() + 300  # each worker imports the whole app; slow on a busy machine
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    stop_api(process)
    raise RuntimeError(f"the API did not start:\n{(logs / 'api.log').read_text(errors='replace')}")


def stop_api(process: subprocess.Popen[bytes]) -> None:
    """The API's supervisor and every process it started (uvicorn's workers, their render pools)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=5)


def api_ms(url: str, params: dict[str, Any], headers: dict[str, str], runs: int = 7) -> float:
    """The median time of the screen's data request alone (httpx, nothing else running)."""
    took = []
    with httpx.Client(headers=headers, timeout=30) as client:
        for _ in range(runs):
            started = time.perf_counter()
            client.get(url, params=params).raise_for_status()
            took.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(took), 1)


def median_of(samples: list[dict[str, Any]], key: str) -> float:
    return round(statistics.median(s[key] for s in samples), 1)


def measure(tmp: Path) -> dict[str, Any]:
    if not (DIST / "index.html").is_file():
        raise SystemExit("web/dist is not built: `make web-build` (or `cd web && npm ci && npx vite build`)")
    dist = tmp / "dist"
    shutil.copytree(DIST, dist)
    pg, db_url = start_postgres(tmp)
    redis, redis_url = start_redis(tmp)
    env = os.environ | {
        "APP_DB__URL": db_url,
        "APP_REDIS__URL": redis_url,
        "APP_LOG_LEVEL": "WARNING",
        "APP_CHAT__STUB_DIR": str(tmp / "chat"),
        "APP_STORAGE__LOCAL_DIR": str(tmp / "storage"),
        "APP_API__CONSOLE_DIR": str(dist),
        "APP_RATES__ADAPTER": "stub",
    }
    api: subprocess.Popen[bytes] | None = None
    api_before: subprocess.Popen[bytes] | None = None
    try:
        cli = [sys.executable, "-m", "app.cli"]
        subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True, capture_output=True)
        subprocess.run([*cli, "seed-demo"], env=env, cwd=ROOT, check=True, capture_output=True)
        started = time.monotonic()
        seed(db_url)
        seeded = time.monotonic() - started
        port = free_port()
        api = start_api(env, port, tmp)
        base = f"http://127.0.0.1:{port}"
        from app.services.seed import DEMO_PASSWORD

        login = httpx.post(
            f"{base}/api/v1/auth/token", json={"email": ASSISTANT, "password": DEMO_PASSWORD}, timeout=10
        )
        login.raise_for_status()
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # The static pages hold exactly what the console's first page shows.
        buckets = httpx.get(
            f"{base}/api/v1/tasks/mine", params={"limit": TASKS_PAGE}, headers=headers, timeout=30
        ).json()
        orders = httpx.get(
            f"{base}/api/v1/orders", params={"limit": ORDERS_PAGE}, headers=headers, timeout=30
        ).json()["items"]
        with psycopg.connect(db_url.replace("+asyncpg", "")) as conn:
            names = dict(conn.execute("SELECT id, name FROM clients").fetchall())
        (dist / "bench-static-today.html").write_text(static_today(buckets), encoding="utf-8")
        (dist / "bench-static-orders.html").write_text(static_orders(orders, names), encoding="utf-8")
        alone = {
            "today": api_ms(f"{base}/api/v1/tasks/mine", {"limit": TASKS_PAGE}, headers),
            "orders": api_ms(f"{base}/api/v1/orders", {"limit": ORDERS_PAGE}, headers),
        }
        before = None
        if BEFORE:
            before_dist = tmp / "dist-before"
            shutil.copytree(BEFORE, before_dist)
            before_port = free_port()
            api_before = start_api(env | {"APP_API__CONSOLE_DIR": str(before_dist)}, before_port, tmp)
            before = f"http://127.0.0.1:{before_port}"
        steadiness = cpu_steadiness()
        samples = asyncio.run(browse(base, token, ROUNDS, before))
    finally:
        if api_before is not None:
            stop_api(api_before)
        if api is not None:
            stop_api(api)
        redis.terminate()
        redis.wait(timeout=20)
        pg.stop()
        del pg
        gc.collect()
    shown_tasks = sum(len(buckets[k]) for k in ("overdue", "today", "upcoming"))
    result: dict[str, Any] = {
        "tasks": TASKS,
        "orders": ORDERS,
        "rounds": ROUNDS,
        "api_workers": WORKERS,
        "seed_seconds": round(seeded, 2),
        "rows_shown": {"today": shown_tasks, "orders": len(orders)},
        "cpu_steadiness": steadiness,
    }
    for screen in ("today", "orders"):
        own = median_of(samples[f"console_{screen}"], "first_row_ms")
        static = median_of(samples[f"static_{screen}"], "first_row_ms")
        result[screen] = {
            "console_ms": own,
            "static_ms": static,
            "ratio": round(own / static, 2),
            "data_request_alone_ms": alone[screen],
            "goal_ratio": GOAL_RATIO,
            "console_rounds_ms": [round(s["first_row_ms"], 1) for s in samples[f"console_{screen}"]],
            "static_rounds_ms": [round(s["first_row_ms"], 1) for s in samples[f"static_{screen}"]],
            # Where the console's time went (medians, ms from the navigation's start).
            "console_marks_ms": {
                key: median_of(samples[f"console_{screen}"], key)
                for key in (
                    "html_ms",
                    "scripts_loaded_ms",
                    "dom_content_loaded_ms",
                    "data_requested_ms",
                    "data_answered_ms",
                    "first_row_ms",
                )
            },
        }
        if f"before_{screen}" in samples:
            then = median_of(samples[f"before_{screen}"], "first_row_ms")
            result[screen]["before"] = {
                "build": str(BEFORE),
                "console_ms": then,
                "ratio": round(then / static, 2),
                "console_rounds_ms": [round(s["first_row_ms"], 1) for s in samples[f"before_{screen}"]],
                "console_marks_ms": {
                    key: median_of(samples[f"before_{screen}"], key)
                    for key in ("html_ms", "data_requested_ms", "data_answered_ms", "first_row_ms")
                },
            }
        if f"profile_console_{screen}" in samples:
            result[screen]["console_profile"] = samples[f"profile_console_{screen}"]
    return result


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-console-") as tmp:
        result = measure(Path(tmp))
    result["machine"] = machine()
    result["when"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = write_result("console", result)
    for screen, label in (("today", "«Сегодня»"), ("orders", "«Заявки»")):
        r = result[screen]
        print(
            f"{label}, {result['rows_shown'][screen]} rows: first rows at {r['console_ms']} ms, the static "
            f"page at {r['static_ms']} ms, ratio {r['ratio']} (goal ≤ {GOAL_RATIO:g}: "
            f"{verdict(r['ratio'] <= GOAL_RATIO)}); the way there: {r['console_marks_ms']}"
        )
        if "before" in r:
            print(
                f"  the build before, same rounds: {r['before']['console_ms']} ms, "
                f"ratio {r['before']['ratio']}"
            )
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
