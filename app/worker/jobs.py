"""Jobs. Each takes ids, re-reads state, and exits when its work is already done.

The id of the request that queued a job travels beside its arguments (``JOB_REQUEST_ID``) and is
set by ``correlated``, which every job here is wrapped in, so a job's own parameters may
have any name."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
from collections.abc import Callable, Coroutine
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar, cast

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError

from app.core.logging import JOB_REQUEST_ID, get_logger, request_id_var
from app.models.outbox import OutboundKind
from app.models.rates import RateSource
from app.services.directory.login_throttle import LoginThrottle
from app.services.directory.onec_refusals import OneCRefusalService
from app.services.directory.tasks import TaskService
from app.services.documents.collection import render_claim_pdf, render_guarantee_sample_pdf
from app.services.documents.reconciliation import ActView, render_act_pdf
from app.services.invoices.service import REGISTER_JOB, UPD_JOB, InvoiceService
from app.services.kernel.outbox import DELIVER_JOB, OutboxService, job_id
from app.services.kernel.ports import (
    Attachment,
    ChatError,
    CrmError,
    CrmLead,
    EmailMessage,
    ErpRefused,
    KeyRateError,
    MailError,
    TrackingOperation,
)
from app.services.kernel.rendering import RendererCrashed
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.fulfilment import SYNC_JOB, FulfilmentService
from app.services.orders.intake import PROCESS_JOB, AmoCrmIntake
from app.services.orders.refused_deliveries import RefusedDeliveries
from app.services.orders.warehouse import WarehouseService
from app.services.proposals import ProposalService
from app.services.receivables.collection import DRAFT_JOB, CollectionService
from app.services.receivables.credit import PUSH_JOB as CREDIT_PUSH_JOB
from app.services.receivables.credit import CreditService
from app.services.receivables.limitation import LimitationService
from app.services.receivables.payments import PaymentScheduleService, PaymentService
from app.services.receivables.rates import KeyRateService
from app.services.receivables.reconciliations import ReconciliationService
from app.services.specs.service import DOCUMENTS_JOB as SPEC_DOCUMENTS_JOB
from app.services.specs.service import RECEIPTS_JOB as SPEC_RECEIPTS_JOB
from app.services.specs.service import SpecService
from app.services.workday.daily_reports import DailyReportService
from app.services.workday.warehouse_checks import WarehouseCheckService
from app.worker.context import JobContext

log = get_logger(__name__)
SWEEP_TIMEOUT_SECONDS = 300  # the sweep's cron timeout
# How long the sweep's lock outlives a worker that died holding it (renewed while the sweep runs),
# and how long a sweep waits for another's.
SWEEP_LOCK_SECONDS = 10
SWEEP_WAIT_SECONDS = 60
REDIS_ERRORS = (RedisError, OSError)
T = TypeVar("T")
P = ParamSpec("P")


def correlated(job: Callable[P, Coroutine[Any, Any, T]]) -> Callable[P, Coroutine[Any, Any, T]]:
    """``job`` as arq runs it: the request id it was queued with, taken off its keywords, is the
    request id of everything it logs and records."""

    @functools.wraps(job)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        token = request_id_var.set(cast(str | None, kwargs.pop(JOB_REQUEST_ID, None)))
        try:
            return await job(*args, **kwargs)
        finally:
            request_id_var.reset(token)

    return run


def _ctx(ctx: dict[str, Any]) -> JobContext:
    job_ctx: JobContext = ctx["app"]
    return job_ctx


@correlated
async def deliver_outbound(ctx: dict[str, Any], message_id: int) -> str:
    """Send one outbound message: claim it, send it with no transaction open, record the result."""
    app = _ctx(ctx)
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


@correlated
async def process_amocrm_delivery(ctx: dict[str, Any], delivery_id: int) -> str:
    """Read the delivery's leads through the amoCRM API (no transaction open), then make the orders."""
    app = _ctx(ctx)
    async with app.unit_of_work() as uow:
        intake = AmoCrmIntake(uow, app.settings.amocrm)
        delivery = await intake.claim(delivery_id)
        lead_ids = intake.lead_ids_to_order(delivery) if delivery is not None else []
    if delivery is None:
        return "skipped"
    leads: list[CrmLead] = []
    try:
        for lead_id in lead_ids:
            lead = await app.crm.get_lead(lead_id)
            if lead is not None:
                leads.append(lead)
    except CrmError as exc:
        async with app.unit_of_work() as uow:
            await AmoCrmIntake(uow, app.settings.amocrm).record_failure(delivery_id, str(exc))
        log.warning("amocrm.read_failed", delivery_id=delivery_id, error=str(exc)[:200])
        return "retry"
    async with app.unit_of_work() as uow:
        order_ids = await AmoCrmIntake(uow, app.settings.amocrm).make_orders(delivery_id, leads, app.erp)
    log.info("amocrm.delivery_processed", delivery_id=delivery_id, orders=order_ids)
    return "processed"


