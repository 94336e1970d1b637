"""The workshop spec's jobs in 1C: the receipt of its goods, then its УПД; and their part of the
minute sweep."""

from __future__ import annotations

from typing import Any

from app.core.logging import get_logger
from app.services.directory.onec_refusals import OneCRefusalService
from app.services.kernel.ports import ErpRefused
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.specs.service import DOCUMENTS_JOB, RECEIPTS_JOB, SpecService
from app.worker.context import JobContext
from app.worker.jobs.base import Swept, correlated, job_context

log = get_logger(__name__)


def _specs(app: JobContext, uow: UnitOfWork) -> SpecService:
    settings = app.settings
    return SpecService(uow, app.erp, app.storage, settings.company, settings.storage.max_document_bytes)


@correlated
async def post_spec_receipts(ctx: dict[str, Any], spec_id: int) -> str:
    """Post in 1C the receipt of a spec's goods the warehouse reported ready, entry by entry, once."""
    app = job_context(ctx)
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
    app = job_context(ctx)
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


async def swept(app: JobContext, minute: str) -> Swept:
    """Specs whose receipts or УПД 1C has not got, asked for again this minute."""
    async with app.unit_of_work() as uow:
        receipts, documents = await _specs(app, uow).due_jobs()
    done = Swept()
    for spec_id in receipts:
        done.run(RECEIPTS_JOB, spec_id, minute)
    for spec_id in documents:
        done.run(DOCUMENTS_JOB, spec_id, minute)
    return done
