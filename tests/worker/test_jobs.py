"""The worker's jobs against real peers: the stub chat on disk, a real SMTP server, a real Redis.

Each job runs twice where it matters: the second run must do nothing.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from arq.worker import Worker
from sqlalchemy import select

from app.adapters.chat import StubChat
from app.adapters.queue import ArqQueue
from app.core.clock import FixedClock
from app.models.collection import CaseStage, CollectionCase
from app.models.directory import Role
from app.models.outbox import OutboundKind, OutboundMessage, OutboundStatus
from app.models.tasks import TaskKind
from app.services.directory.tasks import TaskService
from app.services.kernel.outbox import OutboxService
from app.services.kernel.ports import ChatError, ChatReceipt
from app.services.seed import inn10
from app.worker.context import JobContext
from app.worker.jobs import deliver_outbound, sweep, track_claim_letters
from tests.conftest import RecordingQueue
from tests.support.smtp import RecordingHandler


async def _run_enqueued(ctx: JobContext) -> list[str]:
    queue = ctx.queue
    assert isinstance(queue, RecordingQueue)
    results = []
    while queue.jobs:
        function, args, _job_id = queue.jobs.pop(0)
        assert function == "deliver_outbound"
        results.append(await deliver_outbound({"app": ctx}, *args))
    return results


async def _task_due_now(ctx: JobContext, make_user: Any, handle: str | None = "smirnova_dv") -> int:
    user = await make_user(*_roles(), chat_handle=handle)
    async with ctx.unit_of_work() as uow:
        task = await TaskService(uow).add(
            kind=TaskKind.CALL,
            title="Позвонить клиенту: подтвердить оплату",
            assignee_id=user.id,
            due_at=ctx.clock.now() - timedelta(minutes=1),
        )
    return task.id


def _roles() -> tuple[Any, ...]:
    from app.models.directory import Role

    return (Role.ASSISTANT,)


async def test_due_task_is_posted_to_the_assignee_exactly_once(job_ctx: JobContext, make_user: Any) -> None:
    task_id = await _task_due_now(job_ctx, make_user)
    first = await sweep({"app": job_ctx})
    assert first["task_notices"] == 1
    assert await _run_enqueued(job_ctx) == ["sent"]
    # The sweep and the job again: nothing new is posted.
    second = await sweep({"app": job_ctx})
    assert not any(second.values()), second
    async with job_ctx.session_factory() as session:
        message_id = (await session.scalars(select(OutboundMessage.id))).one()
    assert await deliver_outbound({"app": job_ctx}, message_id) == "skipped"

    messages = StubChat(job_ctx.settings.chat.stub_dir).read("smirnova_dv")
    assert len(messages) == 1
    assert "Позвонить клиенту" in messages[0]["text"]
    assert f"№{task_id}" in messages[0]["text"]


async def test_email_reaches_the_smtp_server_once(
    job_ctx: JobContext, smtp: tuple[RecordingHandler, int]
) -> None:
    async with job_ctx.unit_of_work() as uow:
        message, _ = await OutboxService(uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient="client@example.ru",
            subject="Счёт на оплату №15",
            body="Добрый день! Направляем счёт.",
            dedupe_key="invoice-sent:15",
        )
        again, created = await OutboxService(uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient="client@example.ru",
            subject="Счёт",
            body="x",
            dedupe_key="invoice-sent:15",
        )
        assert again.id == message.id
        assert created is False
    assert await _run_enqueued(job_ctx) == ["sent"]
    assert await deliver_outbound({"app": job_ctx}, message.id) == "skipped"
    handler = smtp[0]
    assert len(handler.received) == 1
    parsed = handler.received[0].parsed()
    assert parsed["Subject"] == "Счёт на оплату №15"
    assert parsed["Message-ID"].startswith(f"<outbound-{message.id}@")
    assert "Направляем счёт" in parsed.get_content()


async def test_transient_failures_back_off_and_permanent_ones_stop(job_ctx: JobContext) -> None:
    class FlakyChat:
        def __init__(self) -> None:
            self.calls = 0

        def channels(self) -> dict[str, str]:
            return {}

        async def post(self, channel: str, recipient: str, text: str) -> ChatReceipt:
            self.calls += 1
            if recipient == "gone":
                raise ChatError("Bad Request: chat not found", permanent=True)
            if self.calls == 1:
                raise ChatError("Too Many Requests", retry_after=300)
            return ChatReceipt(message_id="7")

    flaky = FlakyChat()
    job_ctx.chat = flaky
    async with job_ctx.unit_of_work() as uow:
        ok, _ = await OutboxService(uow).add(
            kind=OutboundKind.CHAT, channel="delivery", recipient="", body="Забрать груз", dedupe_key="t:1"
        )
        gone, _ = await OutboxService(uow).add(
            kind=OutboundKind.CHAT, channel="personal", recipient="gone", body="x", dedupe_key="t:2"
        )
    assert await _run_enqueued(job_ctx) == ["retry", "failed"]
    async with job_ctx.session_factory() as session:
        row = await session.get(OutboundMessage, ok.id)
        assert row is not None
        assert row.status == OutboundStatus.PENDING
        assert row.next_attempt_at >= job_ctx.clock.now() + timedelta(seconds=300)
        failed = await session.get(OutboundMessage, gone.id)
        assert failed is not None
        assert failed.status == OutboundStatus.FAILED
        assert "chat not found" in (failed.last_error or "")
    # Not due yet: the sweep leaves it; after the wait it goes out.
    assert (await sweep({"app": job_ctx}))["outbound_due"] == 0
    assert isinstance(job_ctx.clock, FixedClock)
    job_ctx.clock.advance(timedelta(minutes=6))
    assert (await sweep({"app": job_ctx}))["outbound_due"] == 1
    assert await _run_enqueued(job_ctx) == ["sent"]


async def test_a_claim_left_by_a_dead_worker_is_taken_again(job_ctx: JobContext) -> None:
    async with job_ctx.unit_of_work() as uow:
        message, _ = await OutboxService(uow).add(
            kind=OutboundKind.CHAT,
            channel="delivery",
            recipient="",
            body="Доставка завтра",
            dedupe_key="t:dead",
        )
    job_ctx.queue.jobs.clear()  # type: ignore[attr-defined]
    # A worker claims it and dies before recording the result.
    async with job_ctx.unit_of_work() as uow:
        assert await OutboxService(uow).claim(message.id, job_ctx.stuck_after) is not None
    assert await deliver_outbound({"app": job_ctx}, message.id) == "skipped"
    assert (await sweep({"app": job_ctx}))["outbound_due"] == 0
    assert isinstance(job_ctx.clock, FixedClock)
    job_ctx.clock.advance(job_ctx.stuck_after + timedelta(seconds=1))
    assert (await sweep({"app": job_ctx}))["outbound_due"] == 1
    assert await _run_enqueued(job_ctx) == ["sent"]


async def test_real_arq_worker_delivers_through_redis(
    job_ctx: JobContext, redis_url: str, make_user: Any
) -> None:
    queue = ArqQueue(redis_url, "pomoshnik:test")
    job_ctx.queue = queue
    try:
        await _task_due_now(job_ctx, make_user, handle="volkova_ey")
        await sweep({"app": job_ctx})  # makes the row and enqueues its delivery through Redis
        worker = Worker(
            functions=[deliver_outbound],  # type: ignore[list-item]
            redis_settings=queue.settings,
            queue_name="pomoshnik:test",
            burst=True,
            poll_delay=0.05,
            ctx={"app": job_ctx},
            handle_signals=False,
        )
        await worker.main()
        await worker.close()
        assert worker.jobs_complete == 1
        assert len(StubChat(job_ctx.settings.chat.stub_dir).read("volkova_ey")) == 1
    finally:
        await queue.aclose()


async def test_enqueue_without_redis_fails_fast_and_the_row_waits(job_ctx: JobContext) -> None:
    queue = ArqQueue("redis://127.0.0.1:1/0", "pomoshnik:test")
    job_ctx.queue = queue
    started = time.monotonic()
    async with job_ctx.unit_of_work() as uow:
        await OutboxService(uow).add(
            kind=OutboundKind.CHAT, channel="delivery", recipient="", body="x", dedupe_key="t:noredis"
        )
    assert time.monotonic() - started < 3
    assert await queue.ping() is False
    async with job_ctx.session_factory() as session:
        rows = (await session.scalars(select(OutboundMessage))).all()
        assert [r.status for r in rows] == [OutboundStatus.PENDING]
    await queue.aclose()


async def test_tracking_asks_the_post_for_its_hourly_share_oldest_checked_first(
    job_ctx: JobContext, client: Any, make_user: Any
) -> None:
    """Russian Post answers 100 tracking requests a day without a contract: the hourly run asks for
    four letters at most, those checked longest ago (never checked first); the rest wait their turn."""
    head = await make_user(Role.HEAD)
    asked: list[str] = []

    class Post:
        async def history(self, barcode: str, posted_on: date | None = None) -> list[Any]:
            asked.append(barcode)
            return []

    job_ctx.post = Post()  # type: ignore[assignment]
    now = job_ctx.clock.now()
    checked = [None, None, now - timedelta(hours=5), now - timedelta(hours=9), now - timedelta(hours=1), None]
    numbers = [f"1010008765{i:04d}" for i in range(len(checked))]
    async with job_ctx.session_factory() as session:
        for i, (number, at) in enumerate(zip(numbers, checked, strict=True)):
            card = await client.post(
                "/api/v1/clients",
                headers=head.headers,
                json={"name": f"ООО «Почта {i}»", "inn": inn10(f"35299{i:04d}"), "kpp": "352801001"},
            )
            assert card.status_code == 201, card.text
            session.add(
                CollectionCase(
                    client_id=card.json()["id"],
                    episode=1,
                    stage=CaseStage.CLAIM_SENT,
                    opened_on=date(2026, 11, 2),
                    debt_at_open=Decimal("1000.00"),
                    invoice_ids=[],
                    tracking_number=number,
                    tracking_checked_at=at,
                    created_at=datetime(2026, 11, 2, tzinfo=UTC),
                    updated_at=datetime(2026, 11, 2, tzinfo=UTC),
                )
            )
        await session.commit()

    assert job_ctx.settings.post.daily_requests == 100
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 4, "failed": 0}
    assert set(asked[:3]) == {numbers[0], numbers[1], numbers[5]}
    assert asked[3] == numbers[3]
    # The next hour: the two left, then the oldest of those just checked.
    assert await track_claim_letters({"app": job_ctx}) == {"tracked": 4, "failed": 0}
    assert asked[4:6] == [numbers[2], numbers[4]]