@correlated
async def sync_fulfilment(ctx: dict[str, Any], order_id: int) -> str:
    """Make the order's reservations and requisition-book entries in 1C, then record them."""
    app = _ctx(ctx)
    async with app.unit_of_work() as uow:
        number, lines, requisitions = await FulfilmentService(uow, app.erp).sync_plan(order_id)
        work = [(line.id, line.product_id or "", line.quantity) for line in lines]
        entries = [(r.id, r.product_id, r.name, r.quantity, r.requested_on) for r in requisitions]
    if not work and not entries:
        return "skipped"
    reserved: dict[int, bool] = {}
    registered: dict[int, str] = {}
    try:
        for line_id, product, qty in work:
            reserved[line_id] = await app.erp.reserve(number, product, qty)
        for requisition_id, product_id, name, qty, requested_on in entries:
            entry = await app.erp.add_requisition(number, product_id, name, qty, requested_on)
            registered[requisition_id] = entry.id
    except ErpRefused as refusal:
        # What 1C took before it refused is recorded; the rest waits for the assistant's task.
        async with app.unit_of_work() as uow:
            await FulfilmentService(uow, app.erp).record_sync(order_id, reserved, registered)
            await OneCRefusalService(uow).reserves_refused(order_id, refusal.message)
        log.warning("fulfilment.refused_by_1c", order_id=order_id, message=refusal.message[:200])
        return "refused"
    async with app.unit_of_work() as uow:
        await FulfilmentService(uow, app.erp).record_sync(order_id, reserved, registered)
    log.info("fulfilment.synced", order_id=order_id, reserved=len(reserved), requisitions=len(registered))
    return "synced"


@correlated
async def register_invoice(ctx: dict[str, Any], invoice_id: int) -> str:
    """Create the invoice in 1C through the port (once), then record the 1C id; or, for an invoice
    1C has whose order got a workshop spec since, write it again with every line «procure
    separately» (once); or, for one the client had revised since 1C got it, write the revision
    (once for each revision)."""
    app = _ctx(ctx)
    try:
        return await _register_invoice(app, invoice_id)
    except ErpRefused as refusal:
        async with app.unit_of_work() as uow:
            await OneCRefusalService(uow).invoice_refused(invoice_id, refusal.message)
        log.warning("invoice.refused_by_1c", invoice_id=invoice_id, message=refusal.message[:200])
        return "refused"


