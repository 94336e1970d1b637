"""Printing proposals: the view, the HTML preview, the PDF, and what was sent."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import select

from app.core.config import CompanySettings, ProposalSettings
from app.core.errors import FieldError
from app.models.clients import Client, ClientContact
from app.models.directory import Employee
from app.models.proposals import (
    Proposal,
    ProposalDocument,
    ProposalStage,
)
from app.services.documents.company import CompanyRequisites
from app.services.documents.proposal import (
    ProposalLineView,
    ProposalView,
    data_url,
    render_proposal_html,
    render_proposal_pdf,
)
from app.services.kernel.ports import Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.vat import VatSchedule
from app.services.proposals.rules import line_amount


class ProposalPrinting:
    """The proposal as printed: its view, the preview, the PDF, and the documents kept as sent."""

    def __init__(
        self, uow: UnitOfWork, storage: Storage, company: CompanySettings, config: ProposalSettings
    ) -> None:
        self.uow = uow
        self.storage = storage
        self.company = company
        self.config = config

    def default_validity(self) -> date:
        today = self.uow.calendar.local_date(self.uow.clock.now())
        return today + timedelta(days=self.config.validity_days)

    async def view(self, proposal: Proposal, valid_until: date | None = None) -> ProposalView:
        """What the proposal prints now (prices, totals, validity; no purchase prices, no margins)."""
        if not proposal.lines:
            raise FieldError("lines", "the proposal has no lines yet", code="unpriced")
        unpriced = [line.position for line in proposal.lines if line.price is None]
        if unpriced:
            raise FieldError(
                "lines", f"positions {', '.join(map(str, unpriced))} have no price yet", code="unpriced"
            )
        client = await self.uow.session.get(Client, proposal.client_id)
        manager = await self.uow.session.get(Employee, proposal.manager_id)
        assert client is not None
        assert manager is not None
        contact = (
            await self.uow.session.get(ClientContact, proposal.contact_id) if proposal.contact_id else None
        )
        today = self.uow.calendar.local_date(self.uow.clock.now())
        company = self.company
        lines = tuple(
            ProposalLineView(
                number=index,
                name=line.name,
                description=line.description,
                unit=line.unit,
                quantity=line.quantity,
                price=line.price or Decimal("0.00"),
                amount=line_amount(line) or Decimal("0.00"),
                photo_key=line.photo_print_key,
            )
            for index, line in enumerate(proposal.lines, start=1)
        )
        return ProposalView(
            company=CompanyRequisites.of(company),
            number=str(proposal.id),
            revision=proposal.revision,
            issued_on=today,
            valid_until=valid_until or proposal.valid_until or self.default_validity(),
            client_name=client.name,
            contact_name=contact.name if contact else None,
            workwear_kind=proposal.workwear_kind,
            lines=lines,
            total=sum((x.amount for x in lines), Decimal("0.00")),
            vat_rate=VatSchedule.from_rows(list(company.vat_rates.items())).rate_on(today),
            manager_name=manager.full_name,
            manager_phone=manager.phone,
            manager_email=manager.email,
        )

    async def keep(
        self, proposal: Proposal, stage: ProposalStage, recipient: str, valid_until: date
    ) -> ProposalDocument:
        """Keep the proposal as it is sent: its printed view now, its PDF in storage once made."""
        view = await self.view(proposal, valid_until)
        existing = await self.uow.session.scalar(
            select(ProposalDocument).where(
                ProposalDocument.proposal_id == proposal.id,
                ProposalDocument.revision == proposal.revision,
                ProposalDocument.stage == stage,
            )
        )
        if existing is not None:
            # Sent again (to another address): the same revision is the same document, kept once.
            return existing
        document = ProposalDocument(
            proposal_id=proposal.id,
            revision=proposal.revision,
            stage=stage,
            recipient=recipient,
            view=view.to_json(),
            total=view.total,
            storage_key=f"documents/proposals/{proposal.id}/r{proposal.revision}-{stage.value}.pdf",
            created_at=self.uow.clock.now(),
        )
        self.uow.session.add(document)
        await self.uow.session.flush()
        return document

    async def pictures(self, view: ProposalView) -> dict[str, bytes]:
        pictures: dict[str, bytes] = {}
        for key in dict.fromkeys(view.photo_keys):
            stored = await self.storage.get(key)
            if stored is not None:
                pictures[key] = stored.content
        return pictures

    async def preview_html(self, proposal: Proposal) -> str:
        """The proposal as a browser shows it: pictures inlined as data URLs, nothing fetched."""
        view = await self.view(proposal)
        pictures = await self.pictures(view)

        def inline(key: str) -> str | None:
            content = pictures.get(key)
            return data_url(content) if content is not None else None

        return render_proposal_html(view, inline)

    async def pdf(self, proposal: Proposal) -> bytes:
        view = await self.view(proposal)
        pictures = await self.pictures(view)
        return await self.uow.renderer.render(render_proposal_pdf, view, pictures)

    async def sent_pdf(self, document: ProposalDocument) -> bytes:
        stored = await self.storage.get(document.storage_key)
        if stored is not None:
            return stored.content
        view = ProposalView.from_json(document.view)
        return await self.uow.renderer.render(render_proposal_pdf, view, await self.pictures(view))

    async def document_for_sending(self, document_id: int) -> ProposalDocument | None:
        return await self.uow.session.get(ProposalDocument, document_id)

    async def record_stored(self, document_id: int) -> None:
        document = await self.uow.session.get(ProposalDocument, document_id)
        if document is not None and document.stored_at is None:
            document.stored_at = self.uow.clock.now()
