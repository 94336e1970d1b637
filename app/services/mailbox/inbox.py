"""The e-mails taken from the shared mailbox as people read them: the list, one message with what
it became, its files, and taking again a message that failed."""

from __future__ import annotations

import email
import email.header
import email.policy
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import Select, String, Text, cast, exists, func, literal, or_, select
from sqlalchemy.orm import aliased

from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import Client, ClientContact
from app.models.collection import CollectionCase
from app.models.invoices import Invoice
from app.models.mailbox import InboundEmail, InboundKind
from app.models.orders import Order
from app.models.outbox import MessageAbout
from app.models.proposals import Proposal
from app.models.reconciliations import ReconciliationAct
from app.models.specs import Spec
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.permissions import Permission, has
from app.services.kernel.ports import StoredObject
from app.services.kernel.scope import Scope
from app.services.mailbox.parsing import MalformedEmail, parse
from app.services.mailbox.service import MailboxService

# The headers a person needs to see where a letter came from and what it answers.
HEADERS = (
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Date",
    "Subject",
    "Message-ID",
    "In-Reply-To",
    "References",
    "Auto-Submitted",
    "List-Id",
)


@dataclass(frozen=True)
class InboundFilter:
    """What the list is narrowed to (None: not narrowed); days are the company's."""

    kind: InboundKind | None = None
    sender: str | None = None
    received_from: date | None = None
    received_to: date | None = None
    about: MessageAbout | None = None
    about_id: int | None = None
    order_id: int | None = None


@dataclass(frozen=True)
class Document:
    """The document a message answers or bounced from, as people name it."""

    about: MessageAbout
    id: int
    title: str
    order_id: int | None  # the order whose page shows it (an invoice's approval is recorded there)


def retryable(row: InboundEmail) -> bool:
    """A failure can be taken again only from the message kept as it came (a message too large
    was never fetched, so there is nothing to read again)."""
    return row.kind == InboundKind.FAILED and row.raw_key is not None