async def _register_invoice(app: JobContext, invoice_id: int) -> str:
    async with app.unit_of_work() as uow:
        invoices = InvoiceService(uow, app.erp, app.settings.company)
        document = await invoices.erp_document(invoice_id)
        update = None if document is not None else await invoices.erp_procure_update(invoice_id)
        revised = None
        if document is None and update is None:
            revised = await invoices.erp_revision_update(invoice_id)
    if document is not None:
        revision, erp_invoice = document
        onec_id = await app.erp.create_invoice(erp_invoice)
        procure = bool(erp_invoice.lines) and all(line.procure for line in erp_invoice.lines)
        async with app.unit_of_work() as uow:
            await InvoiceService(uow, app.erp, app.settings.company).record_registration(
                invoice_id, onec_id, revision, procure=procure
            )
        return "registered"
    if update is not None:
        onec_id, revision, erp_invoice = update
        await app.erp.update_invoice(onec_id, erp_invoice)
        async with app.unit_of_work() as uow:
            await InvoiceService(uow, app.erp, app.settings.company).record_procure(invoice_id, revision)
        log.info("invoice.procure_separately", invoice_id=invoice_id)
        return "procure_separately"
    if revised is None:
        return "skipped"
    onec_id, revision, erp_invoice = revised
    await app.erp.update_invoice(onec_id, erp_invoice)
    async with app.unit_of_work() as uow:
        await InvoiceService(uow, app.erp, app.settings.company).record_revision(invoice_id, revision)
    log.info("invoice.revised_in_1c", invoice_id=invoice_id, revision=revision)
    return "revised"


@correlated
async def issue_invoice_upd(ctx: dict[str, Any], invoice_id: int) -> str:
    """Have 1C make the УПД (a posted РеализацияТоваровУслуг based on the order) for an invoice whose
    goods were shipped, once, and record it; the УПД a workshop spec already had made is taken."""
    app = _ctx(ctx)
    async with app.unit_of_work() as uow:
        plan = await InvoiceService(uow, app.erp, app.settings.company).upd_plan(invoice_id)
    if plan is None:
        return "skipped"
    onec_id, known = plan
    try:
        upd_id = known or await app.erp.create_upd(onec_id)
    except ErpRefused as refusal:
        async with app.unit_of_work() as uow:
            await OneCRefusalService(uow).upd_refused(invoice_id, refusal.message)
        log.warning("invoice.upd_refused_by_1c", invoice_id=invoice_id, message=refusal.message[:200])
        return "refused"
    async with app.unit_of_work() as uow:
        await InvoiceService(uow, app.erp, app.settings.company).record_upd(invoice_id, upd_id)
    log.info("invoice.upd_issued", invoice_id=invoice_id)
    return "issued"


def _specs(app: JobContext, uow: UnitOfWork) -> SpecService:
    settings = app.settings
    return SpecService(uow, app.erp, app.storage, settings.company, settings.storage.max_document_bytes)


@correlated
async def post_spec_receipts(ctx: dict[str, Any], spec_id: int) -> str:
    """Post in 1C the receipt of a spec's goods the warehouse reported ready, entry by entry, once."""
    app = _ctx(ctx)
    async with app.unit_of_work() as uow:
        plan = await _specs(app, uow).receipts_plan(spec_id)
    if not plan:
        return "skipped"
    posted: dict[int, str] = {}
    try:
        for requisition_id, onec_id, qty in plan:
            posted[requisition_id] = await app.erp.post_receipt(onec_id, qty)
    except ErpRefused as refusal:
        # The receipts 1C took before it refused are recorded; the rest waits for the task.
        async with app.unit_of_work() as uow:
            await _specs(app, uow).record_receipts(spec_id, posted)
            await OneCRefusalService(uow).spec_refused(spec_id, "приход товаров", refusal.message)
        log.warning("spec.receipts_refused_by_1c", spec_id=spec_id, message=refusal.message[:200])
        return "refused"
    async with app.unit_of_work() as uow:
        await _specs(app, uow).record_receipts(spec_id, posted)
    log.info("spec.receipts_posted", spec_id=spec_id, receipts=len(posted))
    return "posted"


@correlated
async def issue_spec_documents(ctx: dict[str, Any], spec_id: int) -> str:
    """Make the shipping document (УПД) in 1C for a spec's invoice, once, and record it."""
    app = _ctx(ctx)
    async with app.unit_of_work() as uow:
        invoice_onec_id = await _specs(app, uow).documents_plan(spec_id)
    if invoice_onec_id is None:
        return "skipped"
    try:
        upd_id = await app.erp.create_upd(invoice_onec_id)
    except ErpRefused as refusal:
        async with app.unit_of_work() as uow:
            await OneCRefusalService(uow).spec_refused(spec_id, "УПД", refusal.message)
        log.warning("spec.upd_refused_by_1c", spec_id=spec_id, message=refusal.message[:200])
        return "refused"
    async with app.unit_of_work() as uow:
        await _specs(app, uow).record_documents(spec_id, upd_id)
    log.info("spec.documents_issued", spec_id=spec_id)
    return "issued"


