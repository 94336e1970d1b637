"""Mistakes in documents: anyone flags an invoice, a УПД or another document as wrong, saying what is
wrong; the flag goes to the chat «Косяки в документах» and stays open, visible on the document,
until someone records the fix."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from app.core.errors import FieldError, NotFound
from app.models.flags import DocumentFlag, DocumentKind, FlagStatus
from app.models.invoices import Invoice
from app.models.outbox import OutboundKind
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork

CHANNEL = "document_errors"
KIND_TITLES = {
    DocumentKind.INVOICE: "Счёт",
    DocumentKind.UPD: "УПД",
    DocumentKind.PROPOSAL: "КП",
    DocumentKind.SPEC: "ТЗ",
    DocumentKind.OTHER: "Документ",
}

# A flag stays open, visible on its document, until someone records the fix.
TRANSITIONS: dict[str, tuple[frozenset[FlagStatus], FlagStatus]] = {
    "fixed": (frozenset({FlagStatus.OPEN}), FlagStatus.FIXED),
}
ACTIONS = StateMachine("flag", TRANSITIONS, kind="document_flag", snapshot=snapshot)


class FlagService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    async def flag(self, kind: DocumentKind, ref: str, description: str) -> DocumentFlag:
        invoice_id = None
        if kind == DocumentKind.INVOICE:
            invoice_id = await self.uow.session.scalar(select(Invoice.id).where(Invoice.number == ref))
            if invoice_id is None:
                raise FieldError("document_ref", f"no invoice numbered {ref}")
        now = self.uow.clock.now()
        actor = self.uow.actor
        flag = DocumentFlag(
            document_kind=kind,
            document_ref=ref,
            invoice_id=invoice_id,
            description=description,
            status=FlagStatus.OPEN,
            flagged_by_id=actor.id if actor else None,
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(flag)
        await self.uow.session.flush()
        self.history.record("document_flag", flag.id, "flagged", None, snapshot(flag))
        who = f" ({actor.full_name})" if actor else ""
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=CHANNEL,
            recipient="",
            body=f"{KIND_TITLES[kind]} № {ref}: ошибка{who}. {description}",
            dedupe_key=f"document-flag:{flag.id}",
        )
        return flag

    async def fix(self, flag_id: int, note: str, if_match: int | None) -> DocumentFlag:
        flag = await self.get(flag_id)
        ensure_version(flag, if_match, "flag")
        actor = self.uow.actor
        changes = {
            "fix_note": note,
            "fixed_by_id": actor.id if actor else None,
            "fixed_at": self.uow.clock.now(),
        }
        await ACTIONS.take(flag, "fixed", self.history, changes=changes)
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=CHANNEL,
            recipient="",
            body=f"{KIND_TITLES[flag.document_kind]} № {flag.document_ref}: исправлено. {note}",
            dedupe_key=f"document-flag-fixed:{flag.id}",
        )
        return flag

    async def get(self, flag_id: int) -> DocumentFlag:
        flag = await self.uow.session.get(DocumentFlag, flag_id)
        if flag is None:
            raise NotFound("flag", flag_id)
        return flag

    async def page(
        self,
        *,
        status: FlagStatus | None,
        kind: DocumentKind | None,
        ref: str | None,
        cursor: str | None,
        limit: int,
    ) -> Page[DocumentFlag]:
        query = select(DocumentFlag)
        if status is not None:
            query = query.where(DocumentFlag.status == status)
        if kind is not None:
            query = query.where(DocumentFlag.document_kind == kind)
        if ref is not None:
            query = query.where(DocumentFlag.document_ref == ref)
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(DocumentFlag.id > after_id)
        rows = (await self.uow.session.scalars(query.order_by(DocumentFlag.id).limit(limit + 1))).all()
        return page_of(rows, limit, lambda f: [f.id])

    async def open_for_invoices(self, invoice_ids: Sequence[int]) -> dict[int, list[DocumentFlag]]:
        """Open flags of several invoices in one query (to show them on the documents)."""
        found: dict[int, list[DocumentFlag]] = {i: [] for i in invoice_ids}
        if not invoice_ids:
            return found
        query = select(DocumentFlag).where(
            DocumentFlag.invoice_id.in_(invoice_ids), DocumentFlag.status == FlagStatus.OPEN
        )
        for flag in await self.uow.session.scalars(query.order_by(DocumentFlag.id)):
            if flag.invoice_id is not None:
                found[flag.invoice_id].append(flag)
        return found
