"""Process 2's part of the worker: the proposal's PDF as it was sent, and supply's reminders and
expired proposals in the minute sweep."""

from __future__ import annotations

from app.services.kernel.ports import Attachment, MailError
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.proposals import ProposalService
from app.worker.context import JobContext
from app.worker.jobs.base import Swept


def _proposals(app: JobContext, uow: UnitOfWork) -> ProposalService:
    return ProposalService(uow, app.erp, app.storage, app.settings.company, app.settings.proposals)


async def proposal_pdf(app: JobContext, document_id: int) -> Attachment:
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


async def swept(app: JobContext, minute: str) -> Swept:
    """Unanswered price requests remind supply; proposals past their validity expire. Both are
    recorded on the rows they touch, so the next minute finds nothing left to do."""
    batch = app.settings.worker.sweep_batch
    async with app.unit_of_work() as uow:
        reminded = await _proposals(app, uow).remind_supply(batch)
        expired = await _proposals(app, uow).expire_due(batch)
    return Swept(counts={"supply_reminders": reminded, "proposals_expired": expired})