class InboxService:
    def __init__(self, mailbox: MailboxService) -> None:
        self.mailbox = mailbox
        self.uow = mailbox.uow

    def readable(self, query: Select[Any]) -> Select[Any]:
        """The e-mails the actor may read, as the rest of the API narrows what one sees: an e-mail
        is seen by whoever sees what it led to or answers (its order, the document it answers or
        bounced from, or that document's client) or the client it came from (the order's client,
        or a client whose contact's address is its sender); one tied to none of them (an unknown
        sender's auto-reply, a mailing list, a failure) only by those who see every order. All
        in the one query (subqueries), so a page holds only what may be read."""
        actor = self.uow.actor
        if actor is None or has(actor, Permission.ORDERS_READ_ALL):
            return query
        scope = Scope(self.uow)
        clients = scope.clients(select(Client.id))
        orders = scope.orders(select(Order.id))
        # A separate alias: the client filter reads the orders table too, and must not be
        # correlated with the outer one.
        other = aliased(Order)
        orders_of_clients = select(other.id).where(other.client_id.in_(clients))

        def of_clients(row_id: Any, client_id: Any) -> Select[Any]:
            return select(row_id).where(client_id.in_(clients))

        # Each kind of document: seen for itself, or for its client.
        documents: dict[MessageAbout, tuple[Select[Any], ...]] = {
            MessageAbout.ORDER: (orders, orders_of_clients),
            MessageAbout.INVOICE: (
                scope.invoices(select(Invoice.id)),
                of_clients(Invoice.id, Invoice.client_id),
            ),
            MessageAbout.PROPOSAL: (
                scope.proposals(select(Proposal.id)),
                of_clients(Proposal.id, Proposal.client_id),
            ),
            MessageAbout.SPEC: (
                scope.specs(select(Spec.id)),
                select(Spec.id).where(Spec.order_id.in_(orders_of_clients)),
            ),
            MessageAbout.COLLECTION_CASE: (of_clients(CollectionCase.id, CollectionCase.client_id),),
            MessageAbout.RECONCILIATION_ACT: (of_clients(ReconciliationAct.id, ReconciliationAct.client_id),),
        }
        answered = [
            (InboundEmail.about == kind) & or_(*(InboundEmail.about_id.in_(v) for v in visible))
            for kind, visible in documents.items()
        ]
        # The sender as a contact's address, matched as the reader matches it (the JSON list's
        # text holds each address in quotes); LIKE's wildcards in the address are taken literally.
        sender = func.replace(
            func.replace(func.replace(InboundEmail.sender, "\\", "\\\\"), "%", "\\%"), "_", "\\_"
        )
        pattern = literal('%"', String) + sender + literal('"%', String)
        from_client = exists(
            select(ClientContact.id).where(
                ClientContact.client_id.in_(clients),
                func.lower(cast(ClientContact.emails, Text)).like(pattern, escape="\\"),
            )
        )
        return query.where(
            or_(
                InboundEmail.order_id.in_(orders),
                InboundEmail.order_id.in_(orders_of_clients),
                *answered,
                InboundEmail.sender.is_not(None) & from_client,
            )
        )

    async def page(self, filters: InboundFilter, *, cursor: str | None, limit: int) -> Page[InboundEmail]:
        """Messages newest first, narrowed by every filter given and to what the actor may read."""
        query = self.readable(select(InboundEmail))
        if filters.kind is not None:
            query = query.where(InboundEmail.kind == filters.kind)
        if filters.sender:
            needle = filters.sender.strip().lower()
            query = query.where(func.lower(InboundEmail.sender).contains(needle, autoescape=True))
        since, until = filters.received_from, filters.received_to
        if since is not None and until is not None and until < since:
            raise FieldError("query.received_to", "is before received_from")
        calendar = self.uow.calendar
        if since is not None:
            query = query.where(InboundEmail.received_at >= calendar.at(since, time.min))
        if until is not None:
            query = query.where(InboundEmail.received_at < calendar.at(until + timedelta(days=1), time.min))
        if filters.about_id is not None and filters.about is None:
            raise FieldError("query.about_id", "needs about: the kind of the document it names")
        if filters.about is not None:
            query = query.where(InboundEmail.about == filters.about)
        if filters.about_id is not None:
            query = query.where(InboundEmail.about_id == filters.about_id)
        if filters.order_id is not None:
            query = query.where(InboundEmail.order_id == filters.order_id)
        return await newest_first(self.uow.session, query, InboundEmail.id, cursor, limit)

    async def get(self, email_id: int) -> InboundEmail:
        """One message, or a 404 when it does not exist or the actor may not read it."""
        query = self.readable(select(InboundEmail).where(InboundEmail.id == email_id))
        row: InboundEmail | None = await self.uow.session.scalar(query)
        if row is None:
            raise NotFound("inbound e-mail", email_id)
        return row

    async def raw(self, row: InboundEmail) -> StoredObject | None:
        return await self.mailbox.storage.get(row.raw_key) if row.raw_key else None

    async def headers(self, row: InboundEmail) -> list[tuple[str, str]]:
        """The headers that matter, read from the message kept as it came."""
        stored = await self.raw(row)
        if stored is None:
            return []
        message = email.message_from_bytes(stored.content, policy=email.policy.compat32)
        found: list[tuple[str, str]] = []
        for name in HEADERS:
            for value in message.get_all(name) or []:
                text = " ".join(str(email.header.make_header(email.header.decode_header(str(value)))).split())
                found.append((name, text[:2000]))
        return found

    async def part(self, row: InboundEmail, index: int) -> tuple[dict[str, Any], StoredObject]:
        """An attachment kept from the message (``index`` in its ``parts``)."""
        parts = row.parts or []
        if not 0 <= index < len(parts) or not parts[index].get("key"):
            raise NotFound("attachment", index)
        stored = await self.mailbox.storage.get(str(parts[index]["key"]))
        if stored is None:
            raise NotFound("attachment", index)
        return parts[index], stored

    async def document(self, row: InboundEmail) -> Document | None:
        """What the message answers (a reply) or bounced from (a bounce), with its number."""
        if row.about is None or row.about_id is None:
            return None
        session = self.uow.session
        title = f"№ {row.about_id}"
        order_id: int | None = None
        if row.about == MessageAbout.INVOICE:
            invoice = await session.get(Invoice, row.about_id)
            title = f"Счёт № {invoice.number}" if invoice else title
            order_id = invoice.order_id if invoice else None
        elif row.about == MessageAbout.PROPOSAL:
            proposal = await session.get(Proposal, row.about_id)
            title = f"Коммерческое предложение № {proposal.id}" if proposal else title
        elif row.about == MessageAbout.ORDER:
            title, order_id = f"Заявка № {row.about_id}", row.about_id
        elif row.about == MessageAbout.COLLECTION_CASE:
            title = f"Взыскание № {row.about_id}"
        elif row.about == MessageAbout.RECONCILIATION_ACT:
            title = f"Акт сверки № {row.about_id}"
        return Document(row.about, row.about_id, title, order_id)

    async def retry(self, email_id: int) -> InboundEmail:
        """Take a failed message again from the copy kept as it came: it becomes what it would
        have become when it arrived (an order, an answer on its document…). 409 when it is not a
        failure, was never fetched (too large), or still cannot be read; then nothing changes."""
        row = await self.get(email_id)
        if row.kind != InboundKind.FAILED:
            raise Conflict(f"the message is {row.kind.value}, not failed", code="not_failed")
        stored = await self.raw(row)
        if stored is None:
            raise Conflict(
                "the message was never fetched (too large): only the mailbox has it", code="not_kept"
            )
        try:
            parse(stored.content)
        except MalformedEmail as exc:
            raise Conflict(f"the message still cannot be read: {exc}", code="unreadable") from None
        row.outcome = None
        await self.mailbox.act(row, stored.content)
        return row
