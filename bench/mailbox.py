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
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
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

from sqlalchemy import func, select  # noqa: E402

from app import devimap  # noqa: E402
from app.adapters.mail_in import ImapMailbox  # noqa: E402
from app.adapters.onec.stub import StubErp  # noqa: E402
from app.adapters.storage import LocalStorage  # noqa: E402
from app.cli import run_migrations  # noqa: E402
from app.core.calendar import BusinessCalendar  # noqa: E402
from app.core.clock import system_clock  # noqa: E402
from app.core.config import DbSettings, MailboxSettings, Settings  # noqa: E402
from app.core.db import create_engine, create_session_factory  # noqa: E402
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
    return MailboxSettings(
        host=server.host,
        port=server.port,
        tls=False,
        username=server.username,
        password=server.password,  # type: ignore[arg-type]
        folders=[folder],
        batch=MESSAGES,
        idle_seconds=0,
        max_message_bytes=10 * 1024 * 1024,
    )


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-mailbox-") as tmp_name:
        tmp = Path(tmp_name)
        url = f"sqlite+aiosqlite:///{tmp / 'bench.sqlite3'}"
        run_migrations(Settings(env="test", db=DbSettings(url=url)))
        asyncio.run(measure(tmp, url))


async def measure(tmp: Path, url: str) -> None:
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

    storage = LocalStorage(tmp / "storage")
    steadiness = cpu_steadiness(3.0)
    bare: list[float] = []
    full: list[float] = []
    with devimap.running(tmp / "dovecot") as server:
        for round_no in range(1, ROUNDS + 1):
            folder = f"round{round_no}"
            client = await _connect(server)
            await client.create(folder)
            for raw in messages(round_no):
                await client.append(raw, mailbox=folder)
            await client.logout()

            started = time.perf_counter()
            count = await bare_loop(server, folder)
            bare.append(count / (time.perf_counter() - started))

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
                storage,
                StubErp.default(),
                20 * 1024 * 1024,
            )
            started = time.perf_counter()
            report = await reader.run(0)
            full.append(report.taken / (time.perf_counter() - started))
            assert report.taken == MESSAGES, report
            print(
                f"round {round_no}: bare {bare[-1]:.1f} msg/s, reader {full[-1]:.1f} msg/s "
                f"({full[-1] / bare[-1]:.2f})",
                flush=True,
            )
    async with factory() as session:
        orders = await session.scalar(
            select(func.count()).select_from(Order).where(Order.channel == OrderChannel.MAILBOX)
        )
    await engine.dispose()
    assert orders == MESSAGES * ROUNDS, orders
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
