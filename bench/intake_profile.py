"""CPU per order on the intake path, in process, on PostgreSQL: where `make bench-intake`'s latency
comes from, without the noise of the load generator and the other processes sharing the cores.

Starts PostgreSQL and Redis on loopback, builds the app as uvicorn would, and calls it as an ASGI
application directly (no HTTP client, no sockets: what is timed is the service's own work and the
database driver's), one request at a time:

    .venv/bin/python bench/intake_profile.py                 # CPU ms per order, median of rounds
    .venv/bin/python bench/intake_profile.py --profile out   # and a pyinstrument profile (text, html)
    .venv/bin/python bench/intake_profile.py --only-profile --cpu-profile out  # calls and CPU, cProfile
    .venv/bin/python bench/intake_profile.py --only-profile --statements        # the SQL of one order

The CPU time is the process's (time.process_time), so PostgreSQL's own work is not in it; on a
busy machine it grows with the load (shared caches, the other processes' turns), so two runs compare
only when the machine was as busy. Two counts do not depend on that: the SQL statements per request
(an ``after_cursor_execute`` listener over a sample after the timed rounds and the profile, so
that its own cost is in neither) and, with --cpu-profile, the Python function calls per order.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402

from bench.common import start_postgres, start_redis  # noqa: E402
from bench.intake import AMOCRM_ACCOUNT, AMOCRM_FORM, WEBHOOK_SECRET  # noqa: E402

# Requests whose SQL statements are counted, after the timed rounds.
STATEMENT_SAMPLE = 50


async def call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, bytes]:
    """One request through the ASGI app, as a server would make it."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()]
        + [(b"content-length", str(len(body)).encode()), (b"host", b"bench")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            await asyncio.sleep(3600)
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, send)
    return status, b"".join(chunks)


