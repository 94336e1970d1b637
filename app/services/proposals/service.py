"""Proposals, the journey: to the manager (step 17), to the client (steps 18–19), the client's answer,
the order and its invoice; and the documents as they were sent."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.errors import FieldError, Forbidden, NotFound
from app.models.clients import Client, ClientContact
from app.models.directory import Employee
from app.models.invoices import Invoice
from app.models.orders import Order, OrderChannel, OrderLine, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind
from app.models.proposals import (
    Proposal,
    ProposalDocument,
    ProposalStage,
    ProposalStatus,
)
from app.models.tasks import TaskKind, TaskSubject
from app.schemas.proposals import (
    ProposalSendToClient,
)
from app.services.directory.tasks import TaskService
from app.services.invoices.service import InvoiceService
from app.services.kernel.common import ensure_version
from app.services.kernel.history import snapshot
from app.services.kernel.outbox import OutboxService
from app.services.money.format import format_rub
from app.services.orders.service import REQUIRED_LINE_FIELDS, OrderService
from app.services.proposals.editing import ProposalEditing
from app.services.proposals.rules import (
    CLIENT_ANSWER_WORKING_DAYS,
    MANAGER_CHECK_WORKING_DAYS,
    may_approve,
)


class ProposalService(ProposalEditing):
    """A proposal's journey: to the manager, to the client, the answer, the order; and its documents."""

    async def send_to_manager(self, proposal_id: int, note: str | None, if_match: int | None) -> Proposal:
        """Step 17: the priced proposal goes to the manager by email with its PDF; the manager gets a
        task to check it and say whom to send it to."""
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self.check_nothing_waits(proposal)
        self.allow(proposal, "send_to_manager")
        manager = await self.uow.session.get(Employee, proposal.manager_id)
        assert manager is not None
        client = await self.uow.session.get(Client, proposal.client_id)
        assert client is not None
        valid_until = proposal.valid_until or self.printing.default_validity()
        document = await self.printing.keep(proposal, ProposalStage.MANAGER, manager.email, valid_until)
        await self._close_tasks(proposal, "КП отправлено менеджеру")
        proposal.sent_revision = proposal.revision
        self._move(proposal, "send_to_manager", {"to": manager.email, "document_id": document.id})
        await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=manager.email,
            subject=f"КП №{proposal.id} для {client.name} (редакция {proposal.revision}) — на проверку",
            body=(
                f"Добрый день!\n\nКоммерческое предложение №{proposal.id} для {client.name} готово: "
                f"{proposal.workwear_kind}, позиций: {len(proposal.lines)}, "
                f"на сумму {format_rub(document.total)} руб. PDF во вложении.\n"
                "Проверьте его и скажите, кому отправить клиенту."
                + (f"\n\n{note}" if note else "")
                + "\n\nПомощник"
            ),
            payload={"attachments": [{"kind": "proposal_pdf", "document_id": document.id}]},
            dedupe_key=f"proposal-sent:{document.id}:{manager.email.lower()}",
            about=(MessageAbout.PROPOSAL, proposal.id),
        )
        await TaskService(self.uow).add(
            kind=TaskKind.CHECK,
            title=f"Проверить КП №{proposal.id} для {client.name} и сказать, кому отправить",
            assignee_id=proposal.manager_id,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), MANAGER_CHECK_WORKING_DAYS),
            subject_type=TaskSubject.PROPOSAL,
            subject_id=proposal.id,
        )
        await self.uow.session.flush()
        return proposal

    async def approve(self, proposal_id: int, comment: str | None, if_match: int | None) -> Proposal:
        """The manager approved the proposal as sent: it may go to the client. Only its manager (or
        a head) approves it."""
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        actor = self.uow.actor
        if actor is not None and not may_approve(actor, proposal):
            raise Forbidden("only the proposal's manager or a head approves it")
        self._move(proposal, "approve", {"comment": comment})
        await self._close_tasks(proposal, "КП одобрено менеджером")
        await self.uow.session.flush()
        return proposal

    async def send_to_client(
        self, proposal_id: int, data: ProposalSendToClient, if_match: int | None
    ) -> Proposal:
        """Steps 18–19: to the contact the manager picked from the client's contacts, or to another
        address the manager gave; the assistant gets a call to hear the client's answer."""
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self.check_nothing_waits(proposal)
        self.allow(proposal, "send_to_client")
        today = self.uow.calendar.local_date(self.uow.clock.now())
        valid_until = data.valid_until or proposal.valid_until or self.printing.default_validity()
        if valid_until < today:
            raise FieldError("valid_until", "the validity date is in the past")
        recipient, contact = await self._client_recipient(proposal, data)
        client = await self.uow.session.get(Client, proposal.client_id)
        assert client is not None
        if contact is not None:
            proposal.contact_id = contact.id
        proposal.valid_until = valid_until
        document = await self.printing.keep(proposal, ProposalStage.CLIENT, recipient, valid_until)
        proposal.sent_to = recipient
        proposal.sent_revision = proposal.revision
        self._move(proposal, "send_to_client", {"to": recipient, "document_id": document.id})
        await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=recipient,
            subject=f"Коммерческое предложение № {proposal.id} — {self.company.name}",
            body=(
                "Добрый день!\n\n"
                f"Направляем коммерческое предложение № {proposal.id} ({proposal.workwear_kind}) "
                f"на сумму {format_rub(document.total)} руб. Предложение действительно до "
                f"{valid_until.strftime('%d.%m.%Y')}.\n"
                + (f"\n{data.note}\n" if data.note else "")
                + f"\nС уважением,\n{self.company.name}\n{self.company.phone}"
            ),
            payload={"attachments": [{"kind": "proposal_pdf", "document_id": document.id}]},
            dedupe_key=f"proposal-sent:{document.id}:{recipient.lower()}",
            about=(MessageAbout.PROPOSAL, proposal.id),
        )
        await self._close_tasks(proposal, "КП отправлено клиенту")
        await TaskService(self.uow).add(
            kind=TaskKind.CALL,
            title=f"Узнать решение {client.name} по КП №{proposal.id}",
            assignee_id=proposal.assistant_id,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), CLIENT_ANSWER_WORKING_DAYS),
            subject_type=TaskSubject.PROPOSAL,
            subject_id=proposal.id,
        )
        await self.uow.session.flush()
        return proposal

    async def _client_recipient(
        self, proposal: Proposal, data: ProposalSendToClient
    ) -> tuple[str, ClientContact | None]:
        if data.email is not None:
            return str(data.email), None
        contact_id = data.contact_id or proposal.contact_id
        if contact_id is None:
            raise FieldError("contact_id", "pick a contact of the client or give an email")
        contact = await self._contact(proposal.client_id, contact_id, "contact_id")
        if not contact.emails:
            raise FieldError("contact_id", "the contact has no email: give the address to send to")
        return str(contact.emails[0]), contact

    async def accept(self, proposal_id: int, comment: str | None, if_match: int | None) -> Proposal:
        """The client accepted the proposal: it can be converted into an order."""
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self._move(proposal, "accept", {"comment": comment})
        await self._close_tasks(proposal, "Клиент принял КП")
        await self.uow.session.flush()
        return proposal

    async def decline(self, proposal_id: int, comment: str | None, if_match: int | None) -> Proposal:
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self._move(proposal, "decline", {"comment": comment})
        await self._close_tasks(proposal, "Клиент отказался от КП")
        await self.uow.session.flush()
        return proposal

    async def convert(self, proposal_id: int, if_match: int | None) -> tuple[Proposal, Order, Invoice | None]:
        """The accepted proposal becomes an order (its lines, prices and client carried; accepted at
        once, the prices being agreed) and the order's invoice, at the proposal's prices. A client
        whose credit stops a new order (an overdue debt, or a debt at its limit) gets the order
        held as any new order is: it waits for a head, and no invoice is issued until then."""
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self.allow(proposal, "convert")
        actor = self.uow.actor
        now = self.uow.clock.now()
        orders = OrderService(self.uow, self.erp)
        credit = await orders.credit_hold(proposal.client_id)
        lines: list[OrderLine] = []
        for line in proposal.lines:
            assert line.price is not None  # an accepted proposal was priced when it was sent
            values: dict[str, Any] = {"model": None, "color": None, "size": None, "height": None}
            if line.product_id is not None:
                product = await self.erp.get_product(line.product_id)
                if product is not None:
                    values = {key: getattr(product, key) or None for key in values}
            values["price_category"] = proposal.price_category if line.product_id else None
            lines.append(
                OrderLine(
                    position=line.position,
                    product_id=line.product_id,
                    name=line.name,
                    quantity=line.quantity,
                    unit=line.unit,
                    agreed_price=line.price,
                    suggestions=[],
                    # The proposal fixed the goods and the price: nothing is left to ask the manager.
                    not_applicable=[f for f in REQUIRED_LINE_FIELDS if not values.get(f)],
                    **values,
                )
            )
        order = Order(
            channel=OrderChannel.PROPOSAL,
            source="proposal",
            external_id=str(proposal.id),
            proposal_id=proposal.id,
            client_id=proposal.client_id,
            manager_id=proposal.manager_id,
            assistant_id=proposal.assistant_id,
            taken_by_id=actor.id if actor else None,
            raw_text=None,
            status=OrderStatus.ACCEPTED if credit is None else OrderStatus.NEEDS_CLARIFICATION,
            problems=orders.credit_problems(credit),
            created_at=now,
            updated_at=now,
            lines=lines,
        )
        self.uow.session.add(order)
        await self.uow.session.flush()
        self.history.record(
            "order",
            order.id,
            "received",
            None,
            snapshot(order)
            | {"lines": [snapshot(x) for x in order.lines], "proposal_id": proposal.id}
            | ({} if credit is None else {"status": OrderStatus.RECEIVED.value}),
        )
        invoice = None
        if credit is None:
            invoice = await InvoiceService(self.uow, self.erp, self.company).create_from_order(order.id, None)
        else:
            # Held for the client's credit as an intake order is (a head decides); the invoice is
            # issued once the order is accepted.
            await orders.hold_for_credit(order)
        self._move(proposal, "convert", {"order_id": order.id, "invoice_id": invoice.id if invoice else None})
        await self.uow.session.flush()
        return proposal, order, invoice

    async def expire_due(self, batch: int) -> int:
        """Proposals sent to the client and not answered by their validity date expire (the sweep)."""
        today = self.uow.calendar.local_date(self.uow.clock.now())
        proposals = (
            await self.uow.session.scalars(
                select(Proposal)
                .where(Proposal.status == ProposalStatus.SENT_TO_CLIENT, Proposal.valid_until < today)
                .order_by(Proposal.id)
                .limit(batch)
            )
        ).all()
        for proposal in proposals:
            self._move(proposal, "expire", {"valid_until": str(proposal.valid_until)})
            await self._close_tasks(proposal, "Срок действия КП истёк")
        return len(proposals)

    # --- the document ---------------------------------------------------------------------------

    async def preview_html(self, proposal_id: int) -> str:
        """The proposal as a browser shows it: pictures inlined as data URLs, nothing fetched."""
        return await self.printing.preview_html(await self.get(proposal_id))

    async def pdf(self, proposal_id: int) -> tuple[Proposal, bytes]:
        proposal = await self.get(proposal_id)
        return proposal, await self.printing.pdf(proposal)

    async def documents(self, proposal_id: int) -> list[ProposalDocument]:
        await self.get(proposal_id)
        rows = await self.uow.session.scalars(
            select(ProposalDocument)
            .where(ProposalDocument.proposal_id == proposal_id)
            .order_by(ProposalDocument.id)
        )
        return list(rows)

    async def document_pdf(self, proposal_id: int, document_id: int) -> tuple[ProposalDocument, bytes]:
        """A proposal as it was sent: the stored PDF (made again from its kept view if the worker has
        not stored it yet: the same document)."""
        await self.get(proposal_id)
        document = await self.uow.session.get(ProposalDocument, document_id)
        if document is None or document.proposal_id != proposal_id:
            raise NotFound("proposal document", document_id)
        return document, await self.printing.sent_pdf(document)
