"""Proposals: reading, the request, the lines, photos and prices."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from app.core.config import CompanySettings, ProposalSettings
from app.core.errors import Conflict, FieldError, Forbidden, NotFound
from app.models.clients import Client, ClientContact
from app.models.directory import Employee
from app.models.invoices import Invoice
from app.models.orders import Order
from app.models.outbox import MessageAbout, OutboundKind
from app.models.proposals import (
    PriceSource,
    Proposal,
    ProposalLine,
    ProposalStatus,
)
from app.models.tasks import TaskKind, TaskStatus, TaskSubject
from app.schemas.proposals import (
    BelowCostApproval,
    BelowCostRejection,
    ProposalCreate,
    ProposalLineIn,
    ProposalLineUpdate,
    ProposalUpdate,
    PurchasePriceAnswer,
)
from app.services.directory.tasks import TaskService
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, decode_cursor, newest_first, page_of
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.scope import Scope
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.media.images import Crop, check_crop, check_image, print_copy
from app.services.money.format import format_rub
from app.services.proposals.printing import ProposalPrinting
from app.services.proposals.rules import (
    ACTIONS,
    EDITABLE,
    SUPPLY_CHANNEL,
    below_cost_pending,
    markup_price,
    pending_positions,
)


@dataclass(frozen=True)
class PriceRequest:
    """A non-standard position waiting for supply's purchase price."""

    line: ProposalLine
    proposal: Proposal
    client_name: str
    due_at: datetime
    overdue: bool

    @property
    def requested_at(self) -> datetime:
        assert self.line.price_requested_at is not None  # a request has been asked
        return self.line.price_requested_at


@dataclass(frozen=True)
class Links:
    order_id: int | None
    invoice_id: int | None