# 1C is asked for the payments of the last days each time; a payment is recorded once by its 1C id.
PAYMENTS_LOOKBACK = timedelta(days=3)


@correlated
async def import_payments(ctx: dict[str, Any]) -> dict[str, int]:
    """The payments 1C has seen lately, recorded and allocated (the cron every 10 minutes)."""
    app = _ctx(ctx)
    entries = await app.erp.payments_since(app.clock.now() - PAYMENTS_LOOKBACK)
    async with app.unit_of_work() as uow:
        new, unmatched = await PaymentService(uow).import_from_erp(entries)
    if new or unmatched:
        log.info("payments.imported", new=new, unmatched=unmatched)
    return {"new": new, "unmatched": len(unmatched)}


@correlated
async def push_credit_terms(ctx: dict[str, Any], credit_request_id: int) -> str:
    """Approved credit terms written to the counterparty in 1C (the sweep retries what failed);
    terms 1C refuses are a task for whoever approved them."""
    app = _ctx(ctx)
    try:
        async with app.unit_of_work() as uow:
            pushed = await CreditService(uow).push(credit_request_id, app.erp)
    except ErpRefused as refusal:
        async with app.unit_of_work() as uow:
            await OneCRefusalService(uow).credit_terms_refused(credit_request_id, refusal.message)
        log.warning(
            "credit.refused_by_1c", credit_request_id=credit_request_id, message=refusal.message[:200]
        )
        return "refused"
    return "pushed" if pushed else "skipped"


@correlated
async def refresh_key_rates(ctx: dict[str, Any]) -> dict[str, Any]:
    """The daily cron: read the Bank of Russia's key rates of the last weeks (no transaction open),
    store what changed, and warn when the table has not been refreshed for too long."""
    return await _refresh_key_rates(_ctx(ctx))


async def _refresh_key_rates(app: JobContext, since: date | None = None) -> dict[str, Any]:
    """The refresh over the configured look-back, or from ``since`` when that is earlier."""
    today = app.calendar.local_date(app.clock.now())
    start = today - timedelta(days=app.settings.rates.lookback_days)
    if since is not None:
        start = min(start, since)
    error: str | None = None
    try:
        observations = await app.key_rates.key_rates(start, today)
        if not observations:
            error = f"no key rates published from {start.isoformat()} to {today.isoformat()}"
    except KeyRateError as exc:
        observations, error = [], str(exc)[:500]
    changed = 0
    async with app.unit_of_work() as uow:
        rates = KeyRateService(uow)
        if error is None:
            changed = await rates.merge_observations(observations, authoritative=app.key_rates.authoritative)
        await rates.record_refresh(RateSource.CBR, ok=error is None, changed=changed, error=error)
        staleness = await rates.staleness(timedelta(days=app.settings.rates.stale_after_days))
    if error is not None:
        log.warning("key_rates.refresh_failed", error=error)
    else:
        log.info("key_rates.refreshed", observations=len(observations), changed=changed)
    if staleness.stale:
        last = staleness.last_refresh.isoformat() if staleness.last_refresh else None
        log.warning(
            "key_rates.stale", last_refresh=last, stale_after_days=app.settings.rates.stale_after_days
        )
    return {"ok": error is None, "changed": changed, "stale": staleness.stale}


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
            attachments.append(await _proposal_pdf(app, int(spec["document_id"])))
        elif spec.get("kind") == "reconciliation_act_pdf":
            # The act as it was when sent: its view travels with the message.
            view = ActView.from_json(spec["view"])
            pdf = await app.renderer.render_large(render_act_pdf, view)
            attachments.append(Attachment(f"Акт_сверки_{view.number}.pdf", pdf, "application/pdf"))
        elif spec.get("kind") == "claim_pdf":
            attachments.append(await _claim_pdf(app, int(spec["case_id"])))
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