async def drive(args: argparse.Namespace, env: dict[str, str], token: str) -> dict[str, Any]:
    os.environ.update(env)
    from app.core.config import get_settings
    from app.main import create_app

    get_settings.cache_clear()
    app = create_app(get_settings())
    auth = {"authorization": f"Bearer {token}", "content-type": "application/json"}
    statements: list[str] = []

    def executed(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    async with app.router.lifespan_context(app):
        card = {"name": "ООО «Нагрузка»", "inn": "3525000020", "kpp": "352501001"}
        status, raw = await call(app, "POST", "/api/v1/clients", auth, json.dumps(card).encode())
        assert status == 201, raw
        client_id = json.loads(raw)["id"]
        products = [p.id for p in await app.state.erp.search_products("Костюм", limit=10)]
        lines = [
            {"product_id": pid, "price_category": "Оптовая", "quantity": 1 + i}
            for i, pid in enumerate((products * 10)[:10])
        ]
        order = json.dumps({"channel": "phone", "client_id": client_id, "lines": lines}).encode()
        hook_headers = {"content-type": "application/x-www-form-urlencoded"}
        hook_path = f"/webhooks/amocrm/{WEBHOOK_SECRET}"
        form = AMOCRM_FORM.encode()

        async def orders(n: int) -> None:
            for _ in range(n):
                status, raw = await call(app, "POST", "/api/v1/orders", auth, order)
                if status != 201:
                    raise RuntimeError(f"{status} {raw[:300]!r}")

        async def hooks(n: int) -> None:
            for _ in range(n):
                status, raw = await call(app, "POST", hook_path, hook_headers, form)
                if status != 200:
                    raise RuntimeError(f"{status} {raw[:300]!r}")

        await orders(args.warmup)
        await hooks(args.warmup)
        result: dict[str, Any] = {}
        for name, work in () if args.only_profile else (("order", orders), ("webhook", hooks)):
            cpu, wall = [], []
            for _ in range(args.rounds):
                gc.collect()
                c0, w0 = time.process_time(), time.perf_counter()
                await work(args.requests)
                cpu.append((time.process_time() - c0) * 1000 / args.requests)
                wall.append((time.perf_counter() - w0) * 1000 / args.requests)
            result[name] = {
                "cpu_ms_median": round(statistics.median(cpu), 2),
                "cpu_ms_rounds": [round(x, 2) for x in cpu],
                "wall_ms_median": round(statistics.median(wall), 2),
            }
        if args.profile:
            from pyinstrument import Profiler

            # Sampled as the stack is, not as the awaits are: the waits on PostgreSQL show up as the
            # event loop's select(), apart from the CPU spent in our code and the libraries.
            profiler = Profiler(interval=0.001, async_mode="disabled")
            with profiler:
                await orders(args.requests)
            out = Path(args.profile)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.with_suffix(".txt").write_text(profiler.output_text(unicode=True, show_all=False))
            flat = profiler.output_text(unicode=True, flat=True, flat_time="total")
            out.with_suffix(".flat.txt").write_text(flat)
            out.with_suffix(".html").write_text(profiler.output_html())
        if args.cpu_profile:
            # Deterministic and in CPU time: every call counted, each function's own CPU
            # (time.process_time), so the waits on PostgreSQL and the other processes on the machine
            # are not in it. Its own overhead inflates the totals; the counts and the proportions
            # are what to read.
            import cProfile
            import pstats

            cpu_profiler = cProfile.Profile(time.process_time)
            cpu_profiler.enable()
            await orders(args.requests)
            cpu_profiler.disable()
            out = Path(args.cpu_profile)
            out.parent.mkdir(parents=True, exist_ok=True)
            cpu_profiler.dump_stats(out.with_suffix(".pstats"))
            with out.with_suffix(".txt").open("w") as text:
                stats = pstats.Stats(cpu_profiler, stream=text)
                # A count, unlike the times: steady however busy the machine is.
                calls = sum(nc for _cc, nc, *_rest in stats.stats.values())  # type: ignore[attr-defined]
                result["order_profile_calls"] = round(calls / args.requests)
                stats.sort_stats("cumulative").print_stats(80)
                stats.sort_stats("tottime").print_stats(60)
        # Counted last, apart from the timed rounds and the profile: the listener costs CPU of its
        # own, and the engine keeps dispatching events once one was listened to.
        event.listen(app.state.engine.sync_engine, "after_cursor_execute", executed)
        for name, work in () if args.only_profile else (("order", orders), ("webhook", hooks)):
            statements.clear()
            await work(STATEMENT_SAMPLE)
            result[name]["statements"] = len(statements) / STATEMENT_SAMPLE
        if args.statements:
            statements.clear()
            await orders(1)
            result["order_statements"] = [" ".join(s.split())[:200] for s in statements]
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only-profile", action="store_true", help="skip the timed rounds")
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--profile", help="write a pyinstrument profile of one round of orders here")
    parser.add_argument(
        "--cpu-profile",
        help="write a cProfile of one round of orders in CPU time here (.pstats, and .txt by "
        "cumulative and by own time)",
    )
    parser.add_argument(
        "--statements", action="store_true", help="list the SQL statements of one order (shortened)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pomoshnik-profile-") as name:
        tmp = Path(name)
        os.chmod(tmp, 0o755)
        pg, db_url = start_postgres(tmp)
        redis, redis_url = start_redis(tmp)
        env = {
            "APP_DB__URL": db_url,
            "APP_REDIS__URL": redis_url,
            "APP_LOG_LEVEL": "WARNING",
            "APP_CHAT__STUB_DIR": str(tmp / "chat"),
            "APP_AMOCRM__WEBHOOK_SECRET": WEBHOOK_SECRET,
            "APP_AMOCRM__ACCOUNT_ID": AMOCRM_ACCOUNT,
        }
        try:
            full = os.environ | env
            cli = [sys.executable, "-m", "app.cli"]
            subprocess.run([*cli, "migrate"], env=full, cwd=ROOT, check=True)
            user = ["--name", "Бенчмарк Тест", "--email", "bench@example.com"]
            added = subprocess.run(
                [*cli, "users", "add", *user, "--role", "assistant", "--role", "head", "--print-token"],
                env=full,
                cwd=ROOT,
                check=True,
                capture_output=True,
                text=True,
            )
            token = added.stdout.strip().splitlines()[-1]
            result = asyncio.run(drive(args, env, token))
        finally:
            redis.terminate()
            redis.wait(timeout=20)
            pg.stop()
            del pg
            gc.collect()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
