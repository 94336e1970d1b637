"""`make bench`: every benchmark, each as its own process, then ONE table of every goal:
measure, value, baseline, ratio, goal, met / NOT met; written to bench/results/summary-<time>.json.

The benchmarks: order intake (bench/intake.py), the receivables dataset (bench/receivables.py, the
full 1M invoices, or BENCH_SCALE of it: BENCH_SCALE=0.1 loads 10,000 clients and 100,000 invoices),
the document PDFs (bench/documents.py), the worker's memory (bench/worker_memory.py) and the
console's first rows in a browser (bench/console.py; the console must be built: make web-build) and the
1C adapter's CPU against bare httpx (bench/onec.py) and the shared mailbox's reader against a bare
IMAP fetch-and-parse loop (bench/mailbox.py).
BENCH_ONLY=documents,worker runs a part of them. Each has a time limit; one that fails or runs out of
time is reported as such and the others still run. Exits 1 when a benchmark failed, else 0 (goals
not met are figures, not failures).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import RESULTS, machine, shown  # noqa: E402

OPS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda value, limit: value < limit,
    "<=": lambda value, limit: value <= limit,
    ">=": lambda value, limit: value >= limit,
    "==": lambda value, limit: value == limit,
}


@dataclass(frozen=True)
class Row:
    """One line of the table. ``goal_on`` says which figure the goal judges: "value" or "ratio"."""

    bench: str
    measure: str
    unit: str
    value: float | None
    baseline: float | None = None
    ratio: float | None = None
    goal_on: str = "value"
    op: str | None = None
    limit: float | None = None
    status: str = ""  # met | NOT met | no goal | not built | failed


def judged(row: Row) -> Row:
    """The row with its status: whether the figure its goal is on meets the goal."""
    if row.status in ("not built", "failed"):
        return row
    if row.op is None or row.limit is None:
        return Row(**(asdict(row) | {"status": "no goal"}))
    figure = row.ratio if row.goal_on == "ratio" else row.value
    if figure is None:
        return Row(**(asdict(row) | {"status": "failed"}))
    ok = OPS[row.op](figure, row.limit)
    return Row(**(asdict(row) | {"status": "met" if ok else "NOT met"}))


def _num(value: Any) -> float | None:
    return None if value is None else float(value)


def _ratio(value: Any, baseline: Any) -> float | None:
    return None if value is None or not baseline else float(value) / float(baseline)


def intake_rows(r: Mapping[str, Any]) -> list[Row]:
    rate = r.get("paced_rate", 100)
    # The bare endpoint's p99 at the same pace, in the same run: how much of the p99 is the machine.
    base_p99 = r.get("baseline_paced_p99_ms")
    steady = r.get("cpu_steadiness")
    return [
        Row("intake", "order intake throughput (10 lines)", "req/s", _num(r["intake_rps_median"]),
            _num(r["baseline_rps_median"]), _num(r["ratio_median"]), "ratio", ">=", 0.5),
        Row("intake", f"order intake p99 at a paced {rate} req/s", "ms", _num(r["paced_p99_ms"]),
            _num(base_p99), _num(r.get("paced_p99_ratio_median")) or _ratio(r["paced_p99_ms"], base_p99),
            "ratio", "<=", 2),
        Row("intake", "amoCRM webhook throughput", "req/s", _num(r["webhook_rps_median"]),
            _num(r["webhook_baseline_rps_median"]), _num(r["webhook_ratio_median"]), "ratio", ">=", 0.5),
        Row("intake", "API worker RSS after the intake run", "MB", _num(r["api_rss_mb"]), op="<", limit=200),
        Row("intake", "machine, idle: time the CPU ran >= 3x slow", "%",
            _num(None if steady is None else round(100 * steady["slow_share"], 1))),
    ]  # fmt: skip


def receivables_rows(r: Mapping[str, Any]) -> list[Row]:
    api = r["api"]
    aging = max(api[k]["median_ms"] for k in ("aging_by_client", "aging_by_manager", "aging_by_department"))
    data = r["data"]
    scale = f"{data['invoices']:,} invoices".replace(",", " ")
    return [
        Row("receivables", "receivables data generated and loaded (COPY)", "s",
            _num(data["generate_seconds"]), op="<", limit=120),
        Row("receivables", f"aging report, slowest grouping ({scale})", "ms", _num(aging), op="<", limit=500),
        Row("receivables", "DSO by department", "ms", _num(api["dso_by_department"]["median_ms"])),
        Row("receivables", "a client's ledger, one year", "ms", _num(api["ledger_one_year"]["median_ms"])),
        Row("receivables", "daily sweep until idle", "s", _num(r["daily_sweep_seconds"]), op="<", limit=10),
        Row("receivables", "sweep run again: rows made", "rows", _num(r["second_run_made"]),
            op="==", limit=0),
        Row("receivables", "API process RSS through the reports", "MB", _num(r["api_rss_mb_max"]),
            op="<", limit=200),
    ]  # fmt: skip


def documents_rows(r: Mapping[str, Any]) -> list[Row]:
    rows = [
        Row("documents", f"PDF: {d['label']}", "ms", _num(d["median_ms"]), _num(d["baseline_median_ms"]),
            _num(d["ratio"]), "value", "<", _num(d["goal_ms"]))
        for d in r["documents"].values()
    ]  # fmt: skip
    rows += [
        Row("documents", f"PDF: {key.replace('_', ' ')}", "ms", None, status="not built")
        for key in r.get("not_built", [])
    ]
    rows += [
        Row("documents", f"PDF: {key.replace('_', ' ')}: {error}", "ms", None, status="failed")
        for key, error in r.get("failed", {}).items()
    ]
    return rows


def worker_rows(r: Mapping[str, Any]) -> list[Row]:
    batch = f"{r['acts']} e-mails with {r['act_lines']}-line acts"
    idle = _num(r["worker_rss_idle_mb"])
    peak = _num(r["worker_rss_peak_mb"])
    return [
        Row("worker", f"arq worker RSS after {batch}", "MB", _num(r["worker_rss_after_mb"]), idle,
            _num(r["ratio_after_idle"]), "value", "<", 200),
        Row("worker", "arq worker RSS, peak during the batch", "MB", peak, idle,
            round(peak / idle, 2) if peak and idle else None, "value", "<", 200),
    ]  # fmt: skip


def console_rows(r: Mapping[str, Any]) -> list[Row]:
    shown = r["rows_shown"]
    return [
        Row("console", f"console: «{label}» first rows ({shown[key]} rows; static page)", "ms",
            _num(r[key]["console_ms"]), _num(r[key]["static_ms"]), _num(r[key]["ratio"]), "ratio", "<=",
            _num(r[key]["goal_ratio"]))
        for key, label in (("today", "Сегодня"), ("orders", "Заявки"))
    ]  # fmt: skip


def onec_rows(r: Mapping[str, Any]) -> list[Row]:
    rows = []
    for key, label in (
        ("search", f"1C: catalogue search, {r['search_results']} results"),
        ("invoice", f"1C: invoice written, {r['invoice_lines']} lines"),
    ):
        o = r[key]
        rows += [
            Row(
                "onec",
                f"{label}: adapter CPU beyond bare httpx ({o['http_requests']} requests)",
                "ms",
                _num(o["overhead_cpu_ms"]),
                op="<=",
                limit=_num(o["goal_ms"]),
            ),
            Row(
                "onec",
                f"{label}: CPU, adapter and bare httpx",
                "ms",
                _num(o["adapter_cpu_ms"]),
                _num(o["bare_cpu_ms"]),
                _num(o["ratio"]),
            ),
        ]
    return rows  # fmt: skip


def mailbox_rows(r: Mapping[str, Any]) -> list[Row]:
    return [
        Row("mailbox", f"mailbox: {r['messages']} e-mails taken (orders with a PDF; bare fetch-and-parse)",
            "msg/s", _num(r["reader_median"]), _num(r["bare_median"]), _num(r["ratio"]), "ratio", ">=", 0.5),
    ]  # fmt: skip


@dataclass(frozen=True)
class Bench:
    name: str
    script: str
    rows: Callable[[Mapping[str, Any]], list[Row]]
    timeout_seconds: int
    args: tuple[str, ...] = ()


BENCHES = (
    Bench("intake", "bench/intake.py", intake_rows, 1200),
    Bench("receivables", "bench/receivables.py", receivables_rows, 2400),
    Bench("documents", "bench/documents.py", documents_rows, 900),
    Bench("worker", "bench/worker_memory.py", worker_rows, 900),
    Bench("console", "bench/console.py", console_rows, 900),
    Bench("onec", "bench/onec.py", onec_rows, 600),
    Bench("mailbox", "bench/mailbox.py", mailbox_rows, 1500),
)


def rows_for(bench: Bench, result: Mapping[str, Any] | None, error: str | None) -> list[Row]:
    if result is None:
        return [Row(bench.name, f"{bench.name} benchmark: {error or 'no result'}", "", None, status="failed")]
    try:
        return [judged(row) for row in bench.rows(result)]
    except (KeyError, TypeError, ValueError) as exc:
        return [
            Row(bench.name, f"{bench.name} benchmark: unreadable result ({exc!r})", "", None, status="failed")
        ]


def _fmt(value: float | None, unit: str = "") -> str:
    if value is None:
        return ""
    text = f"{value:.0f}" if abs(value) >= 1000 or value == int(value) else f"{value:.1f}"
    return f"{text} {unit}".strip()


def goal_text(row: Row) -> str:
    if row.op is None or row.limit is None:
        return ""
    figure = "ratio" if row.goal_on == "ratio" else ""
    unit = "" if row.goal_on == "ratio" else row.unit
    limit = f"{row.limit:g}"
    return " ".join(
        part for part in (figure, {">=": "≥", "<=": "≤"}.get(row.op, row.op), limit, unit) if part
    )


def table(rows: list[Row]) -> str:
    """The summary as a Markdown table (read as is in a terminal, pasted as is in docs/benchmarks.md)."""
    lines = ["| measure | value | baseline | ratio | goal | result |", "|---|---|---|---|---|---|"]
    for row in rows:
        ratio = "" if row.ratio is None else f"{row.ratio:.2f}"
        lines.append(
            f"| {row.measure} | {_fmt(row.value, row.unit)} | {_fmt(row.baseline, row.unit)} | {ratio} "
            f"| {goal_text(row)} | {row.status} |"
        )
    return "\n".join(lines)


def summary(
    outcomes: Mapping[str, tuple[Mapping[str, Any] | None, str | None, float]], when: str, where: str
) -> dict[str, Any]:
    """The summary of a run from each benchmark's (result, error, seconds)."""
    rows: list[Row] = []
    for bench in BENCHES:
        if bench.name in outcomes:
            result, error, _ = outcomes[bench.name]
            rows += rows_for(bench, result, error)
    counts = {
        status: sum(1 for r in rows if r.status == status)
        for status in ("met", "NOT met", "not built", "failed")
    }
    return {
        "when": when,
        "machine": where,
        "counts": counts,
        "rows": [asdict(r) for r in rows],
        "benchmarks": {
            name: {"seconds": round(seconds, 1), "error": error, "result": result}
            for name, (result, error, seconds) in outcomes.items()
        },
        "table": table(rows),
    }


