"""Pieces the benchmarks share: the machine's description, warm medians, servers on loopback
(PostgreSQL, Redis), process memory, and where a run's JSON goes.

A benchmark started by bench/run.py is given BENCH_RESULT, the path its JSON must be written to, so
the summary reads exactly that run's figures; alone, it writes a timestamped file in bench/results/.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil
import psycopg
from pytest_postgresql.executors.proc import PostgreSQLExecutor

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def write_result(name: str, result: dict[str, Any]) -> Path:
    """The run's figures as JSON: to BENCH_RESULT when set, else bench/results/<name>-<time>.json."""
    target = os.environ.get("BENCH_RESULT")
    out = Path(target) if target else RESULTS / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    return out


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def paired_ms(
    render: Callable[[], object], baseline: Callable[[], object], runs: int, budget_seconds: float = 120.0
) -> tuple[list[float], list[float]]:
    """Milliseconds of ``runs`` calls of ``render`` and of ``baseline``, taken in turn so that both
    see the same machine, after one untimed warm-up call of each (fonts, templates, decoders loaded).
    Stops early, with at least three pairs, when the time budget is spent."""
    render()
    baseline()
    own: list[float] = []
    base: list[float] = []
    deadline = time.monotonic() + budget_seconds
    for _ in range(runs):
        for call, samples in ((render, own), (baseline, base)):
            started = time.perf_counter()
            call()
            samples.append((time.perf_counter() - started) * 1000)
        if len(own) >= 3 and time.monotonic() > deadline:
            break
    return own, base


def summary_ms(samples: list[float]) -> dict[str, float | int]:
    return {
        "median_ms": round(statistics.median(samples), 1),
        "max_ms": round(max(samples), 1),
        "runs": len(samples),
    }


def cpu_steadiness(seconds: float = 5.0) -> dict[str, float | int]:
    """How steady the CPU is, idle: the same small piece of Python work (about half a millisecond)
    done over and over for ``seconds``; a piece that took three times the median or more ran in a
    slow window. On the shared virtual machines this runs on, such windows come every second or
    two, last tens of milliseconds and slow everything in them several times over, which puts a
    floor under any p99 of a few milliseconds' work, whatever the service does."""
    durations: list[float] = []
    starts: list[float] = []
    end = time.perf_counter() + seconds
    while (started := time.perf_counter()) < end:
        table = {i: str(i) for i in range(3000)}
        del table
        starts.append(started)
        durations.append(time.perf_counter() - started)
    median = statistics.median(durations)
    slow = [(at, took) for at, took in zip(starts, durations, strict=True) if took >= 3 * median]
    episodes = sum(1 for i, (at, _) in enumerate(slow) if i == 0 or at - slow[i - 1][0] > 0.1)
    return {
        "seconds": seconds,
        "median_piece_ms": round(median * 1000, 3),
        "slow_share": sum(took for _, took in slow) / seconds,
        "worst_x": max((took for _, took in slow), default=median) / median,
        "episodes": episodes,
    }


def rss_mb(pid: int, children: bool = False) -> float:
    """A process's resident memory in MB; with ``children``, the largest of its child processes
    (uvicorn's workers) or the process itself when it has none."""
    process = psutil.Process(pid)
    processes = (process.children(recursive=True) if children else []) or [process]
    return max(p.memory_info().rss for p in processes) / 2**20


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_postgres(tmp: Path) -> tuple[PostgreSQLExecutor, str]:
    port = free_port()
    executor = PostgreSQLExecutor(
        executable=str(ROOT / "tests" / "support" / "pg_ctl"),
        host="127.0.0.1",
        port=port,
        datadir=str(tmp / "pgdata"),
        unixsocketdir=tempfile.gettempdir(),
        logfile=str(tmp / "pg" / "pg.log"),
        startparams="-w",
        dbname="bench",
    )
    executor.start()
    deadline = time.monotonic() + 30
    while True:  # "the database system is starting up" for a moment after pg_ctl returns
        try:
            with psycopg.connect(
                host="127.0.0.1", port=port, user="postgres", dbname="postgres", autocommit=True
            ) as conn:
                conn.execute("CREATE DATABASE bench")
            break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    return executor, f"postgresql+asyncpg://postgres@127.0.0.1:{port}/bench"


def start_redis(tmp: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    binary = shutil.which("redis-server") or "redis-server"
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(tmp), "--save", ""],
        stdout=subprocess.DEVNULL,
    )
    return process, f"redis://127.0.0.1:{port}/0"