class ProposalEditing:
    """A proposal's content: the request, its lines, photos and prices (supply's included)."""

    def __init__(
        self,
        uow: UnitOfWork,
        erp: Erp,
        storage: Storage,
        company: CompanySettings,
        config: ProposalSettings,
    ) -> None:
        self.uow = uow
        self.erp = erp
        self.storage = storage
        self.company = company
        self.config = config
        self.history = HistoryService(uow)
        self.printing = ProposalPrinting(uow, storage, company, config)

    # --- reading --------------------------------------------------------------------------------

    def visible(self, query: Select[Any]) -> Select[Any]:
        return Scope(self.uow).proposals(query)

    async def get(self, proposal_id: int) -> Proposal:
        return await Scope(self.uow).proposal(proposal_id)

    async def page(
        self,
        *,
        status: ProposalStatus | None,
        client_id: int | None,
        cursor: str | None,
        limit: int,
        below_cost_pending: bool | None = None,
    ) -> Page[Proposal]:
        query = self.visible(select(Proposal).options(selectinload(Proposal.lines)))
        if status is not None:
            query = query.where(Proposal.status == status)
        if client_id is not None:
            query = query.where(Proposal.client_id == client_id)
        if below_cost_pending is not None:
            waiting = _waiting_for_head()
            query = query.where(waiting if below_cost_pending else ~waiting)
        return await newest_first(self.uow.session, query, Proposal.id, cursor, limit)

    async def links(self, proposal_ids: list[int]) -> dict[int, Links]:
        """The order each proposal became, and that order's invoice."""
        links = {pid: Links(None, None) for pid in proposal_ids}
        if not proposal_ids:
            return links
        rows = await self.uow.session.execute(
            select(Order.proposal_id, Order.id, Invoice.id)
            .outerjoin(Invoice, Invoice.order_id == Order.id)
            .where(Order.proposal_id.in_(proposal_ids))
        )
        for proposal_id, order_id, invoice_id in rows:
            if proposal_id is not None:
                links[proposal_id] = Links(order_id, invoice_id)
        return links

    # --- the request (steps 1–2) ----------------------------------------------------------------

    async def create(self, data: ProposalCreate) -> Proposal:
        """A manager's request becomes a proposal owned by an assistant, with a task due by the
        deadline (a working day; the next one when none is given)."""
        actor = self.uow.actor
        client = await Scope(self.uow).client(data.client_id)
        if data.contact_id is not None:
            await self._contact(client.id, data.contact_id, "contact_id")
        # The requesting manager is the caller unless named (the client's manager when the system asks).
        manager_id = data.manager_id or (actor.id if actor else None) or client.manager_id
        if manager_id is None or await self.uow.session.get(Employee, manager_id) is None:
            raise FieldError("manager_id", "name the manager who asks for the proposal")
        assistant_id = data.assistant_id or client.assistant_id
        if assistant_id is None:
            raise FieldError("assistant_id", "the client has no assistant: name who prepares the proposal")
        if await self.uow.session.get(Employee, assistant_id) is None:
            raise FieldError("assistant_id", f"employee {assistant_id} does not exist")
        markup = self._markup(data.markup_percent, "markup_percent")
        category = data.price_category or self.config.default_price_category
        if category not in await self.erp.price_categories():
            raise FieldError("price_category", "no such price category in 1C")
        now = self.uow.clock.now()
        calendar = self.uow.calendar
        if data.deadline is not None:
            if data.deadline < calendar.local_date(now):
                raise FieldError("deadline", "the deadline is in the past")
            if not calendar.is_working_day(data.deadline):
                raise FieldError("deadline", "the deadline is not a working day")
            due_at = calendar.at(data.deadline, time(18, 0))
        else:
            due_at = calendar.due_after(now, self.config.request_due_working_days)
        proposal = Proposal(
            client_id=client.id,
            contact_id=data.contact_id,
            manager_id=manager_id,
            assistant_id=assistant_id,
            workwear_kind=data.workwear_kind,
            models_count=data.models_count,
            markup_basis_points=markup,
            price_category=category,
            due_at=due_at,
            status=ProposalStatus.DRAFT,
            revision=1,
            comment=data.comment,
            created_at=now,
            updated_at=now,
            lines=[],
        )
        self.uow.session.add(proposal)
        await self.uow.session.flush()
        self.history.record("proposal", proposal.id, "requested", None, snapshot(proposal))
        await TaskService(self.uow).add(
            kind=TaskKind.SEND_DOCUMENT,
            title=f"Подготовить КП №{proposal.id} для {client.name}",
            description=(
                f"{data.workwear_kind}, моделей: {data.models_count}, наценка {data.markup_percent}%."
                + (f"\n{data.comment}" if data.comment else "")
            ),
            assignee_id=assistant_id,
            due_at=due_at,
            subject_type=TaskSubject.PROPOSAL,
            subject_id=proposal.id,
        )
        return proposal

    def _markup(self, percent: Decimal, field: str) -> int:
        if percent < 0:
            raise FieldError(field, "a markup cannot be negative")
        if percent > self.config.max_markup_percent:
            raise FieldError(field, f"a markup above {self.config.max_markup_percent}% is not allowed")
        return int((percent * 100).to_integral_value(rounding=ROUND_HALF_UP))

    async def _contact(self, client_id: int, contact_id: int, field: str) -> ClientContact:
        contact = await self.uow.session.get(ClientContact, contact_id)
        if contact is None or contact.client_id != client_id:
            raise FieldError(field, f"contact {contact_id} is not a contact of the client")
        return contact

    # --- editing (steps 4–15) -------------------------------------------------------------------

    def allow(self, proposal: Proposal, action: str) -> None:
        ACTIONS.check(proposal.status, action)

    async def _editing(self, proposal_id: int, if_match: int | None) -> tuple[Proposal, dict[str, Any]]:
        proposal = await self.get(proposal_id)
        ensure_version(proposal, if_match, "proposal")
        self.allow(proposal, "edit")
        return proposal, self._snapshot(proposal)

    async def _settle(
        self, proposal: Proposal, action: str, before: dict[str, Any], extra: dict[str, Any] | None = None
    ) -> Proposal:
        """After a change: a sent proposal gets a new revision (once until it is sent again); the
        status follows the prices (every line priced → priced, else draft)."""
        before_status = proposal.status
        if proposal.sent_revision is not None and proposal.sent_revision == proposal.revision:
            proposal.revision += 1
        # A line whose below-cost price waits for a head is not priced yet: the proposal stays a draft.
        priced = (
            bool(proposal.lines)
            and all(line.price is not None for line in proposal.lines)
            and not pending_positions(proposal)
        )
        # The entry below is the edit's diff, the status among it: the machine moves, this records.
        ACTIONS.move(proposal, "edit", to=ProposalStatus.PRICED if priced else ProposalStatus.DRAFT)
        touch(proposal, self.uow)
        await self.uow.session.flush()
        after = self._snapshot(proposal)
        changed = [k for k in after if before.get(k) != after[k] and k not in ("updated_at", "version")]
        self.history.record(
            "proposal",
            proposal.id,
            action,
            {"status": before_status.value} | {k: before.get(k) for k in changed},
            {"status": proposal.status.value} | {k: after[k] for k in changed} | (extra or {}),
        )
        return proposal

    async def update(self, proposal_id: int, data: ProposalUpdate, if_match: int | None) -> Proposal:
        """Change the request's terms; a new markup reprices every line priced by markup."""
        proposal, before = await self._editing(proposal_id, if_match)
        fields = data.model_dump(exclude_unset=True)
        if "contact_id" in fields and data.contact_id is not None:
            await self._contact(proposal.client_id, data.contact_id, "contact_id")
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if data.valid_until is not None and data.valid_until < today:
            raise FieldError("valid_until", "the validity date is in the past")
        if "markup_percent" in fields:
            if data.markup_percent is None:
                raise FieldError("markup_percent", "a markup is required")
            proposal.markup_basis_points = self._markup(data.markup_percent, "markup_percent")
            for line in proposal.lines:
                if line.price_source == PriceSource.MARKUP and line.purchase_price is not None:
                    line.price = markup_price(
                        line.purchase_price, proposal.markup_basis_points, self.company.price_rounding
                    )
        for key in ("contact_id", "workwear_kind", "models_count", "valid_until", "comment"):
            if key in fields:
                if key in ("workwear_kind", "models_count") and fields[key] is None:
                    raise FieldError(key, "cannot be emptied")
                setattr(proposal, key, fields[key])
        return await self._settle(proposal, "updated", before)

    async def add_line(self, proposal_id: int, data: ProposalLineIn, if_match: int | None) -> Proposal:
        """A catalogue item (its 1C price of the proposal's category, which already includes the
        markup) or a non-standard position (priced from supply's purchase price plus the markup)."""
        proposal, before = await self._editing(proposal_id, if_match)
        if len(proposal.lines) >= 200:
            raise FieldError("position", "a proposal has at most 200 lines")
        line = ProposalLine(
            position=max((x.position for x in proposal.lines), default=0) + 1,
            quantity=data.quantity,
            description=data.description,
            reminders=0,
        )
        if data.product_id is not None:
            product = await self.erp.get_product(data.product_id)
            if product is None:
                raise FieldError("product_id", "no such item in the 1C catalogue")
            line.product_id = product.id
            line.nonstandard = False
            line.name = data.name or product.name
            line.unit = product.unit
            line.purchase_price = product.purchase_price
            catalogue = next((p.price for p in product.prices if p.category == proposal.price_category), None)
            if data.price is not None:
                line.price, line.price_source = data.price, PriceSource.MANUAL
            elif catalogue is not None:
                line.price, line.price_source = catalogue, PriceSource.CATALOGUE
            else:
                line.price = markup_price(
                    product.purchase_price, proposal.markup_basis_points, self.company.price_rounding
                )
                line.price_source = PriceSource.MARKUP
        else:
            assert data.name is not None  # the schema requires a name without a product
            line.nonstandard = True
            line.name = data.name
            line.unit = "шт"
            if data.purchase_price is not None:
                line.purchase_price = data.purchase_price
                if data.price is not None:
                    line.price, line.price_source = data.price, PriceSource.MANUAL
                else:
                    line.price = markup_price(
                        data.purchase_price, proposal.markup_basis_points, self.company.price_rounding
                    )
                    line.price_source = PriceSource.MARKUP
            elif data.price is not None:
                raise FieldError(
                    "price",
                    "a non-standard position is priced from its purchase price: give purchase_price, "
                    "or leave both out to ask supply",
                )
        proposal.lines.append(line)
        await self.uow.session.flush()
        if line.nonstandard and line.purchase_price is None:
            await self._request_price(proposal, line)
        return await self._settle(proposal, "line_added", before)

    async def update_line(
        self, proposal_id: int, position: int, data: ProposalLineUpdate, if_match: int | None
    ) -> Proposal:
        """A price given by hand below the purchase price is kept as asked and waits for a head's
        approval (approve-below-cost or reject-below-cost); until then the proposal stays a draft."""
        proposal, before = await self._editing(proposal_id, if_match)
        line = self._line(proposal, position)
        fields = data.model_dump(exclude_unset=True)
        for key in ("name", "quantity"):
            if key in fields and fields[key] is None:
                raise FieldError(key, "cannot be emptied")
        if "name" in fields:
            line.name = fields["name"]
        if "description" in fields:
            line.description = fields["description"]
        if "quantity" in fields:
            line.quantity = fields["quantity"]
        if "price" in fields:
            if data.price is None:
                raise FieldError("price", "cannot be emptied")
            if line.nonstandard and line.purchase_price is None:
                raise FieldError("price", "the position waits for supply's purchase price")
            line.price, line.price_source = data.price, PriceSource.MANUAL
            line.below_cost_approved_by_id = None
        return await self._settle(proposal, "line_updated", before)

    async def remove_line(self, proposal_id: int, position: int, if_match: int | None) -> Proposal:
        proposal, before = await self._editing(proposal_id, if_match)
        line = self._line(proposal, position)
        proposal.lines.remove(line)
        await self.uow.session.flush()
        # Keep positions 1..n: shift those after the removed line down (unique per proposal).
        for other in sorted(proposal.lines, key=lambda x: x.position):
            if other.position > position:
                other.position -= 1
                await self.uow.session.flush()
        return await self._settle(proposal, "line_removed", before)

    def _line(self, proposal: Proposal, position: int) -> ProposalLine:
        for line in proposal.lines:
            if line.position == position:
                return line
        raise NotFound("proposal line", position)

    async def set_photo(
        self, proposal_id: int, position: int, content: bytes, if_match: int | None, crop: Crop | None = None
    ) -> Proposal:
        """The line's photo (steps 3, 8–9): a JPEG, PNG or WebP of bounded size, told by its content;
        the document prints the ``crop`` square of it when one is given, else the whole picture.

        Pictures are stored under their content hash before anything is written to the database: a
        refused change leaves at most an unreferenced file, never a row pointing at nothing."""
        image = check_image(content, self.config.max_photo_bytes, "file")
        if crop is not None:
            check_crop(image, crop)
        printable = await asyncio.to_thread(print_copy, image, crop)
        print_key = image.print_key_of(crop)
        await self.storage.put(image.key, image.content, image.content_type)
        await self.storage.put(print_key, printable, "image/jpeg")
        proposal, before = await self._editing(proposal_id, if_match)
        line = self._line(proposal, position)
        line.photo_key, line.photo_print_key = image.key, print_key
        if line.nonstandard and line.purchase_price is None and line.price_requested_at is not None:
            # Supply finds the item by its photo: it follows the open price request to the chat.
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel=SUPPLY_CHANNEL,
                recipient="",
                body=f"Фото к запросу цены: КП №{proposal.id}, позиция {line.position}: {line.name}",
                payload={
                    "document": {
                        "kind": "stored_file",
                        "key": image.key,
                        "filename": f"kp{proposal.id}-{line.position}.{image.extension}",
                    }
                },
                dedupe_key=f"proposal-price-photo:{line.id}:{image.digest}",
                about=(MessageAbout.PROPOSAL, proposal.id),
            )
        return await self._settle(proposal, "photo_set", before)

    async def photo(self, proposal_id: int, position: int, printed: bool = False) -> tuple[bytes, str]:
        """The line's photo as uploaded, or (``printed``) the copy the document prints."""
        proposal = await self.get(proposal_id)
        line = self._line(proposal, position)
        key = line.photo_print_key if printed else line.photo_key
        stored = await self.storage.get(key) if key else None
        if stored is None:
            raise NotFound("photo of line", position)
        return stored.content, stored.content_type

    # --- non-standard positions: supply's price (step 14) ---------------------------------------

    async def _request_price(self, proposal: Proposal, line: ProposalLine) -> None:
        line.price_requested_at = self.uow.clock.now()
        text = (
            f"Запрос цены для КП №{proposal.id}, позиция {line.position}: {line.name}"
            + (f" — {line.description}" if line.description else "")
            + f". Количество: {line.quantity} {line.unit}. "
            f"Ответьте закупочной ценой в Помощнике (КП №{proposal.id}, позиция {line.position})."
        )
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=SUPPLY_CHANNEL,
            recipient="",
            body=text,
            dedupe_key=f"proposal-price-request:{line.id}",
            about=(MessageAbout.PROPOSAL, proposal.id),
        )

    async def price_requests(self, cursor: str | None, limit: int) -> Page[PriceRequest]:
        """Supply's queue (step 14): the non-standard positions of open proposals still waiting for
        their purchase price, the longest waiting first, so those past the reminder's hours (overdue)
        come before the rest."""
        # Three columns, which the scope's one-column signature does not spell.
        query = self.visible(
            cast("Select[Any]", select(ProposalLine, Proposal, Client.name))
            .join(Proposal, Proposal.id == ProposalLine.proposal_id)
            .join(Client, Client.id == Proposal.client_id)
            .where(
                ProposalLine.nonstandard.is_(True),
                ProposalLine.purchase_price.is_(None),
                ProposalLine.price_requested_at.is_not(None),
                Proposal.status.in_(EDITABLE),
            )
        )
        if cursor is not None:
            asked_text, after_id = decode_cursor(cursor, [str, int])
            try:
                asked = datetime.fromisoformat(asked_text)
            except ValueError:
                raise FieldError("cursor", "is not a cursor returned by this list") from None
            query = query.where(
                or_(
                    ProposalLine.price_requested_at > asked,
                    and_(ProposalLine.price_requested_at == asked, ProposalLine.id > after_id),
                )
            )
        rows = (
            await self.uow.session.execute(
                query.order_by(ProposalLine.price_requested_at, ProposalLine.id).limit(limit + 1)
            )
        ).all()
        now = self.uow.clock.now()
        wait = timedelta(hours=self.config.supply_reminder_hours)
        found = []
        for line, proposal, client_name in rows:
            asked = line.price_requested_at
            assert asked is not None  # selected so
            found.append(PriceRequest(line, proposal, client_name, asked + wait, asked + wait <= now))
        return page_of(found, limit, lambda r: [r.requested_at.isoformat(), r.line.id])

    async def answer_price(
        self, proposal_id: int, position: int, data: PurchasePriceAnswer, if_match: int | None
    ) -> Proposal:
        """Supply's purchase price of a non-standard position: the line is priced with the manager's
        markup and the assistant is told (a task on the proposal)."""
        proposal, before = await self._editing(proposal_id, if_match)
        line = self._line(proposal, position)
        if not line.nonstandard:
            raise FieldError("position", "a catalogue line is priced from 1C, not by supply")
        line.purchase_price = data.purchase_price
        if line.price_source != PriceSource.MANUAL or line.price is None or line.price < data.purchase_price:
            line.price = markup_price(
                data.purchase_price, proposal.markup_basis_points, self.company.price_rounding
            )
            line.price_source = PriceSource.MARKUP
            line.below_cost_approved_by_id = None
        now = self.uow.clock.now()
        line.price_answered_at = now
        line.price_answered_by_id = self.uow.actor.id if self.uow.actor else None
        await TaskService(self.uow).add(
            kind=TaskKind.CHECK,
            title=f"КП №{proposal.id}: снабжение назвало цену позиции {line.position}",
            description=(
                f"{line.name}: закупочная цена {format_rub(data.purchase_price)} руб., "
                f"цена в КП {format_rub(line.price)} руб." + (f"\n{data.comment}" if data.comment else "")
            ),
            assignee_id=proposal.assistant_id,
            due_at=self.uow.calendar.due_after(now, 0),
            subject_type=TaskSubject.PROPOSAL,
            subject_id=proposal.id,
        )
        return await self._settle(proposal, "price_answered", before)

    async def approve_below_cost(
        self, proposal_id: int, position: int, data: BelowCostApproval, if_match: int | None
    ) -> Proposal:
        """A head's approval to sell a position below its purchase price: the price the line waits
        with, or the head's own ``price``. Never the head's own proposal (one who asked for or
        prepares it), which another head or the director approves."""
        proposal, before = await self._editing(proposal_id, if_match)
        self._head_decides(proposal)
        line = self._line(proposal, position)
        if line.purchase_price is None:
            raise FieldError("position", "the position has no purchase price yet")
        if data.price is None:
            self._waiting(line)
        else:
            line.price, line.price_source = data.price, PriceSource.MANUAL
        line.below_cost_approved_by_id = self.uow.actor.id if self.uow.actor else None
        return await self._settle(
            proposal,
            "below_cost_approved",
            before,
            {"position": position, "price": str(line.price), "reason": data.reason},
        )

    async def reject_below_cost(
        self, proposal_id: int, position: int, data: BelowCostRejection, if_match: int | None
    ) -> Proposal:
        """A head refuses the below-cost price a line waits with: the line needs a price again (the
        proposal is a draft until it has one), the price asked and the reason kept in the history."""
        proposal, before = await self._editing(proposal_id, if_match)
        self._head_decides(proposal)
        line = self._line(proposal, position)
        self._waiting(line)
        asked = line.price
        line.price, line.price_source = None, None
        return await self._settle(
            proposal,
            "below_cost_rejected",
            before,
            {"position": position, "price": str(asked), "reason": data.reason},
        )

    def _head_decides(self, proposal: Proposal) -> None:
        actor = self.uow.actor
        if actor is not None and actor.id in (proposal.manager_id, proposal.assistant_id):
            raise Forbidden(
                "a below-cost price on your own proposal is approved by another head or the director"
            )

    @staticmethod
    def _waiting(line: ProposalLine) -> None:
        if not below_cost_pending(line):
            raise Conflict(
                f"position {line.position} has no price below the purchase price waiting for a head",
                code="not_waiting",
                position=line.position,
            )

    @staticmethod
    def check_nothing_waits(proposal: Proposal) -> None:
        """A proposal goes to the manager or the client only when no below-cost price waits."""
        waiting = pending_positions(proposal)
        if waiting:
            raise Conflict(
                f"positions {', '.join(map(str, waiting))} wait for a head's approval of a price "
                "below the purchase price",
                code="below_cost_pending",
                positions=waiting,
            )

    async def remind_supply(self, batch: int) -> int:
        """Price requests unanswered for the configured hours remind the chat again (the sweep);
        each reminder is recorded on the line, so a second run finds nothing due."""
        now = self.uow.clock.now()
        cutoff = now - timedelta(hours=self.config.supply_reminder_hours)
        rows = (
            await self.uow.session.execute(
                select(ProposalLine, Proposal.id)
                .join(Proposal, Proposal.id == ProposalLine.proposal_id)
                .where(
                    ProposalLine.nonstandard.is_(True),
                    ProposalLine.purchase_price.is_(None),
                    ProposalLine.price_requested_at.is_not(None),
                    func.coalesce(ProposalLine.price_reminded_at, ProposalLine.price_requested_at) <= cutoff,
                    Proposal.status.in_(EDITABLE),
                )
                .order_by(ProposalLine.id)
                .limit(batch)
            )
        ).all()
        for line, proposal_id in rows:
            asked = line.price_requested_at
            assert asked is not None  # selected so
            line.reminders += 1
            line.price_reminded_at = now
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel=SUPPLY_CHANNEL,
                recipient="",
                body=(
                    f"Напоминание: нужна закупочная цена для КП №{proposal_id}, позиция {line.position}: "
                    f"{line.name}, {line.quantity} {line.unit}. Запрос без ответа с "
                    f"{self.uow.calendar.local_date(asked).strftime('%d.%m.%Y')}."
                ),
                dedupe_key=f"proposal-price-reminder:{line.id}:{line.reminders}",
                about=(MessageAbout.PROPOSAL, proposal_id),
            )
            self.history.record("proposal", proposal_id, "supply_reminded", None, {"position": line.position})
        return len(rows)

    # --- transitions and tasks (the journey uses them too) ---------------------------------------

    def _move(self, proposal: Proposal, action: str, payload: dict[str, Any] | None = None) -> None:
        ACTIONS.move(proposal, action, self.history, {"revision": proposal.revision} | (payload or {}))

    async def _close_tasks(self, proposal: Proposal, result: str) -> None:
        await TaskService(self.uow).end_open(TaskSubject.PROPOSAL, proposal.id, TaskStatus.DONE, result)

    @staticmethod
    def _snapshot(proposal: Proposal) -> dict[str, Any]:
        return snapshot(proposal) | {
            "lines": [
                {k: v for k, v in snapshot(line).items() if k not in ("proposal_id",)}
                for line in proposal.lines
            ]
        }


def _waiting_for_head() -> ColumnElement[bool]:
    """The proposal has a line whose below-cost price waits for a head (as `below_cost_pending`)."""
    return exists().where(
        ProposalLine.proposal_id == Proposal.id,
        ProposalLine.price_source == PriceSource.MANUAL,
        ProposalLine.price < ProposalLine.purchase_price,
        ProposalLine.below_cost_approved_by_id.is_(None),
    )