def _proposals(app: JobContext, uow: UnitOfWork) -> ProposalService:
    return ProposalService(uow, app.erp, app.storage, app.settings.company, app.settings.proposals)


async def _proposal_pdf(app: JobContext, document_id: int) -> Attachment:
    """The proposal as it was sent: made from its kept view, stored once, then attached."""
    async with app.unit_of_work() as uow:
        service = _proposals(app, uow)
        document = await service.printing.document_for_sending(document_id)
        if document is None:
            raise MailError(f"proposal document {document_id} does not exist", permanent=True)
        pdf = await service.printing.sent_pdf(document)
        stored = document.stored_at is not None
    if not stored:
        # Stored under a fixed key with no transaction open: a repeat stores the same bytes again.
        await app.storage.put(document.storage_key, pdf, "application/pdf")
        async with app.unit_of_work() as uow:
            await _proposals(app, uow).printing.record_stored(document_id)
    name = f"КП_{document.proposal_id}_ред{document.revision}.pdf"
    return Attachment(name, pdf, "application/pdf")


async def _claim_pdf(app: JobContext, case_id: int) -> Attachment:
    """The claim as the lawyer approved it: made once, kept in storage byte for byte, and every
    attempt to send attaches the kept bytes."""
    async with app.unit_of_work() as uow:
        claim = await CollectionService(uow).claim_for_sending(case_id)
    if claim is None:
        raise MailError(f"collection case {case_id} has no approved claim letter", permanent=True)
    stored = await app.storage.get(claim.key) if claim.stored else None
    if stored is None:
        # Stored under a fixed key with no transaction open; recorded only after it is there, so a
        # repeat after a crash stores again before anything is sent.
        pdf = await app.renderer.render(render_claim_pdf, claim.view, claim.text)
        await app.storage.put(claim.key, pdf, "application/pdf")
        async with app.unit_of_work() as uow:
            await CollectionService(uow).record_claim_stored(case_id, hashlib.sha256(pdf).hexdigest())
        stored = await app.storage.get(claim.key)
        if stored is None:
            raise MailError(f"the claim letter of case {case_id} was not kept in storage")
    return Attachment(f"Претензия_{claim.number}.pdf", stored.content, "application/pdf")


@correlated
async def draft_claim_letter(ctx: dict[str, Any], case_id: int) -> str:
    """The claim letter's draft with the penalty calculation, for the lawyer to check (once)."""
    app = _ctx(ctx)
    # A key rate still unconfirmed is checked against the Bank of Russia first when the source can
    # confirm (the stub cannot); what stays unconfirmed holds the letter with a task for the lawyer.
    authoritative = app.key_rates.authoritative
    async with app.unit_of_work() as uow:
        outcome = await CollectionService(uow).draft_claim(
            case_id, app.settings.company, hold=not authoritative
        )
    if outcome == "unconfirmed":
        async with app.unit_of_work() as uow:
            unconfirmed = await KeyRateService(uow).unconfirmed()
        await _refresh_key_rates(app, min(unconfirmed, default=None))
        async with app.unit_of_work() as uow:
            outcome = await CollectionService(uow).draft_claim(case_id, app.settings.company)
    return outcome


# track_claim_letters runs once an hour (worker/settings.py).
TRACKING_RUNS_A_DAY = 24


@correlated
async def track_claim_letters(ctx: dict[str, Any]) -> dict[str, int]:
    """The hourly cron: each posted claim letter's history from the post (no transaction open
    while asking), recorded; a letter handed over moves its case on. A run asks for no more than
    its share of the post's daily allowance (APP_POST__DAILY_REQUESTS), the letters checked
    longest ago first: with more letters on the way than that, each is checked less often."""
    app = _ctx(ctx)
    share = app.settings.post.daily_requests // TRACKING_RUNS_A_DAY
    async with app.unit_of_work() as uow:
        letters = await CollectionService(uow).to_track(min(app.settings.worker.sweep_batch, share))
    tracked = failed = 0
    for case_id, barcode, posted_on in letters:
        try:
            operations: list[TrackingOperation] = await app.post.history(barcode, posted_on)
        except Exception as exc:
            failed += 1
            log.warning("post.tracking_failed", case_id=case_id, error=str(exc)[:200])
            continue
        async with app.unit_of_work() as uow:
            tracked += await CollectionService(uow).record_tracking(case_id, operations)
    return {"tracked": tracked, "failed": failed}


