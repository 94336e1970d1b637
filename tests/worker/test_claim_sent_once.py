"""The claim letter is emailed exactly once even when the worker sending it is killed (SIGKILL) in
the middle of the SMTP conversation and started again: a real arq worker process, a real Redis and
a real SMTP server (aiosmtpd) that holds the first conversation until the test has killed the
worker."""

from __future__ import annotations

import asyncio
import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from sqlalchemy import select, update

from app.adapters.queue import ArqQueue
from app.core.clock import FixedClock
from app.core.errors import InvalidTransition
from app.models.clients import Client, ClientContact, ContactLevel
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.models.events import Event
from app.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from app.services.directory.employees import AuthService
from app.services.kernel.outbox import DELIVER_JOB, OutboxService, job_id
from app.services.receivables.collection import CollectionService, claim_text
from app.services.seed import inn10
from app.worker.context import JobContext
from app.worker.jobs import sweep
from tests.support.pdf import pdf_text
from tests.support.servers import free_port
from tests.support.smtp import Received

ROOT = Path(__file__).resolve().parents[2]
TRACKING = "10100087654329"


@dataclass
class HoldingHandler:
    """Holds the first conversation at RCPT until released; records what reaches DATA."""

    received: list[Received] = field(default_factory=list)
    held: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    conversations: int = 0

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        self.conversations += 1
        if self.conversations == 1:
            self.held.set()
            await asyncio.to_thread(self.release.wait, 240)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued"


def _view() -> dict[str, Any]:
    view: dict[str, Any] = {
        "number": "1-1",
        "date": "2026-11-27",
        "until": "2026-11-27",
        "supplier": {
            "name": "ООО «Спецодежда-Север»",
            "inn": "3525000013",
            "kpp": "352501001",
            "address": "160000, г. Вологда, ул. Промышленная, д. 1",
            "bank_name": "ПАО «Примерный банк»",
            "bik": "041909000",
            "account": "40702810000000000001",
            "correspondent_account": "30101810900000000000",
            "director_name": "Лебедева И. П.",
        },
        "buyer": {"name": "ООО «Рябиновый сад»", "inn": "3528000000", "kpp": None, "address": "г. Череповец"},
        "contract": None,
        "invoices": [
            {
                "number": "2026-000007",
                "issued_on": "2026-10-01",
                "due_on": "2026-10-15",
                "total": "12000.00",
                "paid": "0.00",
                "debt": "12000.00",
                "days_overdue": 43,
                "penalty": "240.00",
            }
        ],
        "periods": [],
        "debt": "12000.00",
        "penalty": "240.00",
        "total": "12240.00",
        "days_overdue": 43,
        "pay_within_days": 10,
    }
    return view


async def _approved_case(ctx: JobContext, assistant_id: int) -> int:
    now = ctx.clock.now()
    async with ctx.unit_of_work() as uow:
        client = Client(
            name="ООО «Рябиновый сад»",
            name_search="ооо «рябиновый сад»",
            inn=inn10("352844455"),
            assistant_id=assistant_id,
            delivery_addresses=[],
            created_at=now,
            updated_at=now,
            contacts=[
                ClientContact(
                    name="Сорокина Вера",
                    level=ContactLevel.CHIEF_ACCOUNTANT,
                    phones=[],
                    emails=["buh@ryabina.example.ru"],
                    messengers=[],
                )
            ],
        )
        uow.session.add(client)
        await uow.session.flush()
        view = _view()
        case = CollectionCase(
            client_id=client.id,
            episode=1,
            stage=CaseStage.CLAIM_APPROVED,
            opened_on=now.date(),
            debt_at_open=view["debt"],
            invoice_ids=[],
            tracking=[],
            hearings=[],
            claim_view=view,
            claim_text=claim_text(view),
            claim_approved_at=now,
            created_at=now,
            updated_at=now,
        )
        uow.session.add(case)
        await uow.session.flush()
        return case.id


