"""The outbox's job: each e-mail or chat post sent once its transaction has committed, with the
documents it carries made as it goes out; the sweep re-enqueues whatever is due or was left."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger, request_id_var
from app.models.outbox import OutboundKind
from app.services.documents.collection import render_guarantee_sample_pdf
from app.services.documents.reconciliation import ActView, render_act_pdf
from app.services.invoices.service import InvoiceService
from app.services.kernel.outbox import DELIVER_JOB, OutboxService
from app.services.kernel.ports import Attachment, ChatError, EmailMessage, MailError
from app.services.kernel.rendering import RendererCrashed
from app.services.orders.warehouse import WarehouseService
from app.services.receivables.collection import CollectionService
from app.worker.context import JobContext
from app.worker.jobs.base import Swept, correlated, job_context
from app.worker.jobs.proposals import proposal_pdf
from app.worker.jobs.receivables import claim_pdf

log = get_logger(__name__)


@correlated
async def deliver_outbound(ctx: dict[str, Any], message_id: int) -> str:
    """Send one outbound message: claim it, send it with no transaction open, record the result."""
    app = job_context(ctx)
    async with app.unit_of_work() as uow:
        message = await OutboxService(uow).claim(message_id, app.stuck_after)
    if message is None:
        return "skipped"
    if request_id_var.get() is None and message.request_id:
        # Re-enqueued by the sweep: carry the id of the request that made the message.
        request_id_var.set(message.request_id)
    error: Exception | None = None
    external_id: str | None = None
    recorded = False

    async def record_sent(sent_id: str) -> None:
        # The mail server has taken the email: recorded at once, in its own short transaction.
        nonlocal recorded
        async with app.unit_of_work() as uow:
            await OutboxService(uow).mark_sent(message.id, sent_id)
        recorded = True

    try:
        if message.kind == OutboundKind.CHAT and message.payload.get("document"):
            filename, content = await _document(app, message.payload["document"])
            receipt = await app.chat.post_document(
                message.channel, message.recipient, filename, content, caption=message.body
            )
            external_id = receipt.message_id
        elif message.kind == OutboundKind.CHAT:
            receipt = await app.chat.post(message.channel, message.recipient, message.body)
            external_id = receipt.message_id
        else:
            domain = app.settings.smtp.sender.rsplit("@", 1)[-1].strip(">") or "pomoshnik.local"
            external_id = await app.mailer.send(
                EmailMessage(
                    to=[message.recipient],
                    subject=message.subject or "",
                    text=message.body,
                    attachments=await _attachments(app, message.payload),
                    html=message.payload.get("html")
                    if isinstance(message.payload.get("html"), str)
                    else None,
                    message_id=f"<outbound-{message.id}@{domain}>",
                ),
                accepted=record_sent,
            )
    except (ChatError, MailError, RendererCrashed) as exc:
        # A renderer that crashed is built again: the message is tried again later.
        error = exc
    if error is None:
        if not recorded:
            async with app.unit_of_work() as uow:
                await OutboxService(uow).mark_sent(message.id, external_id)
        log.info("outbound.sent", message_id=message.id, kind=message.kind.value, channel=message.channel)
        return "sent"
    async with app.unit_of_work() as uow:
        retry_at = await OutboxService(uow).mark_failed(
            message.id,
            str(error),
            permanent=getattr(error, "permanent", False),
            retry_after=getattr(error, "retry_after", None),
            max_attempts=app.settings.worker.max_attempts,
        )
    log.warning("outbound.failed", message_id=message.id, error=str(error)[:200], retry_at=str(retry_at))
    return "failed" if retry_at is None else "retry"


async def _document(app: JobContext, spec: dict[str, Any]) -> tuple[str, bytes]:
    """A file for a chat post, made (or read from storage) when it goes out."""
    if spec.get("kind") == "stored_file":
        stored = await app.storage.get(str(spec["key"]))
        if stored is None:
            raise ChatError(f"stored file {spec['key']!r} is gone", permanent=True)
        return str(spec["filename"]), stored.content
    if spec.get("kind") != "warehouse_xlsx":
        raise ChatError(f"unknown document kind {spec.get('kind')!r}", permanent=True)
    async with app.unit_of_work() as uow:
        return await WarehouseService(uow, app.erp).document(int(spec["order_id"]))


async def _attachments(app: JobContext, payload: dict[str, Any]) -> list[Attachment]:
    """Documents are made when the message goes out, from the rows as they are then."""
    attachments: list[Attachment] = []
    for spec in payload.get("attachments") or []:
        if spec.get("kind") == "invoice_pdf":
            async with app.unit_of_work() as uow:
                service = InvoiceService(uow, app.erp, app.settings.company)
                invoice, pdf = await service.pdf(int(spec["invoice_id"]))
            attachments.append(Attachment(f"Счёт_{invoice.number}.pdf", pdf, "application/pdf"))
        elif spec.get("kind") == "proposal_pdf":
            attachments.append(await proposal_pdf(app, int(spec["document_id"])))
        elif spec.get("kind") == "reconciliation_act_pdf":
            # The act as it was when sent: its view travels with the message.
            view = ActView.from_json(spec["view"])
            pdf = await app.renderer.render_large(render_act_pdf, view)
            attachments.append(Attachment(f"Акт_сверки_{view.number}.pdf", pdf, "application/pdf"))
        elif spec.get("kind") == "claim_pdf":
            attachments.append(await claim_pdf(app, int(spec["case_id"])))
        elif spec.get("kind") == "guarantee_sample_pdf":
            async with app.unit_of_work() as uow:
                sample = await CollectionService(uow).guarantee_sample(
                    int(spec["case_id"]), app.settings.company
                )
            if sample is None:
                raise MailError(f"collection case {spec['case_id']} does not exist", permanent=True)
            sample_pdf = await app.renderer.render(render_guarantee_sample_pdf, sample)
            attachments.append(Attachment("Образец_гарантийного_письма.pdf", sample_pdf, "application/pdf"))
    return attachments


async def swept(app: JobContext, minute: str) -> Swept:
    """Every outbound row that is due, or was left sending by a worker that died, enqueued again
    (under its attempt's run id, so one attempt is one run)."""
    async with app.unit_of_work() as uow:
        due = await OutboxService(uow).due(app.settings.worker.sweep_batch, app.stuck_after)
    done = Swept(counts={"outbound_due": len(due)})
    for message_id, attempts in due:
        done.run(DELIVER_JOB, message_id, attempts)
    return done