async def _prune_refused(app: JobContext) -> tuple[int, int]:
    """What anonymous callers left past its keeping time: refused webhook deliveries, and login
    counters with nothing left in them, so that neither grows without bound."""
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        deliveries = await RefusedDeliveries(uow, app.settings.webhooks).prune(batch)
        counters = await LoginThrottle(uow, app.settings.auth).prune(batch)
    return deliveries, counters


@correlated
async def sweep(ctx: dict[str, Any]) -> dict[str, int]:
    """The minute cron: turn what fell due into rows, then (re)enqueue every due outbound row.

    One sweep at a time per installation, whichever worker runs it: two at once (a worker's start-up
    sweep meeting another's minute) would both find the same invoices due and the second would fail
    on the reminders the first made. So a sweep takes a lock in Redis, beside the queue (a sweep
    runs from it), and one that finds it taken waits for it, then runs over what the other left.
    The lock is taken for a few seconds and renewed while the sweep runs, so one left by a worker
    killed mid-sweep is free again soon. A sweep called outside arq (`ctx` without its Redis) takes
    none."""
    redis = ctx.get("redis")
    if redis is None:
        return await _sweep(_ctx(ctx))
    lock = redis.lock(
        f"{_ctx(ctx).settings.redis.queue_name}:sweep-lock",
        timeout=SWEEP_LOCK_SECONDS,
        blocking_timeout=SWEEP_WAIT_SECONDS,
    )
    if not await lock.acquire():
        log.warning("sweep.skipped", reason=f"another sweep held the lock for {SWEEP_WAIT_SECONDS} s")
        return {"skipped": 1}
    holding = asyncio.create_task(_keep(lock))
    try:
        return await _sweep(_ctx(ctx))
    finally:
        holding.cancel()
        with contextlib.suppress(LockError, *REDIS_ERRORS):
            await lock.release()


async def _keep(lock: Any) -> None:
    """Keeps the sweep's lock while the sweep runs: it is taken for a short time and renewed, so the
    lock of a worker killed mid-sweep is free again within ``SWEEP_LOCK_SECONDS``."""
    with contextlib.suppress(LockError, *REDIS_ERRORS):
        while True:
            await asyncio.sleep(SWEEP_LOCK_SECONDS / 3)
            await lock.reacquire()


async def sweep_now(app: JobContext) -> dict[str, int]:
    """The sweep run outside arq (`pomoshnik sweep`): it takes the installation's sweep lock as the
    cron does, so it never meets a worker's sweep; with Redis down no worker sweeps, and it runs
    without."""
    redis = Redis.from_url(app.settings.redis.url, socket_connect_timeout=1, socket_timeout=5)
    try:
        try:
            await redis.ping()
        except (RedisError, OSError):
            log.warning("sweep.without_lock", reason="Redis does not answer")
            return await sweep({"app": app})
        return await sweep({"app": app, "redis": redis})
    finally:
        await redis.aclose()


