"""`make bench-receivables`: receivables at scale on PostgreSQL.

100,000 clients, 1,000,000 approved invoices (each with its order) over three years and 1,000,000
payments, loaded with COPY; then, as of today:

- the aging report (by client, manager, department) and DSO through the API of a real uvicorn
  process, medians of several runs (goal: aging < 500 ms), and a client's ledger;
- the daily sweep (the worker's sweep: payment reminders, reconciliation acts, limitation
  warnings, ...) run until it finds nothing more to do (goal: < 10 s), then run again (goal: it
  creates nothing);
- the API process's resident memory through it (goal: < 200 MB).

The data is a steady state: what the sweep would have done by yesterday is there (the reminders of
past steps, the acts of the last quarter and month, the limitation warnings already due), and the
sweep does today's share: the steps falling due today, the monthly acts of 50 clients with twelve
invoices last month, the invoices whose limitation period now ends within 90 days, the cases of the
debt that fell overdue since, and the steps of the open cases due today (a call to confirm a
promised payment, a broken guarantee letter escalated, a claim letter followed up at the post).
Results go to bench/results/. Scale down for a trial with BENCH_CLIENTS / BENCH_INVOICES.
"""

from __future__ import annotations

import asyncio
import gc
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psutil  # noqa: E402
import psycopg  # noqa: E402

from app.adapters.amocrm.stub import StubCrm  # noqa: E402
from app.adapters.cbr import StubKeyRates  # noqa: E402
from app.adapters.chat import build_chat_gateway  # noqa: E402
from app.adapters.email import build_mailer  # noqa: E402
from app.adapters.onec.stub import StubErp  # noqa: E402
from app.adapters.storage import build_storage  # noqa: E402
from app.core.calendar import BusinessCalendar  # noqa: E402
from app.core.clock import FixedClock  # noqa: E402
from app.core.config import DbSettings, Settings  # noqa: E402
from app.core.db import create_engine, create_session_factory  # noqa: E402
from app.services.directory.tasks import TaskService  # noqa: E402
from app.services.invoices.service import InvoiceService  # noqa: E402
from app.services.kernel.outbox import OutboxService  # noqa: E402
from app.services.kernel.unit_of_work import UnitOfWork  # noqa: E402
from app.services.orders.fulfilment import FulfilmentService  # noqa: E402
from app.services.receivables.collection import CollectionService  # noqa: E402
from app.services.receivables.credit import CreditService  # noqa: E402
from app.services.receivables.limitation import LimitationService, warning_cutoff  # noqa: E402
from app.services.receivables.payments import PaymentScheduleService  # noqa: E402
from app.services.receivables.reconciliations import (  # noqa: E402
    ReconciliationService,
    last_month,
    last_quarter,
)
from app.services.seed import inn10  # noqa: E402
from app.services.workday.daily_reports import DailyReportService  # noqa: E402
from app.services.workday.warehouse_checks import WarehouseCheckService  # noqa: E402
from app.worker.context import JobContext  # noqa: E402
from app.worker.jobs import sweep  # noqa: E402
from bench.common import free_port, machine, shown, start_postgres, verdict, write_result  # noqa: E402

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "100000"))
INVOICES = int(os.environ.get("BENCH_INVOICES", "1000000"))
RUNS = int(os.environ.get("BENCH_RUNS", "7"))
HEAVY = 50  # clients with twelve invoices last month: their monthly act is made today
HISTORY_DAYS = 3 * 365
DEFERMENTS = (0, 14, 30, 45)
MANAGERS = 200
CHUNK = 50_000


class Queue:
    """The sweep's queue: counts what it would enqueue (the bench measures the sweep, not Redis)."""

    def __init__(self) -> None:
        self.jobs = 0

    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        self.jobs += 1
        return True

    async def ping(self) -> bool:
        return True


def _copy(conn: psycopg.Connection[Any], table: str, columns: str, rows: Iterator[str]) -> None:
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        buffer = io.StringIO()
        for count, row in enumerate(rows, start=1):
            buffer.write(row)
            if count % CHUNK == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())


