"""The invoice's jobs: the invoice written to 1C (and again, procured separately or revised), and
the УПД 1C makes once its goods are shipped; and their part of the minute sweep."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger
from app.services.directory.onec_refusals import OneCRefusalService
from app.services.invoices.service import REGISTER_JOB, UPD_JOB, InvoiceService
from app.services.kernel.ports import ErpRefused
from app.worker.context import JobContext
from app.worker.jobs.base import Swept, correlated, job_context

log = get_logger(__name__)


@correlated
async def register_invoice(ctx: dict[str, Any], invoice_id: int) -> str:
    """Create the invoice in 1C through the port (once), then record the 1C id; or, for an invoice
    1C has whose order got a workshop spec since, write it again with every line «procure
    separately» (once); or, for one the client had revised since 1C got it, write the revision
    (once for each revision)."""
    app = job_context(ctx)
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
    app = job_context(ctx)
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


async def swept(app: JobContext, minute: str) -> Swept:
    """Invoices 1C has not got, or whose УПД it has not made, asked for again this minute."""
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        invoices = InvoiceService(uow, app.erp, app.settings.company)
        unregistered = await invoices.unregistered(batch)
        without_upd = await invoices.without_upd(batch)
    done = Swept()
    for invoice_id in unregistered:
        done.run(REGISTER_JOB, invoice_id, minute)
    for invoice_id in without_upd:
        done.run(UPD_JOB, invoice_id, minute)
    return done
