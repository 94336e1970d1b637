"""The shared mailbox read from a real IMAP server (Debian's dovecot, started once for the run),
messages put in with IMAP APPEND, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import email
import email.policy
import itertools
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import pytest
from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from structlog.testing import capture_logs

from app.adapters.mail_in import ImapMailbox
from app.core.calendar import BusinessCalendar
from app.core.clock import FixedClock
from app.devimap import LocalImap, restart_connections
from app.models.directory import Role
from app.models.events import Event
from app.models.mailbox import InboundEmail, InboundKind
from app.models.orders import Order, OrderAttachment, OrderChannel, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind, OutboundMessage, OutboundStatus
from app.models.tasks import Task, TaskSubject
from app.schemas.clients import ClientCreate, ContactCreate
from app.services.directory.clients import ClientService
from app.services.kernel.ports import MailboxFolder, MailboxSession
from app.services.kernel.unit_of_work import UnitOfWork
from app.worker.context import JobContext
from app.worker.jobs.mailbox import read_mailbox
from tests.conftest import NOW
from tests.support.imap import append, not_taken
from tests.support.receivables import add_invoice

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
_inns = itertools.count(1)


def _inn() -> str:
    from stdnum.ru import inn

    base = f"77{next(_inns) + 7000000:07d}"[:9]
    return base + inn.calc_company_check_digit(base)


def letter(
    subject: str,
    text: str,
    *,
    sender: str = "Иван Петров <buyer@romashka.ru>",
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    pdf: bytes | None = None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "zakaz@pomoshnik.local"
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="romashka.ru")
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(text)
    if pdf is not None:
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename="Заявка №5.pdf")
    return bytes(message)


def dsn(original_id: str, recipient: str) -> bytes:
    """A bounce as Postfix sends it: multipart/report with the delivery status and our headers."""
    boundary = "dsn-boundary-1"
    return (
        "From: MAILER-DAEMON@mx.romashka.ru (Mail Delivery System)\r\n"
        "To: zakaz@pomoshnik.local\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.romashka.ru')}\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain; charset=us-ascii\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.romashka.ru\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 User unknown\r\n\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: pomoshnik@example.com\r\n"
        f"To: {recipient}\r\n"
        "Subject: =?utf-8?b?0KHRh9GR0YI=?=\r\n"
        f"Message-ID: {original_id}\r\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()


def _folder(ctx: JobContext) -> str:
    return ctx.settings.mailbox.folders[0]


async def _client(
    factory: async_sessionmaker[AsyncSession], assistant_id: int, email: str = "buyer@romashka.ru"
) -> int:
    async with factory() as session:
        uow = UnitOfWork(session=session, clock=FixedClock(NOW), calendar=BusinessCalendar())
        client = await ClientService(uow).create_unchecked(
            ClientCreate(
                name="ООО «Ромашка»",
                inn=_inn(),
                kpp="770101001",
                assistant_id=assistant_id,
                contacts=[ContactCreate(name="Иван Петров", emails=[email])],
            )
        )
        await uow.commit(None)
        return client.id


async def _rows(factory: async_sessionmaker[AsyncSession], model: Any, *where: Any) -> list[Any]:
    async with factory() as session:
        return list((await session.scalars(select(model).where(*where).order_by(model.id))).all())


async def test_a_new_order_with_a_pdf_becomes_an_order_from_the_mailbox_with_the_file(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(session_factory, assistant.id)
    raw = letter("Заявка", "Добрый день! Прошу счёт на 10 курток, размеры в файле.", pdf=PDF)
    await append(imap_server, _folder(mailbox_ctx), raw)

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 1, marked 1"

    (order,) = await _rows(session_factory, Order)
    assert order.channel == OrderChannel.MAILBOX
    assert order.source == "mailbox"
    assert order.status == OrderStatus.NEEDS_CLARIFICATION
    assert order.client_id == client_id
    assert "10 курток" in (order.raw_text or "")
    files = await _rows(session_factory, OrderAttachment, OrderAttachment.order_id == order.id)
    assert sorted((f.filename, f.content_type) for f in files) == [
        ("Заявка №5.pdf", "application/pdf"),
        ("письмо.txt", "text/plain; charset=utf-8"),
    ]
    stored = await mailbox_ctx.storage.get(next(f.storage_key for f in files if f.filename.endswith(".pdf")))
    assert stored is not None
    assert stored.content == PDF
    (task,) = await _rows(session_factory, Task, Task.subject_type == TaskSubject.ORDER)
    assert task.subject_id == order.id
    assert task.assignee_id == assistant.id
    (row,) = await _rows(session_factory, InboundEmail)
    assert row.kind == InboundKind.ORDER
    assert row.order_id == order.id
    assert row.raw_key
    kept = await mailbox_ctx.storage.get(row.raw_key)
    assert kept is not None
    assert kept.content.replace(b"\r\n", b"\n") == raw.replace(b"\r\n", b"\n")
    assert await not_taken(imap_server, _folder(mailbox_ctx)) == []
    # A second run finds nothing new.
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 0, marked 0"


async def test_a_clients_answer_to_a_sent_invoice_lands_on_that_invoice_with_a_task(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(session_factory, assistant.id)
    invoice_id = await add_invoice(
        session_factory,
        client_id,
        issued_on=date(2026, 11, 30),
        due_on=date(2026, 12, 10),
        total="1000.00",
        assistant_id=assistant.id,
    )
    sent_id = await _sent_email(session_factory, invoice_id, "buyer@romashka.ru")
    our_id = f"<outbound-{sent_id}@example.com>"
    answer = letter(
        "Re: Счёт",
        "Добрый день!\nСогласовано, но уберите вторую позицию.\n\nС уважением,\nИван\n\n"
        "пн, 30 нояб. 2026 г. в 10:00, Помощник <pomoshnik@example.com>:\n"
        "> Счёт во вложении\n> Оплатите до 10.12\n",
        in_reply_to=our_id,
    )
    await append(imap_server, _folder(mailbox_ctx), answer)

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 1, marked 1"

    (row,) = await _rows(session_factory, InboundEmail)
    assert (row.kind, row.about, row.about_id) == (InboundKind.REPLY, MessageAbout.INVOICE, invoice_id)
    assert row.text == "Добрый день!\nСогласовано, но уберите вторую позицию.\n\nС уважением,\nИван"
    (task,) = await _rows(session_factory, Task, Task.subject_type == TaskSubject.INVOICE)
    assert task.subject_id == invoice_id
    assert task.assignee_id == assistant.id
    assert task.title.startswith("Клиент ответил на счёт № T-2026-")
    assert "уберите вторую позицию" in (task.description or "")
    assert "Оплатите до" not in (task.description or "")
    assert await _rows(session_factory, Order, Order.channel == OrderChannel.MAILBOX) == []


async def test_an_answer_that_names_the_invoice_in_its_subject_lands_on_it_for_the_senders_client(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(session_factory, assistant.id)
    other_id = await _client(session_factory, assistant.id, email="someone@elsewhere.ru")
    invoice_id = await add_invoice(
        session_factory, client_id, issued_on=date(2026, 11, 30), due_on=date(2026, 12, 10), total="5.00"
    )
    async with session_factory() as session:
        from app.models.invoices import Invoice

        number = (await session.get(Invoice, invoice_id)).number  # type: ignore[union-attr]
    await append(
        imap_server,
        _folder(mailbox_ctx),
        # No In-Reply-To (written anew), but the subject names the invoice of the sender's client…
        letter(f"Счёт № {number} — гарантийное письмо", "Оплатим до пятницы.", pdf=PDF),
        # …while the same number from a stranger's address is not an answer to it.
        letter(f"Счёт № {number}", "Что это?", sender="someone@elsewhere.ru"),
    )

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 2, marked 2"

    reply, stranger = await _rows(session_factory, InboundEmail)
    assert (reply.kind, reply.about, reply.about_id) == (InboundKind.REPLY, MessageAbout.INVOICE, invoice_id)
    assert reply.outcome == f"reply to invoice {invoice_id}"
    assert [part["filename"] for part in reply.parts] == ["Заявка №5.pdf"]
    stored = await mailbox_ctx.storage.get(reply.parts[0]["key"])
    assert stored is not None
    assert stored.content == PDF
    assert stranger.kind == InboundKind.ORDER
    (order,) = await _rows(session_factory, Order, Order.channel == OrderChannel.MAILBOX)
    assert order.client_id == other_id


async def _sent_email(factory: async_sessionmaker[AsyncSession], invoice_id: int, recipient: str) -> int:
    async with factory() as session:
        sent = OutboundMessage(
            dedupe_key=f"invoice-sent:{invoice_id}",
            kind=OutboundKind.EMAIL,
            channel="personal",
            recipient=recipient,
            subject="Счёт",
            body="Счёт во вложении",
            payload={},
            status=OutboundStatus.SENT,
            attempts=1,
            created_at=NOW,
            next_attempt_at=NOW,
            sent_at=NOW,
            about=MessageAbout.INVOICE,
            about_id=invoice_id,
        )
        session.add(sent)
        await session.flush()
        sent.external_id = f"<outbound-{sent.id}@example.com>"
        await session.commit()
        return sent.id


async def test_auto_replies_lists_and_bounces_are_recognised_and_a_bounce_fails_our_delivery(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    assistant = await make_user(Role.ASSISTANT)
    client_id = await _client(session_factory, assistant.id)
    invoice_id = await add_invoice(
        session_factory,
        client_id,
        issued_on=date(2026, 11, 30),
        due_on=date(2026, 12, 10),
        total="5.00",
        assistant_id=assistant.id,
    )
    sent_id = await _sent_email(session_factory, invoice_id, "old-buyer@romashka.ru")
    await append(
        imap_server,
        _folder(mailbox_ctx),
        letter(
            "Автоответ: Re: Счёт",
            "Я в отпуске до 14 декабря.",
            in_reply_to=f"<outbound-{sent_id}@example.com>",
            headers={"Auto-Submitted": "auto-replied", "X-Autoreply": "yes"},
        ),
        letter("Новости отрасли", "Выставка в марте", headers={"List-Id": "<news.example.org>"}),
        dsn(f"<outbound-{sent_id}@example.com>", "old-buyer@romashka.ru"),
    )

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 3, marked 3"

    auto, listed, bounce = await _rows(session_factory, InboundEmail)
    assert auto.kind == InboundKind.AUTO_REPLY
    assert listed.kind == InboundKind.MAILING_LIST
    assert (bounce.kind, bounce.outbound_id, bounce.about_id) == (InboundKind.BOUNCE, sent_id, invoice_id)
    assert await _rows(session_factory, Order, Order.channel == OrderChannel.MAILBOX) == []
    (sent,) = await _rows(session_factory, OutboundMessage)
    assert sent.status == OutboundStatus.FAILED
    assert "old-buyer@romashka.ru" in (sent.last_error or "")
    assert "5.1.1" in (sent.last_error or "")
    (task,) = await _rows(session_factory, Task)
    assert task.id == bounce.task_id
    assert task.assignee_id == assistant.id
    assert (task.subject_type, task.subject_id) == (TaskSubject.INVOICE, invoice_id)
    assert task.title == "Письмо не доставлено: old-buyer@romashka.ru"


async def test_a_message_too_large_or_unreadable_is_kept_as_a_failure_and_does_not_block_the_rest(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    head = await make_user(Role.HEAD)
    settings = mailbox_ctx.settings.mailbox.model_copy(update={"max_message_bytes": 4096})
    mailbox_ctx.settings = mailbox_ctx.settings.model_copy(update={"mailbox": settings})
    mailbox_ctx.mailbox = ImapMailbox(settings)
    await append(
        imap_server,
        _folder(mailbox_ctx),
        letter("Большая заявка", "Во вложении", pdf=PDF + b"0" * 8000),
        b"\r\n\r\nno headers at all\r\n",
        letter("Заявка", "10 курток"),
    )

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 3, marked 3"

    large, broken, good = await _rows(session_factory, InboundEmail)
    assert large.kind == InboundKind.FAILED
    assert large.raw_key is None
    assert "too large" in (large.outcome or "")
    assert broken.kind == InboundKind.FAILED
    assert broken.raw_key is not None
    assert "no headers" in (broken.outcome or "")
    assert good.kind == InboundKind.ORDER
    tasks = await _rows(session_factory, Task, Task.id.in_([large.task_id, broken.task_id]))
    assert [t.assignee_id for t in tasks] == [head.id, head.id]
    assert await not_taken(imap_server, _folder(mailbox_ctx)) == []


class _Interrupted:
    """The real mailbox, with a hook around one message's fetch and mark (a dropped connection,
    a killed worker)."""

    def __init__(self, inner: ImapMailbox, **hooks: Callable[[int], Awaitable[None]]) -> None:
        self.inner = inner
        self.hooks = hooks

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[MailboxSession]:
        async with self.inner.connect() as session:
            yield _Session(session, self.hooks)


class _Session:
    def __init__(self, inner: MailboxSession, hooks: dict[str, Callable[[int], Awaitable[None]]]) -> None:
        self.inner = inner
        self.hooks = hooks

    async def open(self, folder: str, keyword: str) -> MailboxFolder:
        return await self.inner.open(folder, keyword)

    async def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        return await self.inner.sizes(uids)

    async def fetch(self, uid: int) -> bytes | None:
        if "before_fetch" in self.hooks:
            await self.hooks["before_fetch"](uid)
        raw = await self.inner.fetch(uid)
        if "after_fetch" in self.hooks:
            await self.hooks["after_fetch"](uid)
        return raw

    async def fetch_many(self, uids: Sequence[int]) -> dict[int, bytes]:
        for uid in uids:
            if "before_fetch" in self.hooks:
                await self.hooks["before_fetch"](uid)
        raws = await self.inner.fetch_many(uids)
        for uid in uids:
            if "after_fetch" in self.hooks:
                await self.hooks["after_fetch"](uid)
        return raws

    async def mark(self, uids: Sequence[int], keyword: str, move_to: str | None) -> None:
        if "before_mark" in self.hooks:
            for uid in uids:
                await self.hooks["before_mark"](uid)
        await self.inner.mark(uids, keyword, move_to)

    async def wait(self, seconds: float) -> bool:
        return await self.inner.wait(seconds)

    async def close(self) -> None:
        await self.inner.close()


async def _orders_by_uid(factory: async_sessionmaker[AsyncSession]) -> list[tuple[int, int]]:
    rows = await _rows(factory, InboundEmail)
    orders = await _rows(factory, Order, Order.channel == OrderChannel.MAILBOX)
    assert sorted(r.order_id for r in rows) == sorted(o.id for o in orders)
    return sorted((r.uid, r.order_id) for r in rows)


async def test_a_connection_dropped_mid_fetch_loses_nothing_and_takes_nothing_twice(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    await make_user(Role.HEAD)
    folder = _folder(mailbox_ctx)
    await append(imap_server, folder, *(letter(f"Заявка {n}", f"{n} курток") for n in (1, 2, 3)))
    real = mailbox_ctx.mailbox
    assert isinstance(real, ImapMailbox)

    async def drop(at: int) -> Callable[[int], Awaitable[None]]:
        async def hook(uid: int) -> None:
            if uid == at:
                await asyncio.to_thread(restart_connections, imap_server)

        return hook

    # The server drops the connection while the messages (fetched together) are being fetched…
    mailbox_ctx.mailbox = _Interrupted(real, before_fetch=await drop(2))
    assert (await read_mailbox({"app": mailbox_ctx})).startswith("failed:")
    assert await _orders_by_uid(session_factory) == []
    assert await not_taken(imap_server, folder) == [1, 2, 3]
    # …then, on the next run, between their fetch and their mark (recorded, not marked)…
    mailbox_ctx.mailbox = _Interrupted(real, after_fetch=await drop(2))
    assert (await read_mailbox({"app": mailbox_ctx})).startswith("failed:")
    assert [uid for uid, _ in await _orders_by_uid(session_factory)] == [1, 2, 3]
    assert await not_taken(imap_server, folder) == [1, 2, 3]
    # …and the run after that only marks them: each taken once.
    mailbox_ctx.mailbox = real
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 0, marked 3"
    assert [uid for uid, _ in await _orders_by_uid(session_factory)] == [1, 2, 3]
    assert await not_taken(imap_server, folder) == []


async def test_a_message_delivered_during_a_worker_restart_is_taken_once(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    await make_user(Role.HEAD)
    folder = _folder(mailbox_ctx)
    real = mailbox_ctx.mailbox
    assert isinstance(real, ImapMailbox)
    await append(imap_server, folder, letter("Заявка 1", "1 куртка"))
    recorded = asyncio.Event()

    async def killed_here(uid: int) -> None:
        recorded.set()
        await asyncio.Event().wait()  # the worker dies here: the message is recorded, not marked

    mailbox_ctx.mailbox = _Interrupted(real, before_mark=killed_here)
    old_worker = asyncio.create_task(read_mailbox({"app": mailbox_ctx}))
    await recorded.wait()
    old_worker.cancel()
    with pytest.raises(asyncio.CancelledError):
        await old_worker
    # Delivered while no worker runs; the new worker's first run (at its start) and a run of a
    # second worker overlapping it take it, and the first one, once.
    await append(imap_server, folder, letter("Заявка 2", "2 куртки"))
    mailbox_ctx.mailbox = real
    results = await asyncio.gather(read_mailbox({"app": mailbox_ctx}), read_mailbox({"app": mailbox_ctx}))
    assert sum(int(r.split()[1].rstrip(",")) for r in results) == 1, results
    assert [uid for uid, _ in await _orders_by_uid(session_factory)] == [1, 2]
    assert await not_taken(imap_server, folder) == []
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 0, marked 0"


async def test_mail_that_comes_while_the_reader_waits_is_taken_in_the_same_run(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    await make_user(Role.HEAD)
    folder = _folder(mailbox_ctx)
    waiting = asyncio.Event()
    real = mailbox_ctx.mailbox
    assert isinstance(real, ImapMailbox)

    class Watched(_Interrupted):
        @asynccontextmanager
        async def connect(self) -> AsyncIterator[MailboxSession]:
            async with real.connect() as session:
                original = session.wait

                async def wait(seconds: float) -> bool:
                    waiting.set()
                    return await original(seconds)

                session.wait = wait  # type: ignore[method-assign]
                yield session

    mailbox_ctx.mailbox = Watched(real)
    run = asyncio.create_task(read_mailbox({"app": mailbox_ctx}, wait_seconds=4))
    await waiting.wait()
    await append(imap_server, folder, letter("Заявка", "Пришла, пока ждали"))
    assert await run == "taken 1, marked 1"
    assert await not_taken(imap_server, folder) == []


async def test_messages_are_fetched_recorded_and_marked_in_batches(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    """Thirty letters cost two FETCH commands and two marks (a batch of 25 and the rest), not
    thirty of each: the round trips per message are what the reader's throughput is made of."""
    await make_user(Role.HEAD)
    folder = _folder(mailbox_ctx)
    await append(imap_server, folder, *(letter(f"Заявка {n}", f"{n} курток") for n in range(1, 31)))
    real = mailbox_ctx.mailbox
    assert isinstance(real, ImapMailbox)
    commands: list[tuple[str, int]] = []  # (command, how many UIDs it names)

    class Counted(_Interrupted):
        @asynccontextmanager
        async def connect(self) -> AsyncIterator[MailboxSession]:
            async with real.connect() as session:
                fetch_many, fetch, mark = session.fetch_many, session.fetch, session.mark

                async def counted_fetch_many(uids: Sequence[int]) -> dict[int, bytes]:
                    commands.append(("fetch", len(uids)))
                    return await fetch_many(uids)

                async def counted_fetch(uid: int) -> bytes | None:
                    commands.append(("fetch", 1))
                    return await fetch(uid)

                async def counted_mark(uids: Sequence[int], keyword: str, move_to: str | None) -> None:
                    commands.append(("mark", len(uids)))
                    await mark(uids, keyword, move_to)

                session.fetch_many = counted_fetch_many  # type: ignore[method-assign]
                session.fetch = counted_fetch  # type: ignore[method-assign]
                session.mark = counted_mark  # type: ignore[method-assign]
                yield session

    mailbox_ctx.mailbox = Counted(real)
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 30, marked 30"
    assert sorted(commands) == [("fetch", 5), ("fetch", 25), ("mark", 5), ("mark", 25)], commands
    assert [uid for uid, _ in await _orders_by_uid(session_factory)] == list(range(1, 31))
    assert await not_taken(imap_server, folder) == []