async def _sweep(app: JobContext) -> dict[str, int]:
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        reminders = await PaymentScheduleService(uow).make_due_tasks(batch)
    async with app.unit_of_work() as uow:
        acts = await ReconciliationService(uow, app.settings.company).schedule_due(batch)
    async with app.unit_of_work() as uow:
        limitation = await LimitationService(uow).warn_due(batch)
    async with app.unit_of_work() as uow:
        # The working day: the morning check sheets at 8:30, a reminder for a sheet not started by
        # 9:00, and one for a daily report not submitted by the end of the day.
        sheets, unstarted = await WarehouseCheckService(uow, app.erp).make_due(batch)
        unreported = await DailyReportService(uow).remind_unsubmitted(batch)
    async with app.unit_of_work() as uow:
        cases_opened = await CollectionService(uow).open_due(batch)
        case_steps = await CollectionService(uow).advance(batch)
    async with app.unit_of_work() as uow:
        notices = await TaskService(uow).notify_due(batch)
    async with app.unit_of_work() as uow:
        due = await OutboxService(uow).due(batch, app.stuck_after)
        deliveries = await AmoCrmIntake(uow, app.settings.amocrm).due(batch)
        unsynced = await FulfilmentService(uow, app.erp).due_orders()
        unregistered = await InvoiceService(uow, app.erp, app.settings.company).unregistered(batch)
        without_upd = await InvoiceService(uow, app.erp, app.settings.company).without_upd(batch)
        unpushed = await CreditService(uow).unpushed(batch)
        spec_receipts, spec_documents = await _specs(app, uow).due_jobs()
        undrafted = await CollectionService(uow).undrafted(batch)
    async with app.unit_of_work() as uow:
        # Unanswered price requests remind supply; proposals past their validity expire. Both are
        # recorded on the rows they touch, so the next minute finds nothing left to do.
        reminded = await _proposals(app, uow).remind_supply(batch)
        expired = await _proposals(app, uow).expire_due(batch)
    refused_pruned, login_counters_pruned = await _prune_refused(app)
    enqueued = 0
    for message_id, attempts in due:
        enqueued += await app.queue.enqueue(DELIVER_JOB, message_id, job_id=job_id(message_id, attempts))
    minute = app.clock.now().strftime("%Y%m%d%H%M")
    for invoice_id in unregistered:
        enqueued += await app.queue.enqueue(
            REGISTER_JOB, invoice_id, job_id=f"invoice-1c:{invoice_id}:{minute}"
        )
    for invoice_id in without_upd:
        enqueued += await app.queue.enqueue(UPD_JOB, invoice_id, job_id=f"invoice-upd:{invoice_id}:{minute}")
    for credit_request_id in unpushed:
        enqueued += await app.queue.enqueue(
            CREDIT_PUSH_JOB, credit_request_id, job_id=f"credit-1c:{credit_request_id}:{minute}"
        )
    for case_id in undrafted:
        enqueued += await app.queue.enqueue(DRAFT_JOB, case_id, job_id=f"claim-draft:{case_id}:{minute}")
    for order_id in unsynced:
        enqueued += await app.queue.enqueue(
            SYNC_JOB, order_id, job_id=f"fulfilment:{order_id}:sweep:{minute}"
        )
    for spec_id in spec_receipts:
        enqueued += await app.queue.enqueue(
            SPEC_RECEIPTS_JOB, spec_id, job_id=f"spec-receipts:{spec_id}:{minute}"
        )
    for spec_id in spec_documents:
        enqueued += await app.queue.enqueue(
            SPEC_DOCUMENTS_JOB, spec_id, job_id=f"spec-upd:{spec_id}:{minute}"
        )
    for delivery_id, attempts in deliveries:
        enqueued += await app.queue.enqueue(
            PROCESS_JOB, delivery_id, job_id=f"amocrm:{delivery_id}:{attempts + 1}"
        )
    if notices or due or reminders:
        log.info(
            "sweep.done",
            payment_reminders=reminders,
            task_notices=len(notices),
            outbound_due=len(due),
            enqueued=enqueued,
        )
    return {
        "payment_reminders": reminders,
        "task_notices": len(notices),
        "outbound_due": len(due),
        "enqueued": enqueued,
        "supply_reminders": reminded,
        "proposals_expired": expired,
        "reconciliation_acts": acts,
        "limitation_warnings": limitation,
        "check_sheets": sheets,
        "check_reminders": unstarted,
        "report_reminders": unreported,
        "cases_opened": cases_opened,
        "case_steps": case_steps,
        "refused_deliveries_pruned": refused_pruned,
        "login_counters_pruned": login_counters_pruned,
    }