def generate(dsn: str, today: date) -> dict[str, Any]:
    """Load the dataset with COPY; returns what was made and how long it took."""
    rng = random.Random(20261201)
    started = time.perf_counter()
    stamp = datetime.now(UTC).isoformat()
    month_start, month_end = last_month(today)
    with psycopg.connect(dsn, autocommit=False) as conn:
        # The rows are consistent by construction: no foreign-key trigger per row during the load.
        conn.execute("SET session_replication_role = replica")
        departments = [row[0] for row in conn.execute("SELECT id FROM departments ORDER BY id")]
        first_employee = int(conn.execute("SELECT coalesce(max(id), 0) + 1 FROM employees").fetchone()[0])  # type: ignore[index]
        employees = [first_employee + i for i in range(2 * MANAGERS)]
        _copy(
            conn,
            "employees",
            "id, full_name, initials, department_id, position, email, is_active, created_at, updated_at, "
            "version",
            (
                f"{eid}\tСотрудник {eid}\tСС\t{departments[i % len(departments)]}\t"
                f"{'manager' if i < MANAGERS else 'assistant'}\tbench{eid}@example.com\tt\t"
                f"{stamp}\t{stamp}\t1\n"
                for i, eid in enumerate(employees)
            ),
        )
        _copy(
            conn,
            "employee_roles",
            "employee_id, role",
            (f"{eid}\t{'manager' if i < MANAGERS else 'assistant'}\n" for i, eid in enumerate(employees)),
        )
        conn.execute(
            "SELECT setval(pg_get_serial_sequence('employees', 'id'), (SELECT max(id) FROM employees))"
        )
        _copy(
            conn,
            "clients",
            "id, name, name_search, inn, kpp, delivery_addresses, manager_id, assistant_id, "
            "deferment_days, created_at, updated_at, version",
            (
                f"{c}\tООО «Клиент {c}»\tооо «клиент {c}»\t{inn10(f'{770000000 + c:09d}')}\t770101001\t[]\t"
                f"{employees[c % MANAGERS]}\t{employees[MANAGERS + c % MANAGERS]}\t"
                f"{DEFERMENTS[c % len(DEFERMENTS)]}\t{stamp}\t{stamp}\t1\n"
                for c in range(1, CLIENTS + 1)
            ),
        )
        heavy = list(range(1, HEAVY + 1))
        _copy(
            conn,
            "client_contacts",
            "client_id, name, level, phones, emails, messengers",
            (f'{c}\tБухгалтер {c}\tchief_accountant\t[]\t["buh{c}@example.ru"]\t[]\n' for c in heavy),
        )
        conn.execute("SELECT setval(pg_get_serial_sequence('clients', 'id'), (SELECT max(id) FROM clients))")

        invoices: list[tuple[int, int, date, date, int, int, date]] = []
        regular = INVOICES - HEAVY * 12
        for i in range(1, INVOICES + 1):
            if i <= regular:
                client = (i - 1) % CLIENTS + 1
                issued = today - timedelta(days=rng.randint(1, HISTORY_DAYS))
            else:
                client = heavy[(i - regular - 1) // 12]
                issued = month_start + timedelta(days=rng.randint(0, (month_end - month_start).days))
            due = issued + timedelta(days=DEFERMENTS[client % len(DEFERMENTS)])
            total = rng.randint(100_000, 50_000_000)  # kopecks: 1 000 – 500 000 roubles
            if due >= today - timedelta(days=5) or rng.random() < 0.05:
                paid, paid_on = total * 3 // 10, issued  # a prepayment; the rest is owed
            else:
                paid = total
                paid_on = min(max(due - timedelta(days=rng.randint(0, 5)), issued), today - timedelta(days=1))
            invoices.append((i, client, issued, due, total, paid, paid_on))
        _copy(
            conn,
            "orders",
            "id, channel, source, client_id, status, problems, created_at, updated_at, version",
            (f"{i}\tphone\tapi\t{client}\tclosed\t{{}}\t{stamp}\t{stamp}\t1\n" for i, client, *_ in invoices),
        )
        seq: dict[int, int] = {}

        def invoice_rows() -> Iterator[str]:
            for i, client, issued, due, total, paid, paid_on in invoices:
                n = seq[issued.year] = seq.get(issued.year, 0) + 1
                paid_at = f"{paid_on.isoformat()} 12:00:00+00" if paid == total else "\\N"
                yield (
                    # Every order is closed: its goods left on the day of issue (a debt until paid),
                    # with their УПД made in 1C.
                    f"{i}\t{issued.year}-{n:06d}\t{issued.year}\t{n}\t{i}\t{client}\t{issued}\t{due}\t"
                    f"{issued}\t22\t"
                    f"{total}\t{total * 22 // 122}\t{paid}\t{paid_at}\tapproved\t1\t1c-{i}\tupd-{i}\t"
                    f"{stamp}\t{stamp}\t1\n"
                )

        _copy(
            conn,
            "invoices",
            "id, number, year, seq, order_id, client_id, issued_on, due_on, shipped_on, vat_rate, total, "
            "vat_total, paid_total, paid_at, status, revision, onec_id, upd_onec_id, created_at, updated_at, "
            "version",
            invoice_rows(),
        )
        _copy(
            conn,
            "payments",
            "id, client_id, amount, paid_on, source, reference, unallocated, created_at",
            (
                f"{i}\t{client}\t{paid}\t{paid_on}\tmanual\tп/п {i}\t0\t{stamp}\n"
                for i, client, _, _, _, paid, paid_on in invoices
            ),
        )
        for table in ("orders", "invoices", "payments"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        loaded = time.perf_counter() - started
        conn.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        _steady_state(conn, today, heavy)
        conn.commit()
    steady = time.perf_counter() - started - loaded
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    return {
        "clients": CLIENTS,
        "invoices": INVOICES,
        "payments": INVOICES,
        "open_invoices": sum(1 for row in invoices if row[5] < row[4]),
        "load_seconds": round(loaded, 1),
        "steady_state_seconds": round(steady, 1),
        "generate_seconds": round(time.perf_counter() - started, 1),
    }


def _steady_state(conn: psycopg.Connection[Any], today: date, heavy: list[int]) -> None:
    """What the sweep had done by yesterday: the reminders of past steps, the acts already made,
    the limitation warnings already due, and the collection cases of the debt overdue by then
    (each with its guarantee letter requested)."""
    yesterday = today - timedelta(days=1)
    open_debt = "status = 'approved' AND paid_total < total"
    overdue = f"{open_debt} AND due_on <= %(y)s::date - 1"
    conn.execute(
        f"""INSERT INTO collection_cases (client_id, episode, stage, opened_on, debt_at_open,
            invoice_ids, guarantee_refused, tracking, hearings, created_at, updated_at, version)
        SELECT client_id, 1, 'guarantee_requested', %(y)s, sum(total - paid_total), '[]', false,
               '[]', '[]', now(), now(), 1
          FROM invoices WHERE {overdue} GROUP BY client_id""",
        {"y": yesterday},
    )
    conn.execute(
        """INSERT INTO collection_case_invoices (case_id, invoice_id, added_on)
        SELECT c.id, i.id, %(y)s FROM invoices i JOIN collection_cases c ON c.client_id = i.client_id
         WHERE i.status = 'approved' AND i.paid_total < i.total AND i.due_on <= %(y)s::date - 1""",
        {"y": yesterday},
    )
    conn.execute(
        "INSERT INTO collection_steps (case_id, step, created_at) "
        "SELECT id, 'guarantee_request', now() FROM collection_cases"
    )
    # Some of the cases have moved on and have today's step: one in forty has a guarantee letter
    # whose payment date is the next working day (the call to confirm it), one in forty a letter
    # broken a week ago (the call, the escalation to the head with the dossier), one in forty a
    # claim sent six days ago and not delivered (the follow-up at the post office).
    promised = BusinessCalendar().next_working_day(today + timedelta(days=1))
    conn.execute(
        "UPDATE collection_cases SET stage = 'guarantee_received', promised_on = %(p)s WHERE id %% 40 = 1",
        {"p": promised},
    )
    conn.execute(
        "UPDATE collection_cases SET stage = 'guarantee_received', promised_on = %(p)s WHERE id %% 40 = 2",
        {"p": today - timedelta(days=7)},
    )
    conn.execute(
        "UPDATE collection_cases SET stage = 'claim_sent', claim_sent_on = %(s)s, "
        "tracking_number = '10100087654329', court_allowed_on = %(c)s WHERE id %% 40 = 3",
        {"s": today - timedelta(days=6), "c": today + timedelta(days=24)},
    )
    conn.execute(
        f"""INSERT INTO invoice_reminders (invoice_id, step, created_at)
        SELECT id, 'week_before', now() FROM invoices
         WHERE {open_debt} AND due_on BETWEEN %(y)s::date + 1 AND %(y)s::date + 17
        UNION ALL SELECT id, 'day_before', now() FROM invoices
         WHERE {open_debt} AND due_on BETWEEN %(y)s::date AND %(y)s::date + 11
        UNION ALL SELECT id, 'day_after', now() FROM invoices
         WHERE {open_debt} AND due_on <= %(y)s::date - 1""",
        {"y": yesterday},
    )
    conn.execute(
        f"""INSERT INTO limitation_warnings (invoice_id, runs_from, expires_on, created_at)
        SELECT id, due_on, (due_on + interval '3 years')::date, now() FROM invoices
         WHERE {open_debt} AND due_on <= %(cutoff)s""",
        {"cutoff": warning_cutoff(yesterday)},
    )
    quarter_start, quarter_end = last_quarter(today)
    month_start, month_end = last_month(today)
    act = (
        "INSERT INTO reconciliation_acts (client_id, periodicity, period_start, period_end, status, "
        "revision, opening_balance, debit_total, credit_total, closing_balance, view, created_at, "
        "updated_at, version) SELECT client_id, %(kind)s, %(s)s, %(e)s, 'signed', 1, 0, 0, 0, 0, '{{}}', "
        "now(), now(), 1 FROM ({candidates}) c"
    )
    conn.execute(
        act.format(
            candidates=f"""SELECT client_id FROM invoices
             WHERE status = 'approved' AND issued_on BETWEEN %(s)s AND %(e)s
            UNION SELECT client_id FROM payments WHERE paid_on BETWEEN %(s)s AND %(e)s
            UNION SELECT client_id FROM invoices WHERE {open_debt} AND issued_on <= %(e)s"""
        ),
        {"kind": "quarterly", "s": quarter_start, "e": quarter_end},
    )
    conn.execute(
        act.format(
            candidates="""SELECT client_id FROM invoices
             WHERE status = 'approved' AND issued_on BETWEEN %(s)s AND %(e)s
            AND NOT client_id = ANY(%(heavy)s) GROUP BY client_id HAVING count(*) >= 10"""
        ),
        {"kind": "monthly", "s": month_start, "e": month_end, "heavy": heavy},
    )


async def run_sweeps(db_url: str, tmp: Path) -> dict[str, Any]:
    """The daily sweep: runs until one finds nothing to do; then one more run."""
    settings = Settings(
        db=DbSettings(url=db_url, pool_size=5),
        chat={"stub_dir": tmp / "chat"},  # type: ignore[arg-type]
        storage={"local_dir": tmp / "storage"},  # type: ignore[arg-type]
    )
    engine = create_engine(db_url, pool_size=5)
    chat = build_chat_gateway(settings)
    ctx = JobContext(
        settings=settings,
        engine=engine,
        session_factory=create_session_factory(engine),
        clock=FixedClock(datetime.now(UTC)),
        calendar=BusinessCalendar(),
        chat=chat,
        mailer=build_mailer(settings.smtp),
        queue=Queue(),
        erp=StubErp.default(),
        crm=StubCrm(),
        storage=build_storage(settings.storage),
        key_rates=StubKeyRates(),
    )
    made_keys = (
        "payment_reminders",
        "reconciliation_acts",
        "limitation_warnings",
        "supply_reminders",
        "cases_opened",
        "case_steps",
        "check_sheets",
        "check_reminders",
        "report_reminders",
    )
    runs: list[dict[str, Any]] = []
    started = time.perf_counter()
    while len(runs) < 200:
        run_started = time.perf_counter()
        result = await sweep({"app": ctx})
        made = sum(result[k] for k in made_keys)
        runs.append({"seconds": round(time.perf_counter() - run_started, 3), "made": made} | result)
        if made == 0:
            break
    daily = time.perf_counter() - started
    again: list[float] = []
    again_made = 0
    for _ in range(3):
        run_started = time.perf_counter()
        result = await sweep({"app": ctx})
        again.append(time.perf_counter() - run_started)
        again_made += sum(result[k] for k in made_keys)
    steps = await _profile_steps(ctx)
    await chat.aclose()
    await engine.dispose()
    totals = {k: sum(r[k] for r in runs) for k in made_keys}
    return {
        "daily_sweep_seconds": round(daily, 2),
        "daily_sweep_runs": len(runs),
        "daily_sweep_made": totals,
        "runs": runs,
        "second_run_made": again_made,
        "second_run_seconds_median": round(statistics.median(again), 3),
        "second_run_steps_ms": steps,
    }


async def _profile_steps(ctx: JobContext) -> dict[str, float]:
    """Where an idle sweep's time goes: each of its queries on its own (medians of three)."""
    batch = ctx.settings.worker.sweep_batch
    steps: dict[str, Any] = {
        "payment_reminders": lambda uow: PaymentScheduleService(uow).make_due_tasks(batch),
        "reconciliation_acts": lambda uow: ReconciliationService(uow, ctx.settings.company).schedule_due(
            batch
        ),
        "limitation_warnings": lambda uow: LimitationService(uow).warn_due(batch),
        "task_notices": lambda uow: TaskService(uow).notify_due(batch),
        "outbox_due": lambda uow: OutboxService(uow).due(batch, ctx.stuck_after),
        "fulfilment_due": lambda uow: FulfilmentService(uow, ctx.erp).due_orders(),
        "invoices_unregistered": lambda uow: InvoiceService(uow, ctx.erp, ctx.settings.company).unregistered(
            batch
        ),
        "invoices_without_upd": lambda uow: InvoiceService(uow, ctx.erp, ctx.settings.company).without_upd(
            batch
        ),
        "credit_unpushed": lambda uow: CreditService(uow).unpushed(batch),
        "collection_open": lambda uow: CollectionService(uow).open_due(batch),
        "collection_advance": lambda uow: CollectionService(uow).advance(batch),
        "collection_undrafted": lambda uow: CollectionService(uow).undrafted(batch),
        "check_sheets": lambda uow: WarehouseCheckService(uow, ctx.erp).make_due(batch),
        "report_reminders": lambda uow: DailyReportService(uow).remind_unsubmitted(batch),
    }
    timings: dict[str, float] = {}
    for name, step in steps.items():
        samples = []
        for _ in range(3):
            async with ctx.session_factory() as session:
                uow = UnitOfWork(session=session, clock=ctx.clock, calendar=ctx.calendar)
                started = time.perf_counter()
                await step(uow)
                samples.append((time.perf_counter() - started) * 1000)
                await session.rollback()
        timings[name] = round(statistics.median(samples), 1)
    return timings


def measure_api(db_url: str, tmp: Path) -> dict[str, Any]:
    env = os.environ | {
        "APP_DB__URL": db_url,
        "APP_REDIS__URL": f"redis://127.0.0.1:{free_port()}/0",  # none: the reports need no Redis
        "APP_LOG_LEVEL": "WARNING",
        "APP_CHAT__STUB_DIR": str(tmp / "chat"),
    }
    cli = [sys.executable, "-m", "app.cli"]
    user = [
        "--name",
        "Бенчмарк Отчёт",
        "--email",
        "reports@example.com",
        "--role",
        "head",
        "--role",
        "accountant",
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
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--log-level", "warning", "--no-access-log"],
        env=env,
        cwd=ROOT,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.2)
        process = psutil.Process(server.pid)
        rss: list[int] = [process.memory_info().rss]
        today = date.today()
        cases = {
            "aging_by_client": ("/api/v1/reports/aging", {"group_by": "client"}),
            "aging_by_manager": ("/api/v1/reports/aging", {"group_by": "manager"}),
            "aging_by_department": ("/api/v1/reports/aging", {"group_by": "department"}),
            "dso_company": ("/api/v1/reports/dso", {}),
            "dso_by_department": ("/api/v1/reports/dso", {"group_by": "department"}),
            "ledger_one_year": (
                f"/api/v1/clients/{CLIENTS // 2 + 1}/ledger",
                {"date_from": (today - timedelta(days=365)).isoformat(), "date_to": today.isoformat()},
            ),
            "ledger_heavy_client_quarter": ("/api/v1/clients/1/ledger", {}),
        }
        timings: dict[str, Any] = {}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            for name, (url, params) in cases.items():
                first = client.get(url, params=params)
                first.raise_for_status()
                samples = []
                for _ in range(RUNS):
                    started = time.perf_counter()
                    client.get(url, params=params).raise_for_status()
                    samples.append((time.perf_counter() - started) * 1000)
                    rss.append(process.memory_info().rss)
                timings[name] = {
                    "median_ms": round(statistics.median(samples), 1),
                    "max_ms": round(max(samples), 1),
                }
                if name == "aging_by_client":
                    body = first.json()
                    timings[name] |= {"groups": body["groups"], "total": body["total"]}
        return {"api": timings, "api_rss_mb_max": round(max(rss) / 2**20, 1)}
    finally:
        server.terminate()
        server.wait(timeout=20)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pomoshnik-bench-") as tmp_name:
        tmp = Path(tmp_name)
        os.chmod(tmp, 0o755)
        pg, db_url = start_postgres(tmp)
        try:
            env = os.environ | {"APP_DB__URL": db_url, "APP_LOG_LEVEL": "WARNING"}
            subprocess.run([sys.executable, "-m", "app.cli", "migrate"], env=env, cwd=ROOT, check=True)
            dsn = db_url.replace("postgresql+asyncpg://", "postgresql://")
            today = BusinessCalendar().local_date(datetime.now(UTC))
            result: dict[str, Any] = {"today": today.isoformat(), "data": generate(dsn, today)}
            result |= measure_api(db_url, tmp)
            result |= asyncio.run(run_sweeps(db_url, tmp))
        finally:
            pg.stop()
            del pg
            gc.collect()
    result |= {"machine": machine(), "runs": RUNS, "when": time.strftime("%Y-%m-%d %H:%M")} | {
        "sweep_runs": result.pop("runs")
    }
    out = write_result("receivables", result)
    api = result["api"]
    aging = max(api[k]["median_ms"] for k in ("aging_by_client", "aging_by_manager", "aging_by_department"))

    print(
        f"\nReceivables at scale ({CLIENTS} clients, {INVOICES} invoices and payments) — {result['machine']}"
    )
    print(f"{'measure':48} {'value':>12}  goal")
    print(f"{'data generated and loaded (COPY), s':48} {result['data']['generate_seconds']:12.1f}  < 120")
    for name, timing in api.items():
        print(f"{name + ', median ms':48} {timing['median_ms']:12.1f}")
    print(f"{'aging, slowest grouping, median ms':48} {aging:12.1f}  < 500 ({verdict(aging < 500)})")
    daily = result["daily_sweep_seconds"]
    label = f"daily sweep ({result['daily_sweep_runs']} runs), s"
    print(f"{label:48} {daily:12.2f}  < 10 ({verdict(daily < 10)})")
    print(f"{'  made':48} {json.dumps(result['daily_sweep_made'])}")
    again = result["second_run_made"]
    print(f"{'second run: made':48} {again:12d}  0 ({verdict(again == 0)})")
    print(f"{'second run, median s':48} {result['second_run_seconds_median']:12.3f}")
    for step, ms in result["second_run_steps_ms"].items():
        print(f"{'  ' + step + ', ms':48} {ms:12.1f}")
    rss = result["api_rss_mb_max"]
    print(f"{'API process RSS, max MB':48} {rss:12.1f}  < 200 ({verdict(rss < 200)})")
    print(f"written to {shown(out)}")


if __name__ == "__main__":
    main()