async def test_a_batch_of_new_orders_is_recorded_with_a_few_statements_per_letter(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    """What every letter of a batch costs alike (its row, the Message-IDs seen before, its files,
    their history, its outcome) is written once for the batch: a letter's own statements are its
    order's (the client's credit, the order, its history, its task). Counted, not timed: the
    statements per letter are what the reader's throughput is made of."""
    assistant = await make_user(Role.ASSISTANT)
    await _client(session_factory, assistant.id)
    folder = _folder(mailbox_ctx)
    await append(imap_server, folder, *(letter(f"Заявка {n}", f"{n} курток", pdf=PDF) for n in range(1, 26)))
    engine = session_factory.kw["bind"].sync_engine
    statements: list[str] = []

    def counted(_conn: Any, _cursor: Any, sql: str, *_: Any) -> None:
        statements.append(sql)

    event.listen(engine, "after_cursor_execute", counted)
    try:
        assert await read_mailbox({"app": mailbox_ctx}) == "taken 25, marked 25"
    finally:
        event.remove(engine, "after_cursor_execute", counted)

    assert len(await _orders_by_uid(session_factory)) == 25
    assert len(await _rows(session_factory, OrderAttachment)) == 50
    per_letter = len(statements) / 25
    assert per_letter <= 6, (per_letter, Counter(" ".join(s.split()[:3]) for s in statements))


async def test_a_copy_of_a_letter_taken_before_or_in_the_same_batch_is_a_duplicate(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    await make_user(Role.HEAD)
    folder = _folder(mailbox_ctx)
    first, second = letter("Заявка 1", "1 куртка"), letter("Заявка 2", "2 куртки")
    await append(imap_server, folder, first)
    assert await read_mailbox({"app": mailbox_ctx}) == "taken 1, marked 1"
    # A copy of the first letter (forwarded to the shared mailbox again), the second and its copy.
    await append(imap_server, folder, first, second, second)

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 3, marked 3"

    rows = await _rows(session_factory, InboundEmail)
    assert [r.kind for r in rows] == [
        InboundKind.ORDER,
        InboundKind.DUPLICATE,
        InboundKind.ORDER,
        InboundKind.DUPLICATE,
    ]
    assert rows[1].message_id == rows[0].message_id
    assert rows[3].message_id == rows[2].message_id
    assert len(await _rows(session_factory, Order, Order.channel == OrderChannel.MAILBOX)) == 2


async def test_letters_read_while_the_batch_before_is_recorded_are_taken_as_when_read_alone(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    """Past the first batch, letters are read in a process of their own: what it reads (a letter
    with its PDF, one that cannot be read) is taken as it would be in this one."""
    assistant = await make_user(Role.ASSISTANT)
    await _client(session_factory, assistant.id)
    folder = _folder(mailbox_ctx)
    letters = [letter(f"Заявка {n}", f"{n} курток") for n in range(1, 27)]
    await append(
        imap_server,
        folder,
        *letters,
        b"\r\n\r\nno headers at all\r\n",
        letter("Заявка с файлом", "Во вложении", pdf=PDF),
    )

    with capture_logs() as logs:
        assert await read_mailbox({"app": mailbox_ctx}) == "taken 28, marked 28"
    # The second batch was read by the reading process, not here after it failed.
    assert "mailbox.reading_process_failed" not in [entry["event"] for entry in logs]

    rows = await _rows(session_factory, InboundEmail)
    assert [r.kind for r in rows] == [InboundKind.ORDER] * 26 + [InboundKind.FAILED, InboundKind.ORDER]
    assert "no headers" in (rows[26].outcome or "")
    assert rows[27].subject == "Заявка с файлом"
    files = await _rows(session_factory, OrderAttachment, OrderAttachment.order_id == rows[27].order_id)
    assert sorted(f.filename for f in files) == ["Заявка №5.pdf", "письмо.txt"]
    assert await not_taken(imap_server, folder) == []


async def test_the_same_file_attached_twice_is_kept_twice_each_with_its_history(
    mailbox_ctx: JobContext, imap_server: LocalImap, session_factory: Any, make_user: Any
) -> None:
    await make_user(Role.HEAD)
    raw = letter("Заявка", "Два раза один файл", pdf=PDF)
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="Заявка №5.pdf")
    await append(imap_server, _folder(mailbox_ctx), bytes(message))

    assert await read_mailbox({"app": mailbox_ctx}) == "taken 1, marked 1"

    (order,) = await _rows(session_factory, Order)
    files = await _rows(session_factory, OrderAttachment, OrderAttachment.order_id == order.id)
    assert sorted(f.filename for f in files) == ["Заявка №5.pdf", "Заявка №5.pdf", "письмо.txt"]
    added = await _rows(
        session_factory,
        Event,
        Event.entity_type == "order",
        Event.entity_id == order.id,
        Event.action == "attachment_added",
    )
    assert sorted(e.after["id"] for e in added) == sorted(f.id for f in files)