def _start_worker(
    ctx: JobContext, redis_url: str, queue_name: str, smtp_port: int, log: Path
) -> subprocess.Popen[bytes]:
    settings = ctx.settings
    env = os.environ | {
        "APP_ENV": "test",
        "APP_DB__URL": settings.db.url,
        "APP_REDIS__URL": redis_url,
        "APP_REDIS__QUEUE_NAME": queue_name,
        "APP_SMTP__HOST": "127.0.0.1",
        "APP_SMTP__PORT": str(smtp_port),
        "APP_STORAGE__LOCAL_DIR": str(settings.storage.local_dir),
        "APP_CHAT__STUB_DIR": str(settings.chat.stub_dir),
    }
    arq = Path(sys.executable).parent / "arq"
    return subprocess.Popen(
        [str(arq), "tests.support.claim_worker.WorkerSettings"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


async def _wait(condition: Any, seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await condition():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}; the workers said:\n{_tail(log)}")


def _tail(log: Path) -> str:
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


async def _message(ctx: JobContext, message_id: int) -> OutboundMessage:
    async with ctx.session_factory() as session:
        message = await session.get(OutboundMessage, message_id)
    assert message is not None
    return message


async def test_claim_letter_is_emailed_once_though_the_worker_is_killed_mid_send(
    job_ctx: JobContext, redis_url: str, make_user: Any, tmp_path: Path
) -> None:
    log = tmp_path / "workers.log"
    job_ctx.clock = FixedClock(datetime.now(UTC))
    handler = HoldingHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    # arq keys its jobs by id alone, whatever the queue: an earlier test's "outbound:1:0" would
    # swallow this one's, so the test starts on an empty Redis.
    redis = Redis.from_url(redis_url)
    await redis.flushdb()
    await redis.aclose()
    queue_name = f"pomoshnik:claim:{os.getpid()}:{time.monotonic_ns()}"
    arq_queue = ArqQueue(redis_url, queue_name)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        assistant = await make_user(Role.ASSISTANT)
        case_id = await _approved_case(job_ctx, assistant.id)
        async with job_ctx.unit_of_work() as uow:
            uow.actor = await AuthService(uow).authenticate(assistant.token)
            case = await CollectionService(uow).send_claim(case_id, TRACKING, None, None)
            message_id = case.claim_message_id
        assert message_id is not None
        # A second click: refused, nothing recorded.
        async with job_ctx.unit_of_work() as uow:
            uow.actor = await AuthService(uow).authenticate(assistant.token)
            service = CollectionService(uow)
            with pytest.raises(InvalidTransition):
                await service.send_claim(case_id, TRACKING, None, None)
        assert await arq_queue.enqueue(DELIVER_JOB.function, message_id, job_id=job_id(message_id, 0))

        # The first worker claims the email, keeps the PDF, and is killed while talking to the server.
        workers.append(_start_worker(job_ctx, redis_url, queue_name, port, log))

        async def held() -> bool:
            return handler.held.is_set()

        await _wait(held, 180, "the first SMTP conversation", log)
        workers[0].send_signal(signal.SIGKILL)
        assert workers[0].wait(timeout=10) == -signal.SIGKILL
        handler.release.set()
        sending = await _message(job_ctx, message_id)
        assert (sending.status, sending.attempts, handler.received) == (OutboundStatus.SENDING, 1, [])
        async with job_ctx.session_factory() as session:
            kept = await session.get(CollectionCase, case_id)
        assert kept is not None
        assert kept.claim_pdf_stored_at is not None  # kept before it was sent
        stored = await job_ctx.storage.get(kept.claim_pdf_key or "")
        assert stored is not None
        assert hashlib.sha256(stored.content).hexdigest() == kept.claim_pdf_sha256

        # A worker that died holding the row: after `stuck_after` the sweep hands it out again.
        # (The row's clock is moved back instead of the test waiting the minutes.)
        async with job_ctx.session_factory() as session:
            await session.execute(
                update(OutboundMessage)
                .where(OutboundMessage.id == message_id)
                .values(next_attempt_at=sending.next_attempt_at - job_ctx.stuck_after - timedelta(seconds=1))
            )
            await session.commit()
        job_ctx.queue = arq_queue
        workers.append(_start_worker(job_ctx, redis_url, queue_name, port, log))
        job_ctx.clock = FixedClock(datetime.now(UTC))
        assert (await sweep({"app": job_ctx}))["outbound_due"] == 1

        async def sent() -> bool:
            return (await _message(job_ctx, message_id)).status == OutboundStatus.SENT

        await _wait(sent, 180, "the email to be sent by the restarted worker", log)
        # Later sweeps and the first job's retry find it sent: still one email.
        job_ctx.clock = FixedClock(datetime.now(UTC) + timedelta(hours=1))
        assert (await sweep({"app": job_ctx}))["outbound_due"] == 0
        await asyncio.sleep(0.5)
        assert len(handler.received) == 1
        assert handler.conversations == 2
        mail = handler.received[0].parsed()
        assert mail["Message-ID"].startswith(f"<outbound-{message_id}@")
        [attachment] = list(mail.iter_attachments())
        assert attachment.get_content() == stored.content  # the kept PDF, byte for byte
        assert "ПРЕТЕНЗИЯ" in pdf_text(stored.content)
        async with job_ctx.session_factory() as session:
            actions = (
                await session.scalars(
                    select(Event.action).where(
                        Event.entity_type == "collection_case", Event.entity_id == case_id
                    )
                )
            ).all()
            messages = (await session.scalars(select(OutboundMessage.id))).all()
        assert list(actions).count("send_claim") == 1
        assert list(messages) == [message_id]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.send_signal(signal.SIGTERM)
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
        handler.release.set()
        controller.stop()
        await arq_queue.aclose()
        redis = Redis.from_url(redis_url)
        await redis.flushdb()  # and leaves none of its job ids to the tests after it
        await redis.aclose()


@dataclass
class HoldAtQuitHandler:
    """Takes the message (250), then holds the session at QUIT until released."""

    received: list[Received] = field(default_factory=list)
    at_quit: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 Ok: queued"

    async def handle_QUIT(self, server: Any, session: Any, envelope: Any) -> str:
        self.at_quit.set()
        await asyncio.to_thread(self.release.wait, 240)
        return "221 Bye"


async def test_an_email_the_server_took_is_recorded_sent_before_the_session_ends(
    job_ctx: JobContext, redis_url: str, tmp_path: Path
) -> None:
    """The worker is killed after the server's 250 to the message, while it says QUIT: the row is
    already `sent`, so nothing sends the email again (what is left of the window for a repeat is
    the one UPDATE and COMMIT between that 250 and the record)."""
    log = tmp_path / "workers.log"
    job_ctx.clock = FixedClock(datetime.now(UTC))
    handler = HoldAtQuitHandler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    queue_name = f"pomoshnik:quit:{os.getpid()}:{time.monotonic_ns()}"
    arq_queue = ArqQueue(redis_url, queue_name)
    worker: subprocess.Popen[bytes] | None = None
    try:
        async with job_ctx.unit_of_work() as uow:
            message, _ = await OutboxService(uow).add(
                kind=OutboundKind.EMAIL,
                channel="email",
                recipient="buh@ryabina.example.ru",
                subject="Акт сверки",
                body="Добрый день! Направляем акт сверки.",
                dedupe_key="quit:1",
            )
        assert await arq_queue.enqueue(DELIVER_JOB.function, message.id, job_id=job_id(message.id, 0))
        worker = _start_worker(job_ctx, redis_url, queue_name, port, log)

        async def at_quit() -> bool:
            return handler.at_quit.is_set()

        await _wait(at_quit, 180, "the worker to say QUIT", log)
        assert len(handler.received) == 1
        worker.send_signal(signal.SIGKILL)
        assert worker.wait(timeout=10) == -signal.SIGKILL
        handler.release.set()
        sent = await _message(job_ctx, message.id)
        assert (sent.status, sent.attempts) == (OutboundStatus.SENT, 1)
        assert sent.external_id == f"<outbound-{message.id}@example.com>"
        # Long after any claim could be taken for a dead worker's, the sweep has nothing to send.
        job_ctx.queue = arq_queue
        job_ctx.clock = FixedClock(datetime.now(UTC) + job_ctx.stuck_after + timedelta(hours=1))
        assert (await sweep({"app": job_ctx}))["outbound_due"] == 0
        assert len(handler.received) == 1
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
            worker.wait(timeout=10)
        handler.release.set()
        controller.stop()
        await arq_queue.aclose()
