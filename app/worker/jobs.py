"""Jobs. Each takes ids, re-reads state, and exits when its work is already done."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger, request_id_var
from app.models.outbox import OutboundKind
from app.services.outbox import DELIVER_JOB, OutboxService, job_id
from app.services.ports import ChatError, EmailMessage, MailError
from app.services.tasks import TaskService
from app.worker.context import JobContext

log = get_logger(__name__)


def _ctx(ctx: dict[str, Any]) -> JobContext:
    job_ctx: JobContext = ctx["app"]
    return job_ctx


async def deliver_outbound(ctx: dict[str, Any], message_id: int, request_id: str | None = None) -> str:
    """Send one outbound message: claim it, send it with no transaction open, record the result."""
    token = request_id_var.set(request_id)
    try:
        app = _ctx(ctx)
        async with app.unit_of_work() as uow:
            message = await OutboxService(uow).claim(message_id, app.stuck_after)
        if message is None:
            return "skipped"
        if request_id is None and message.request_id:
            # Re-enqueued by the sweep: carry the id of the request that made the message.
            request_id_var.set(message.request_id)
        error: Exception | None = None
        external_id: str | None = None
        try:
            if message.kind == OutboundKind.CHAT:
                receipt = await app.chat.post(message.channel, message.recipient, message.body)
                external_id = receipt.message_id
            else:
                domain = app.settings.smtp.sender.rsplit("@", 1)[-1].strip(">") or "pomoshnik.local"
                external_id = await app.mailer.send(
                    EmailMessage(
                        to=[message.recipient],
                        subject=message.subject or "",
                        text=message.body,
                        html=message.payload.get("html")
                        if isinstance(message.payload.get("html"), str)
                        else None,
                        message_id=f"<outbound-{message.id}@{domain}>",
                    )
                )
        except (ChatError, MailError) as exc:
            error = exc
        async with app.unit_of_work() as uow:
            outbox = OutboxService(uow)
            if error is None:
                await outbox.mark_sent(message.id, external_id)
                log.info(
                    "outbound.sent", message_id=message.id, kind=message.kind.value, channel=message.channel
                )
                return "sent"
            retry_at = await outbox.mark_failed(
                message.id,
                str(error),
                permanent=getattr(error, "permanent", False),
                retry_after=getattr(error, "retry_after", None),
                max_attempts=app.settings.worker.max_attempts,
            )
        log.warning("outbound.failed", message_id=message.id, error=str(error)[:200], retry_at=str(retry_at))
        return "failed" if retry_at is None else "retry"
    finally:
        request_id_var.reset(token)


async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """The minute cron: turn what fell due into rows, then (re)enqueue every due outbound row."""
    app = _ctx(ctx)
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        notices = await TaskService(uow).notify_due(batch)
    async with app.unit_of_work() as uow:
        due = await OutboxService(uow).due(batch, app.stuck_after)
    enqueued = 0
    for message_id, attempts in due:
        enqueued += await app.queue.enqueue(DELIVER_JOB, message_id, job_id=job_id(message_id, attempts))
    if notices or due:
        log.info("sweep.done", task_notices=len(notices), outbound_due=len(due), enqueued=enqueued)
    return {"task_notices": len(notices), "outbound_due": len(due), "enqueued": enqueued}