def environment(name: str) -> dict[str, str]:
    env = dict(os.environ)
    scale = os.environ.get("BENCH_SCALE")
    if name == "receivables" and scale:
        factor = min(1.0, max(0.0001, float(scale)))
        env.setdefault("BENCH_CLIENTS", str(max(100, int(100_000 * factor))))
        env.setdefault("BENCH_INVOICES", str(max(1_000, int(1_000_000 * factor))))
    return env


def run(bench: Bench, tmp: Path) -> tuple[dict[str, Any] | None, str | None, float]:
    out = tmp / f"{bench.name}.json"
    env = environment(bench.name) | {"BENCH_RESULT": str(out)}
    started = time.monotonic()
    print(f"\n==> {bench.name}: {bench.script} (at most {bench.timeout_seconds // 60} min)", flush=True)
    try:
        done = subprocess.run(
            [sys.executable, bench.script, *bench.args], env=env, cwd=ROOT, timeout=bench.timeout_seconds
        )
    except subprocess.TimeoutExpired:
        return None, f"ran out of its {bench.timeout_seconds} s", time.monotonic() - started
    seconds = time.monotonic() - started
    if done.returncode != 0 or not out.exists():
        return None, f"exited with {done.returncode}", seconds
    return json.loads(out.read_text(encoding="utf-8")), None, seconds


def main() -> None:
    only = {n.strip() for n in os.environ.get("BENCH_ONLY", "").split(",") if n.strip()}
    unknown = only - {b.name for b in BENCHES}
    if unknown:
        sys.exit(f"BENCH_ONLY: unknown benchmark(s) {sorted(unknown)}; known: {[b.name for b in BENCHES]}")
    outcomes: dict[str, tuple[dict[str, Any] | None, str | None, float]] = {}
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-run-") as tmp:
        for bench in BENCHES:
            if not only or bench.name in only:
                outcomes[bench.name] = run(bench, Path(tmp))
    result = summary(outcomes, time.strftime("%Y-%m-%d %H:%M"), machine())
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"summary-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n")
    took = sum(seconds for _, _, seconds in outcomes.values())
    print(f"\nSummary — {result['machine']}, {result['when']}, {took / 60:.1f} min")
    print(result["table"])
    print(", ".join(f"{n} {s}" for s, n in result["counts"].items()))
    print(f"written to {shown(out)}")
    sys.exit(1 if result["counts"]["failed"] else 0)


if __name__ == "__main__":
    main()
