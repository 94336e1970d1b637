"""`make bench`: order intake end to end (a real uvicorn, PostgreSQL and Redis on loopback) against
a bare FastAPI endpoint doing the same inserts with SQLAlchemy Core, measured in the same run.

Prints the throughput ratio (goal ≥ 0.5) and the p99 latency at a paced 100 requests/s against the
bare endpoint's p99 at the same pace in the same round (goal: at most 2×; the median of three
15-second rounds' ratios), and writes the figures to bench/results/. Every loop is bounded in count
and time.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import aiohttp  # noqa: E402
import httpx  # noqa: E402
import psutil  # noqa: E402

from bench.common import (  # noqa: E402
    cpu_steadiness,
    free_port,
    machine,
    rss_mb,
    shown,
    start_postgres,
    start_redis,
    verdict,
    write_result,
)

TOTAL = int(os.environ.get("BENCH_REQUESTS", "1500"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
RATE = int(os.environ.get("BENCH_RATE", "100"))
PACED_SECONDS = int(os.environ.get("BENCH_SECONDS", "15"))
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "20"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
# The paced runs are repeated too: one 15-second run's p99 is its 15 slowest requests, and a slow
# window of the machine more or less decides it.
PACED_ROUNDS = int(os.environ.get("BENCH_PACED_ROUNDS", "3"))
# Both servers run as deployed: one uvicorn worker process per core (the service and the baseline
# alike, so the ratio compares like with like).
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))
START_SECONDS = int(os.environ.get("BENCH_START_SECONDS", "300"))
WEBHOOK_SECRET = "bench-webhook-secret"
AMOCRM_ACCOUNT = "29001234"
# A new lead as amoCRM posts it (application/x-www-form-urlencoded); the service stores the raw
# delivery, checks the secret and the account, parses it and queues the job that makes the order.
AMOCRM_FORM = (
    "leads[add][0][id]=31000101&leads[add][0][status_id]=61000001&leads[add][0][pipeline_id]=7001001"
    f"&account[id]={AMOCRM_ACCOUNT}&account[subdomain]=example"
)


def start_server(target: str, env: dict[str, str], port: int, factory: bool) -> subprocess.Popen[bytes]:
    """``target`` served as `pomoshnik serve` serves the API: WORKERS processes, each with its own
    socket on the port (app/serve.py)."""
    code = (
        "import sys; from app.serve import serve; "
        f"sys.exit(serve('127.0.0.1', {port}, {WORKERS}, {target!r}, {factory!r}))"
    )
    args = [sys.executable, "-c", code]
    process = subprocess.Popen(args, env=env, cwd=ROOT)
    # Each worker imports the whole app: slow on a busy machine (over 120 s at a load of 18).
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    # Terminated, not killed: the supervisor stops its workers (killed, it would leave them running).
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
    raise RuntimeError(f"{target} did not start within {START_SECONDS} s")


async def burst(
    url: str, headers: dict[str, str], body: dict[str, Any] | str, expect: int = 201
) -> tuple[float, list[float]]:
    """TOTAL requests with CONCURRENCY in flight: throughput and latencies. A dict is sent as JSON,
    a string as it is (the amoCRM form)."""
    data, sent_headers = _payload(headers, body)
    latencies: list[float] = []
    queue: asyncio.Queue[int] = asyncio.Queue()
    for i in range(TOTAL):
        queue.put_nowait(i)

    async def worker(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            queue.get_nowait()
            started = time.perf_counter()
            async with session.post(url, data=data, headers=sent_headers) as response:
                text = await response.text()
            latencies.append(time.perf_counter() - started)
            if response.status != expect:
                raise RuntimeError(f"{url}: {response.status} {text[:300]}")

    connector = aiohttp.TCPConnector(limit=CONCURRENCY)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*[worker(session) for _ in range(CONCURRENCY)]), timeout=600)
        elapsed = time.perf_counter() - started
    return TOTAL / elapsed, latencies


async def paced(url: str, headers: dict[str, str], body: dict[str, Any]) -> list[float]:
    """RATE requests a second for PACED_SECONDS, each timed from its scheduled start (a request that
    waits for its client's previous one counts the wait). The requests come from CLIENTS independent
    clients in turn, each with its own keep-alive connection, as many users and integrations do; one
    pooled client would carry nearly all of them over the one or two connections it reuses."""
    data, sent_headers = _payload(headers, body)
    latencies: list[float] = []
    sessions = [aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) for _ in range(CLIENTS)]
    try:

        async def one(i: int, at: float) -> None:
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            async with sessions[i % CLIENTS].post(url, data=data, headers=sent_headers) as response:
                await response.read()
            latencies.append(time.perf_counter() - at)
            if response.status != 201:
                raise RuntimeError(f"{url}: {response.status}")

        start = time.perf_counter() + 0.5
        tasks = [one(i, start + i / RATE) for i in range(RATE * PACED_SECONDS)]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=PACED_SECONDS + 120)
    finally:
        for session in sessions:
            await session.close()
    return latencies


def _per_request(before: dict[str, float], after: dict[str, float], server: str, n: int) -> dict[str, float]:
    return {
        name: round((after[name] - before[name]) * 1000 / n, 2) for name in (server, "postgres", "client")
    }


def _payload(headers: dict[str, str], body: dict[str, Any] | str) -> tuple[bytes, dict[str, str]]:
    """The request body as bytes, once: a dict as JSON, a string (the amoCRM form) as it is."""
    if isinstance(body, str):
        return body.encode(), headers
    return json.dumps(body).encode(), headers | {"Content-Type": "application/json"}


def _median_of(rounds: Iterable[dict[str, float]]) -> dict[str, float]:
    listed = list(rounds)
    return {name: statistics.median(r[name] for r in listed) for name in listed[0]}


def p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def measure(tmp: Path) -> dict[str, Any]:
    pg, db_url = start_postgres(tmp)
    redis, redis_url = start_redis(tmp)
    env = os.environ | {
        "APP_DB__URL": db_url,
        "APP_REDIS__URL": redis_url,
        "APP_LOG_LEVEL": "WARNING",
        "APP_CHAT__STUB_DIR": str(tmp / "chat"),
        "APP_AMOCRM__WEBHOOK_SECRET": WEBHOOK_SECRET,
        "APP_AMOCRM__ACCOUNT_ID": AMOCRM_ACCOUNT,
    }
    servers: list[subprocess.Popen[bytes]] = []
    try:
        cli = [sys.executable, "-m", "app.cli"]
        subprocess.run([*cli, "migrate"], env=env, cwd=ROOT, check=True)
        user = [
            "--name",
            "Бенчмарк Тест",
            "--email",
            "bench@example.com",
            "--role",
            "assistant",
            "--role",
            "head",
        ]
        added = subprocess.run(
            [*cli, "users", "add", *user, "--print-token"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        headers = {"Authorization": f"Bearer {added.stdout.strip().splitlines()[-1]}"}
        app_port, base_port = free_port(), free_port()
        servers.append(start_server("app.main:create_app", env, app_port, factory=True))
        servers.append(start_server("bench.baseline_app:app", env, base_port, factory=False))
        app_url, base_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{base_port}"
        card = {"name": "ООО «Нагрузка»", "inn": "3525000020", "kpp": "352501001"}
        client = httpx.post(f"{app_url}/api/v1/clients", headers=headers, timeout=10, json=card)
        client.raise_for_status()
        query = {"q": "Костюм", "limit": 10}
        products = httpx.get(
            f"{app_url}/api/v1/catalogue/products", headers=headers, timeout=10, params=query
        )
        lines = [
            {"product_id": item["id"], "price_category": "Оптовая", "quantity": 1 + i}
            for i, item in enumerate((products.json()["items"] * 10)[:10])
        ]
        body = {"channel": "phone", "client_id": client.json()["id"], "lines": lines}
        groups = {"service": servers[0].pid, "baseline": servers[1].pid}
        result = asyncio.run(load(app_url, base_url, headers, body, lambda: cpu_by_process(groups)))
        result["api_rss_mb"] = rss_mb(servers[0].pid, children=True)
        return result
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=20)
        redis.terminate()
        redis.wait(timeout=20)
        pg.stop()
        # Let the executor go now, not at interpreter exit when psutil is already torn down.
        del pg
        gc.collect()


def cpu_by_process(servers: dict[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each server's processes, PostgreSQL's and this client's."""

    def used(process: psutil.Process) -> float:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            return float(times.user + times.system)
        return 0.0

    totals = {}
    for name, pid in servers.items():
        supervisor = psutil.Process(pid)
        totals[name] = used(supervisor) + sum(used(child) for child in supervisor.children(recursive=True))
    totals["postgres"] = sum(used(p) for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres")
    totals["client"] = used(psutil.Process())
    return totals


async def load(
    app_url: str,
    base_url: str,
    headers: dict[str, str],
    body: dict[str, Any],
    cpu: Callable[[], dict[str, float]],
) -> dict[str, Any]:
    await burst(f"{app_url}/api/v1/orders", headers, body)  # warm-up
    rounds = []
    for _ in range(ROUNDS):
        base_rps, base_lat = await burst(f"{base_url}/orders", {}, body)
        full_rps, full_lat = await burst(f"{app_url}/api/v1/orders", headers, body)
        rounds.append(
            {
                "baseline_rps": base_rps,
                "intake_rps": full_rps,
                "ratio": full_rps / base_rps,
                "intake_p50_ms": p(full_lat, 0.5),
                "baseline_p50_ms": p(base_lat, 0.5),
            }
        )
    hook = {"Content-Type": "application/x-www-form-urlencoded"}
    webhook_rounds = []
    for _ in range(ROUNDS):
        base_rps, _ = await burst(f"{base_url}/webhooks/amocrm", hook, AMOCRM_FORM, expect=200)
        full_rps, full_lat = await burst(
            f"{app_url}/webhooks/amocrm/{WEBHOOK_SECRET}", hook, AMOCRM_FORM, expect=200
        )
        webhook_rounds.append(
            {
                "baseline_rps": base_rps,
                "webhook_rps": full_rps,
                "ratio": full_rps / base_rps,
                "webhook_p50_ms": p(full_lat, 0.5),
            }
        )
    # The bare endpoint at the same pace first, in each round: the part of the p99 that is the machine's.
    paced_rounds = []
    # And the CPU each request cost every process: what a slow window of the machine multiplies.
    for _ in range(PACED_ROUNDS):
        before = cpu()
        base_paced_lat = await paced(f"{base_url}/orders", {}, body)
        middle = cpu()
        paced_lat = await paced(f"{app_url}/api/v1/orders", headers, body)
        after = cpu()
        paced_rounds.append(
            {
                "p50_ms": p(paced_lat, 0.5),
                "p99_ms": p(paced_lat, 0.99),
                "baseline_p50_ms": p(base_paced_lat, 0.5),
                "baseline_p99_ms": p(base_paced_lat, 0.99),
                "cpu_ms_per_request": _per_request(middle, after, "service", len(paced_lat)),
                "baseline_cpu_ms_per_request": _per_request(before, middle, "baseline", len(base_paced_lat)),
            }
        )
    return {
        "webhook_rounds": webhook_rounds,
        "webhook_ratio_median": statistics.median(r["ratio"] for r in webhook_rounds),
        "webhook_rps_median": statistics.median(r["webhook_rps"] for r in webhook_rounds),
        "webhook_baseline_rps_median": statistics.median(r["baseline_rps"] for r in webhook_rounds),
        "rounds": rounds,
        "ratio_median": statistics.median(r["ratio"] for r in rounds),
        "intake_rps_median": statistics.median(r["intake_rps"] for r in rounds),
        "baseline_rps_median": statistics.median(r["baseline_rps"] for r in rounds),
        "paced_rate": RATE,
        "paced_rounds": paced_rounds,
        "paced_p50_ms": statistics.median(r["p50_ms"] for r in paced_rounds),
        "paced_p99_ms": statistics.median(r["p99_ms"] for r in paced_rounds),
        "baseline_paced_p50_ms": statistics.median(r["baseline_p50_ms"] for r in paced_rounds),
        "baseline_paced_p99_ms": statistics.median(r["baseline_p99_ms"] for r in paced_rounds),
        # Each round's p99 against the bare endpoint's p99 at the same pace in that round, so that a
        # slow spell of the machine weighs on both sides of the ratio.
        "paced_p99_ratio_median": statistics.median(r["p99_ms"] / r["baseline_p99_ms"] for r in paced_rounds),
        "paced_cpu_ms_per_request": _median_of(r["cpu_ms_per_request"] for r in paced_rounds),
        "baseline_paced_cpu_ms_per_request": _median_of(
            r["baseline_cpu_ms_per_request"] for r in paced_rounds
        ),
    }


def main() -> None:
    steadiness = cpu_steadiness()
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-") as tmp:
        os.chmod(tmp, 0o755)
        result = measure(Path(tmp))
    result["cpu_steadiness"] = steadiness
    result |= {
        "machine": machine(),
        "requests_per_round": TOTAL,
        "concurrency": CONCURRENCY,
        "workers": WORKERS,
        "when": time.strftime("%Y-%m-%d %H:%M"),
    }
    out = write_result("intake", result)
    ratio_ok = verdict(result["ratio_median"] >= 0.5)
    p99_ok = verdict(result["paced_p99_ratio_median"] <= 2)
    rate = f"{RATE} req/s"
    print(f"\nOrder intake (10 lines, PostgreSQL, {WORKERS} uvicorn worker(s) each) — {result['machine']}")
    print(f"{'measure':44} {'value':>12}  goal")
    print(f"{'baseline (bare FastAPI + Core), req/s':44} {result['baseline_rps_median']:12.1f}")
    print(f"{'intake (full path), req/s':44} {result['intake_rps_median']:12.1f}")
    print(
        f"{'ratio intake / baseline (median of rounds)':44} {result['ratio_median']:12.2f}"
        f"  >= 0.5 ({ratio_ok})"
    )
    rounds = ", ".join(f"{r['p99_ms']:.1f}" for r in result["paced_rounds"])
    print(f"{'p50 at ' + rate + ', ms (median of rounds)':44} {result['paced_p50_ms']:12.1f}")
    p99 = result["paced_p99_ms"]
    print(f"{'p99 at ' + rate + ', ms (median of rounds)':44} {p99:12.1f}")
    p99_ratio = result["paced_p99_ratio_median"]
    print(f"{'p99 / bare p99 (median of rounds)':44} {p99_ratio:12.2f}  <= 2 ({p99_ok})")
    print(f"{'p99 of each round, ms':44} {rounds:>12}")
    base_p50, base_p99 = result["baseline_paced_p50_ms"], result["baseline_paced_p99_ms"]
    print(f"{'baseline p50 / p99 at ' + rate + ', ms':44} {base_p50:5.1f} / {base_p99:4.1f}")
    mine, bare = result["paced_cpu_ms_per_request"], result["baseline_paced_cpu_ms_per_request"]
    print(
        f"{'CPU per request at ' + rate + ', ms':44} server {mine['service']:.2f}"
        f" (bare {bare['baseline']:.2f}), PostgreSQL {mine['postgres']:.2f}"
        f" ({bare['postgres']:.2f}), client {mine['client']:.2f}"
    )
    steady = result["cpu_steadiness"]
    print(
        f"{'machine: CPU ran >= 3x slow, share of time':44} {steady['slow_share']:12.1%}"
        f"  (worst {steady['worst_x']:.0f}x, {steady['episodes']} episodes in {steady['seconds']:.0f} s)"
    )
    hook_ok = verdict(result["webhook_ratio_median"] >= 0.5)
    print(
        f"{'amoCRM webhook baseline (Core insert), req/s':44} {result['webhook_baseline_rps_median']:12.1f}"
    )
    print(f"{'amoCRM webhook (stored, checked, queued), req/s':44} {result['webhook_rps_median']:12.1f}")
    print(
        f"{'ratio webhook / baseline (median of rounds)':44} {result['webhook_ratio_median']:12.2f}"
        f"  >= 0.5 ({hook_ok})"
    )
    rss_ok = verdict(result["api_rss_mb"] < 200)
    print(f"{'API worker process RSS after the run, MB':44} {result['api_rss_mb']:12.1f}  < 200 ({rss_ok})")
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
