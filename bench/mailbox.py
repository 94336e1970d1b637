"""`make bench-mailbox`: the shared mailbox's reader against a bare fetch-and-parse loop.

A local dovecot (as the tests start it) holds, in each round, a folder of 1 000 messages: new orders
from a known client's contact, each with a small PDF attached (the heaviest path: an order, its task,
its two files and the raw message kept). In the same round, on the same server:
- the bare loop: log in, select the folder, list its messages (UID SEARCH), fetch them
  (``UID FETCH … BODY.PEEK[]``, the same commands the reader sends) and parse each with the
  standard library (``email.message_from_bytes``, the body and the attachments), nothing recorded;
- the reader (``MailboxReader.run``): the same folder, each message recorded in its unit of work on
  SQLite, kept in the file store, its order made, then tagged on the server.
Throughput is messages per second; the goal is the reader at ≥ 0.5× the bare loop (medians of the
rounds). Each round gets fresh messages (new Message-IDs) in a fresh folder.

With ``--profile OUT`` it runs one round and writes, for the reader, a cProfile (``OUT.prof`` and
its top functions by own time in ``OUT.txt``) and prints the process's CPU milliseconds per message
of both loops (the IMAP server's work is another process's), with the SQL statements, file-store
writes and log lines per message.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import cProfile
import email
import email.policy
import io
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import structlog  # noqa: E402
from sqlalchemy import event, func, select  # noqa: E402

from app import devimap  # noqa: E402
from app.adapters.mail_in import ImapMailbox  # noqa: E402
from app.adapters.onec.stub import StubErp  # noqa: E402
from app.adapters.storage import LocalStorage  # noqa: E402
from app.commands import run_migrations  # noqa: E402
from app.core.calendar import BusinessCalendar  # noqa: E402
from app.core.clock import system_clock  # noqa: E402
from app.core.config import DbSettings, MailboxSettings, Settings  # noqa: E402
from app.core.db import create_engine, create_session_factory  # noqa: E402
from app.core.logging import configure_logging  # noqa: E402
from app.models.orders import Order, OrderChannel  # noqa: E402
from app.schemas.clients import ClientCreate, ContactCreate  # noqa: E402
from app.services.directory.clients import ClientService  # noqa: E402
from app.services.kernel.unit_of_work import UnitOfWork  # noqa: E402
from app.services.mailbox import MailboxReader  # noqa: E402
from app.services.seed import seed_reference  # noqa: E402
from bench.common import cpu_steadiness, machine, shown, verdict, write_result  # noqa: E402

MESSAGES = int(os.environ.get("BENCH_MAILBOX_MESSAGES", "1000"))
ROUNDS = int(os.environ.get("BENCH_MAILBOX_ROUNDS", "3"))
GOAL = 0.5
PDF = b"%PDF-1.4\n" + b"0" * 20_000 + b"\n%%EOF\n"
SENDER = "buyer@bench.example.ru"


def messages(round_no: int) -> list[bytes]:
    out = []
    for n in range(MESSAGES):
        message = EmailMessage()
        message["From"] = f"Снабжение <{SENDER}>"
        message["To"] = devimap.USER
        message["Subject"] = f"Заявка {round_no}-{n}"
        message["Message-ID"] = make_msgid(domain="bench.example.ru")
        message.set_content(f"Добрый день! Просим счёт: куртка утеплённая — {n + 1} шт., размер 52.")
        message.add_attachment(PDF, maintype="application", subtype="pdf", filename=f"Заявка {n}.pdf")
        out.append(bytes(message))
    return out


async def bare_loop(server: devimap.LocalImap, folder: str) -> int:
    """Fetch and parse every message of ``folder`` as the reader fetches them; nothing recorded."""
    settings = _settings(server, folder)
    parsed = 0
    async with ImapMailbox(settings).connect() as session:
        opened = await session.open(folder, "BenchBare")
        for uid in opened.uids:
            raw = await session.fetch(uid)
            assert raw is not None
            message = email.message_from_bytes(raw, policy=email.policy.default)
            assert isinstance(message, EmailMessage)
            body = message.get_body(preferencelist=("plain", "html"))
            assert body is not None
            assert body.get_content()
            attachments = [part.get_content() for part in message.iter_attachments()]
            assert attachments
            parsed += 1
    return parsed


def _settings(server: devimap.LocalImap, folder: str) -> MailboxSettings:
    return server.mailbox(folder, batch=MESSAGES, max_message_bytes=10 * 1024 * 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", metavar="OUT", help="one round, the reader under cProfile")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-mailbox-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        run_migrations(Settings(env="test", db=DbSettings(url=url)))
        asyncio.run(measure(tmp, url, args.profile))


class _Counts:
    """Log lines written while the reader runs (a structlog processor, first in the chain)."""

    def __init__(self) -> None:
        self.records = 0

    def __call__(self, _logger: object, _name: str, event_dict: Any) -> Any:
        self.records += 1
        return event_dict


class _CountingStorage:
    def __init__(self, inner: LocalStorage) -> None:
        self.inner = inner
        self.puts = 0

    async def put(self, key: str, content: bytes, content_type: str) -> None:
        self.puts += 1
        await self.inner.put(key, content, content_type)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


async def measure(tmp: Path, url: str, profile: str | None = None) -> None:
    engine = create_engine(url, pool_size=5)
    factory = create_session_factory(engine)
    clock = system_clock()
    async with factory() as session:
        uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
        await seed_reference(uow)
        await ClientService(uow).create_unchecked(
            ClientCreate(
                name="ООО «Бенч»",
                inn="7707083893",
                kpp="770701001",
                contacts=[ContactCreate(name="Снабжение", emails=[SENDER])],
            )
        )
        await uow.commit(None)

    storage = _CountingStorage(LocalStorage(tmp / "storage"))
    statements = 0
    kinds: collections.Counter[str] = collections.Counter()

    def counted(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        nonlocal statements
        statements += 1
        kinds[" ".join(sql.split()[:4])[:60]] += 1

    event.listen(engine.sync_engine, "after_cursor_execute", counted)
    # Logged as the worker logs (JSON lines), into a file rather than over the figures.
    configure_logging("INFO", json=True)
    logged = _Counts()
    structlog.get_config()["processors"].insert(0, logged)
    log_file = (tmp / "worker.log").open("w")
    structlog.configure(logger_factory=structlog.PrintLoggerFactory(file=log_file))
    rounds = 1 if profile else ROUNDS
    steadiness = cpu_steadiness(0.5 if profile else 3.0)
    bare: list[float] = []
    full: list[float] = []
    cpu_ms: list[tuple[float, float]] = []  # the process's CPU ms per message: bare, reader
    with devimap.running(tmp / "dovecot") as server:
        for round_no in range(1, rounds + 1):
            folder = f"round{round_no}"
            client = await _connect(server)
            await client.create(folder)
            for raw in messages(round_no):
                await client.append(raw, mailbox=folder)
            await client.logout()

            started, cpu = time.perf_counter(), time.process_time()
            count = await bare_loop(server, folder)
            bare.append(count / (time.perf_counter() - started))
            bare_cpu = (time.process_time() - cpu) * 1000 / count

            @asynccontextmanager
            async def unit_of_work() -> AsyncIterator[UnitOfWork]:
                async with factory() as session:
                    uow = UnitOfWork(session=session, clock=clock, calendar=BusinessCalendar())
                    try:
                        yield uow
                    except BaseException:
                        await uow.rollback()
                        raise
                    await uow.commit(_NoQueue())

            reader = MailboxReader(
                ImapMailbox(_settings(server, folder)),
                _settings(server, folder),
                unit_of_work,
                storage,  # type: ignore[arg-type]
                StubErp.default(),
                20 * 1024 * 1024,
            )
            profiler = cProfile.Profile(time.process_time) if profile else None
            statements, storage.puts, logged.records = 0, 0, 0
            kinds.clear()
            started, cpu = time.perf_counter(), time.process_time()
            if profiler is not None:
                profiler.enable()
            report = await reader.run(0)
            if profiler is not None:
                profiler.disable()
            full.append(report.taken / (time.perf_counter() - started))
            reader_cpu = (time.process_time() - cpu) * 1000 / report.taken
            assert report.taken == MESSAGES, report
            cpu_ms.append((bare_cpu, reader_cpu))
            if profiler is not None and profile is not None:
                profiler.dump_stats(f"{profile}.prof")
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(60)
                pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(120)
                await asyncio.to_thread(Path(f"{profile}.txt").write_text, text.getvalue())
                print(
                    f"CPU per message: bare {bare_cpu:.2f} ms, reader {reader_cpu:.2f} ms "
                    f"(under cProfile); per message: {statements / report.taken:.1f} SQL statements, "
                    f"{storage.puts / report.taken:.1f} file writes, {logged.records / report.taken:.1f} "
                    f"log lines; profile: {profile}.prof, {profile}.txt",
                    flush=True,
                )
                for sql, count in kinds.most_common():
                    print(f"  {count / report.taken:5.2f}  {sql}")
            print(
                f"round {round_no}: bare {bare[-1]:.1f} msg/s, reader {full[-1]:.1f} msg/s "
                f"({full[-1] / bare[-1]:.2f}); CPU per message: bare {bare_cpu:.2f} ms, "
                f"reader {reader_cpu:.2f} ms",
                flush=True,
            )
    async with factory() as session:
        orders = await session.scalar(
            select(func.count()).select_from(Order).where(Order.channel == OrderChannel.MAILBOX)
        )
    await engine.dispose()
    log_file.close()
    assert orders == MESSAGES * rounds, orders
    if profile:
        return
    bare_median, full_median = statistics.median(bare), statistics.median(full)
    ratio = full_median / bare_median
    result: dict[str, Any] = {
        "machine": machine(),
        "messages": MESSAGES,
        "rounds": ROUNDS,
        "database": "sqlite",
        "bare_msgs_per_s": [round(x, 1) for x in bare],
        "reader_msgs_per_s": [round(x, 1) for x in full],
        "bare_median": round(bare_median, 1),
        "reader_median": round(full_median, 1),
        "ratio": round(ratio, 3),
        # The reader's own process (the IMAP server and the process reading messages apart).
        "cpu_ms_per_message": [{"bare": round(b, 2), "reader": round(r, 2)} for b, r in cpu_ms],
        "goal": f"ratio >= {GOAL}",
        "met": ratio >= GOAL,
        "cpu_steadiness": steadiness,
    }
    path = write_result("mailbox", result)
    print(
        f"\n{MESSAGES} messages × {ROUNDS} rounds: bare fetch-and-parse {bare_median:.1f} msg/s, "
        f"the reader {full_median:.1f} msg/s, ratio {ratio:.2f} (goal ≥ {GOAL}): {verdict(ratio >= GOAL)}\n"
        f"figures: {shown(path)}"
    )


class _NoQueue:
    async def enqueue(self, function: str, *args: Any, job_id: str) -> bool:
        return True


async def _connect(server: devimap.LocalImap) -> Any:
    import aioimaplib

    client = aioimaplib.IMAP4(server.host, server.port, timeout=60)
    await client.wait_hello_from_server()
    await client.login(server.username, server.password)
    return client


if __name__ == "__main__":
    main()
