"""The collection case in court: the package of documents the lawyer takes there, and the court's
fields (the case number, the court, hearings, the judgment, enforcement)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.core.errors import FieldError
from app.models.collection import (
    CaseFileKind,
    CaseStage,
    CollectionCase,
    CollectionCaseInvoice,
    CollectionFile,
)
from app.models.invoices import Invoice
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.receivables.collection.workflow import CaseWorkflow, short_date

# What a scan of the case is, as the court package's index names it (with the day it came in):
# the lawyer and the court read what the paper is, not the name the scanner gave the file.
SCAN_TITLES = {
    CaseFileKind.GUARANTEE_LETTER: "Гарантийное письмо",
    CaseFileKind.DELIVERY_RECEIPT: "Уведомление о вручении претензии",
    CaseFileKind.POSTAL_RECEIPT: "Квитанция об отправке претензии заказным письмом",
    CaseFileKind.COURT: "Документ суда",
}
COURT_FIELDS = ("court_case_number", "court_name", "judgment", "enforcement")


@dataclass(frozen=True)
class CourtItem:
    """One document of the court package: what the index shows, and where its content is."""

    kind: str
    title: str
    date: str
    url: str | None = None
    sha256: str | None = None
    tracking: list[dict[str, Any]] | None = None
    storage_key: str | None = None
    invoice_id: int | None = None
    filename: str | None = None  # a scan's file name as uploaded (its extension is kept in the archive)


class CourtService:
    def __init__(self, uow: UnitOfWork, workflow: CaseWorkflow | None = None) -> None:
        self.uow = uow
        self.workflow = workflow or CaseWorkflow(uow)

    async def package(self, case_id: int) -> list[CourtItem]:
        """The documents the lawyer takes to court, each with where to get it: the claim and its
        calculation, the proof of sending (the postal identifier and its tracking history), the
        delivery receipt, the guarantee letter, the invoices (their УПД, the acts and the contract
        are in 1C and the client's file)."""
        case = await self.workflow.get(case_id)
        base = f"/api/v1/collection-cases/{case.id}"
        documents: list[CourtItem] = []
        if case.claim_sent_on is not None:
            documents.append(
                CourtItem(
                    kind="claim_letter",
                    title="Претензия с расчётом процентов по ст. 395 ГК РФ (приложение)",
                    date=case.claim_sent_on.isoformat(),
                    url=f"{base}/claim.pdf",
                    sha256=case.claim_pdf_sha256,
                    storage_key=case.claim_pdf_key if case.claim_pdf_stored_at is not None else None,
                )
            )
            documents.append(
                CourtItem(
                    kind="proof_of_sending",
                    title=f"Заказное письмо с уведомлением, почтовый идентификатор {case.tracking_number}",
                    date=case.claim_sent_on.isoformat(),
                    tracking=case.tracking,
                )
            )
        scans = await self.uow.session.scalars(
            select(CollectionFile).where(CollectionFile.case_id == case.id).order_by(CollectionFile.id)
        )
        for row in scans:
            received = self.uow.calendar.local_date(row.created_at)
            what = SCAN_TITLES.get(row.kind)
            documents.append(
                CourtItem(
                    kind=row.kind.value,
                    title=f"{what} от {short_date(received)}"
                    if what
                    else f"Документ «{row.filename}» от {short_date(received)}",
                    date=received.isoformat(),
                    url=f"{base}/attachments/{row.id}",
                    storage_key=row.storage_key,
                    filename=row.filename,
                )
            )
        invoices = await self.uow.session.scalars(
            select(Invoice)
            .join(CollectionCaseInvoice, CollectionCaseInvoice.invoice_id == Invoice.id)
            .where(CollectionCaseInvoice.case_id == case.id)
            .order_by(Invoice.due_on, Invoice.id)
        )
        for invoice in invoices:
            documents.append(
                CourtItem(
                    kind="invoice",
                    title=f"Счёт № {invoice.number}: {format_rub(invoice.total)}, оплачено "
                    f"{format_rub(invoice.paid_total)}, срок {short_date(invoice.due)}; УПД к нему — в 1С",
                    date=invoice.issued_on.isoformat(),
                    url=f"/api/v1/invoices/{invoice.id}/pdf",
                    invoice_id=invoice.id,
                )
            )
        return documents

    async def update(self, case_id: int, changes: dict[str, Any], if_match: int | None) -> CollectionCase:
        """The claim is filed (its case number is then required), or the court's fields change."""
        case = await self.workflow.for_action(case_id, "court", if_match)
        if case.stage == CaseStage.COURT_READY and not changes.get("court_case_number"):
            raise FieldError("court_case_number", "the case number is required when the claim is filed")
        before = {k: getattr(case, k) for k in COURT_FIELDS}
        for key in COURT_FIELDS:
            if changes.get(key) is not None:
                setattr(case, key, changes[key])
        if changes.get("hearing") is not None:
            case.hearings = [*case.hearings, changes["hearing"]]
        await self.workflow.move(case, "court", {"before": before, "changes": changes})
        await self.workflow.close_step_tasks(case, "court_filing")
        return case
