"""Invoices from accepted orders (regulation, process 1, step 3: "create the invoice from the order").

Prices come from the 1C price list of each line's price category; VAT from the dated rate table;
totals are exact to the kopeck; numbers run without gaps within a year.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.calendar import BusinessCalendar
from app.core.config import CompanySettings
from app.core.errors import Conflict, FieldError
from app.models.clients import Client, ClientContact
from app.models.invoices import (
    DiscountApproval,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoiceRevision,
    InvoiceStatus,
)
from app.models.orders import Order
from app.models.outbox import MessageAbout, OutboundKind
from app.models.requisitions import Requisition, RequisitionStatus
from app.models.specs import Spec, SpecStatus
from app.models.tasks import TaskSubject
from app.services.directory.onec_refusals import refused
from app.services.documents.company import CompanyRequisites
from app.services.documents.invoice import (
    BuyerRequisites,
    build_invoice_view,
    render_invoice_pdf,
)
from app.services.invoices.discounts import DiscountApprovalService, discount_actions
from app.services.invoices.numbering import format_invoice_number
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.jobs import JobKind
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.ports import Erp, ErpInvoice, ErpInvoiceLine
from app.services.kernel.scope import Scope
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub, item_title
from app.services.money.totals import InvoiceTotals, LineInput, compute_totals
from app.services.money.vat import VatSchedule
from app.services.orders.requisitions import RequisitionService
from app.services.orders.service import OrderService

# The invoice's own state machine: action -> (states it is allowed from, state it leads to).
INVOICE_TRANSITIONS: dict[str, tuple[frozenset[InvoiceStatus], InvoiceStatus]] = {
    "send": (
        frozenset({InvoiceStatus.ISSUED, InvoiceStatus.SENT_FOR_APPROVAL}),
        InvoiceStatus.SENT_FOR_APPROVAL,
    ),
    "request_changes": (frozenset({InvoiceStatus.SENT_FOR_APPROVAL}), InvoiceStatus.REVISION_REQUESTED),
    "revise": (frozenset({InvoiceStatus.ISSUED, InvoiceStatus.REVISION_REQUESTED}), InvoiceStatus.ISSUED),
    "approve": (frozenset({InvoiceStatus.SENT_FOR_APPROVAL}), InvoiceStatus.APPROVED),
    # With its order (OrderCancellation): the number stays taken, and it is never chased as a debt.
    "cancel": (frozenset(InvoiceStatus) - {InvoiceStatus.CANCELLED}, InvoiceStatus.CANCELLED),
}


ACTIONS = StateMachine(
    "invoice",
    INVOICE_TRANSITIONS,
    {"request_changes": "request-changes", "cancel": None},
    kind="invoice",
)


def invoice_actions(status: InvoiceStatus) -> list[str]:
    return ACTIONS.allowed(status)


def actions_of(invoice: Invoice) -> list[str]:
    """The state's actions, but no sending while management has not approved the discounts; and
    management's decisions while the discounts wait for them."""
    waiting = invoice.discount_approval in (DiscountApproval.PENDING, DiscountApproval.REFUSED)
    actions = [a for a in invoice_actions(invoice.status) if not (waiting and a in ("send", "approve"))]
    return actions + discount_actions(invoice.discount_approval)


def _line_name(name: str, model: str | None, color: str | None, size: str | None, height: str | None) -> str:
    """The invoice line's name with what the order required; the bare name when that would not fit
    the line's column (the order line's name fits it alone)."""
    title = item_title(name, model, color, size, height)
    return title if len(title) <= LINE_NAME_LENGTH else name


@dataclass(frozen=True)
class LineChange:
    position: int
    quantity: int | None = None
    discount_percent: Decimal | None = None


REGISTER_JOB = JobKind("register_invoice", "invoice-1c")
REGISTER_RETRY_AFTER = timedelta(minutes=2)
UPD_JOB = JobKind("issue_invoice_upd", "invoice-upd")
LINE_NAME_LENGTH = 300  # invoice_lines.name, as order_lines.name


def _terms_in_force(client: Client, day: date) -> bool:
    return client.terms_from is None or client.terms_from <= day


def deferment_on(client: Client, issued_on: date) -> int | None:
    """The client's approved deferment (calendar days) when its terms apply on the day of issue."""
    return client.deferment_days if _terms_in_force(client, issued_on) else None


def due_after_shipment(shipped_on: date, deferment_days: int, calendar: BusinessCalendar) -> date:
    """A deferment runs from the shipment (the УПД date): ``deferment_days`` calendar days later,
    a day off moved to the next working day (Civil Code art. 193)."""
    return calendar.next_working_day(shipped_on + timedelta(days=deferment_days))


async def record_shipment(uow: UnitOfWork, order_id: int, shipped_on: date) -> Invoice | None:
    """The order's goods left (regulation, process 1, step 12, with the УПД): its invoice becomes a
    debt from this day, and an invoice on a deferment is due ``deferment_days`` after it."""
    invoice: Invoice | None = await uow.session.scalar(select(Invoice).where(Invoice.order_id == order_id))
    if invoice is None or invoice.shipped_on is not None:
        return invoice
    invoice.shipped_on = shipped_on
    if invoice.deferment_days is not None:
        invoice.due_on = due_after_shipment(shipped_on, invoice.deferment_days, uow.calendar)
    touch(invoice, uow)
    # The УПД goes with the goods: the worker has 1C make it (the sweep retries what failed).
    uow.after_commit(UPD_JOB, invoice.id)
    HistoryService(uow).record(
        "invoice",
        invoice.id,
        "shipped",
        None,
        {
            "shipped_on": shipped_on.isoformat(),
            "due_on": invoice.due_on.isoformat() if invoice.due_on else None,
        },
    )
    return invoice


class InvoiceService:
    def __init__(
        self, uow: UnitOfWork, erp: Erp, company: CompanySettings, vat: VatSchedule | None = None
    ) -> None:
        self.uow = uow
        self.erp = erp
        self.company = company
        self.vat = vat or VatSchedule.from_rows(list(company.vat_rates.items()))
        self.history = HistoryService(uow)

    async def get(self, invoice_id: int) -> Invoice:
        return await Scope(self.uow).invoice(invoice_id)

    async def page(self, *, client_id: int | None, cursor: str | None, limit: int) -> Page[Invoice]:
        query = Scope(self.uow).invoices(select(Invoice).options(selectinload(Invoice.lines)))
        if client_id is not None:
            query = query.where(Invoice.client_id == client_id)
        return await newest_first(self.uow.session, query, Invoice.id, cursor, limit)

    async def create_from_order(
        self, order_id: int, if_match: int | None, discounts: dict[int, Decimal] | None = None
    ) -> Invoice:
        orders = OrderService(self.uow, self.erp)
        order = await orders.get(order_id)
        ensure_version(order, if_match, "order")
        orders.allow(order, "invoice")
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        if client is None:
            raise FieldError("client_id", "the order has no client")
        inputs, details = await self._price_lines(order)
        discounts = discounts or {}
        for index, position in enumerate(discounts):
            if not 1 <= position <= len(inputs):
                raise FieldError(f"discounts.{index}.position", f"the order has no line {position}")
        today = self.uow.calendar.local_date(self.uow.clock.now())
        # The client's approved discount, unless a line was agreed otherwise.
        standing = client.discount_percent if _terms_in_force(client, today) else None
        inputs = [
            replace(line, discount_percent=discounts.get(i + 1, standing or line.discount_percent))
            for i, line in enumerate(inputs)
        ]
        totals = compute_totals(inputs, self.vat.rate_on(today))
        seq = await self._next_seq(today.year)
        now = self.uow.clock.now()
        invoice = Invoice(
            number=format_invoice_number(today.year, seq),
            year=today.year,
            seq=seq,
            order_id=order.id,
            client_id=client.id,
            issued_on=today,
            due_on=self.due_date(client, today),
            deferment_days=deferment_on(client, today),
            vat_rate=int(totals.vat_rate),
            total=totals.total,
            vat_total=totals.vat_total,
            status=InvoiceStatus.ISSUED,
            created_at=now,
            updated_at=now,
            lines=[
                InvoiceLine(
                    position=i + 1,
                    product_id=detail["product_id"],
                    name=line.name,
                    unit=line.unit,
                    price_category=detail["price_category"],
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    discount_basis_points=int(inputs[i].discount_percent * 100),
                    price=line.price,
                    amount=line.amount,
                    vat_amount=line.vat_amount,
                )
                for i, (line, detail) in enumerate(zip(totals.lines, details, strict=True))
            ],
        )
        self.uow.session.add(invoice)
        await self.uow.session.flush()
        self._keep_revision(invoice, reason=None)
        orders.move(order, "invoice", {"invoice_id": invoice.id, "number": invoice.number})
        # "Create the invoice (in 1C)": the worker registers it through the 1C port after the commit.
        self.uow.after_commit(REGISTER_JOB, invoice.id)
        await self.uow.session.flush()
        self.history.record(
            "invoice",
            invoice.id,
            "issued",
            None,
            snapshot(invoice) | {"lines": [snapshot(x) for x in invoice.lines]},
        )
        if await self._spec(order.id) is not None:
            # A workshop spec's invoice is entered «procure separately»: in the book at once.
            await RequisitionService(self.uow, self.erp).book_invoice(order, invoice)
        # A discount beyond the client's approved one, or a price below cost: management decides.
        await DiscountApprovalService(self.uow, self.erp).assess(invoice, discounts_changed=True)
        await self.uow.session.flush()
        return invoice

    def _keep_revision(self, invoice: Invoice, reason: str | None) -> None:
        self.uow.session.add(
            InvoiceRevision(
                invoice_id=invoice.id,
                revision=invoice.revision,
                reason=reason,
                lines=[
                    {
                        "position": x.position,
                        "name": x.name,
                        "quantity": x.quantity,
                        "unit_price": str(x.unit_price),
                        "discount_percent": str(Decimal(x.discount_basis_points) / 100),
                        "price": str(x.price),
                        "amount": str(x.amount),
                    }
                    for x in invoice.lines
                ],
                total=invoice.total,
                vat_total=invoice.vat_total,
                created_at=self.uow.clock.now(),
            )
        )

    # --- approval by the client (regulation, process 1, step 4) ----------------------------------

    def _invoice_allow(self, invoice: Invoice, action: str) -> None:
        ACTIONS.check(invoice.status, action)

    async def _transition(
        self, invoice: Invoice, action: str, order_action: str, if_match: int | None, payload: dict[str, Any]
    ) -> Invoice:
        ensure_version(invoice, if_match, "invoice")
        self._invoice_allow(invoice, action)
        orders = OrderService(self.uow, self.erp)
        order = await orders.get(invoice.order_id)
        orders.move(order, order_action, {"invoice_id": invoice.id} | payload)
        ACTIONS.move(invoice, action, self.history, payload)
        return invoice

    def cancel_with_order(self, invoice: Invoice, reason: str) -> InvoiceStatus:
        """The order is cancelled, and its invoice with it. Returns the state it left."""
        return ACTIONS.move(invoice, "cancel", self.history, {"reason": reason})

    async def send_for_approval(
        self, invoice_id: int, to: str | None, note: str | None, if_match: int | None
    ) -> Invoice:
        """Email the invoice (the worker attaches the PDF) to the client for approval."""
        invoice = await self.get(invoice_id)
        await self._checked_by_manager(invoice)
        DiscountApprovalService(self.uow, self.erp).ensure_approved(invoice, "send")
        recipient = to or await self._client_email(invoice.client_id)
        await self._transition(invoice, "send", "send_for_approval", if_match, {"to": recipient})
        invoice.sent_to = recipient
        date_text = invoice.issued_on.strftime("%d.%m.%Y")
        body = (
            "Добрый день!\n\n"
            f"Направляем счёт на оплату № {invoice.number} от {date_text} "
            f"на сумму {format_rub(invoice.total)} руб. "
            f"(в т.ч. НДС {invoice.vat_rate}%). Просим проверить счёт и подтвердить его ответным письмом.\n"
            + (f"\n{note}\n" if note else "")
            + f"\nС уважением,\n{self.company.name}"
        )
        await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=recipient,
            subject=f"Счёт на оплату № {invoice.number} от {date_text}",
            body=body,
            payload={"attachments": [{"kind": "invoice_pdf", "invoice_id": invoice.id}]},
            dedupe_key=f"invoice-sent:{invoice.id}:{invoice.revision}:{recipient.lower()}",
            about=(MessageAbout.INVOICE, invoice.id),
        )
        await self.uow.session.flush()
        return invoice

    async def _checked_by_manager(self, invoice: Invoice) -> None:
        """The invoice of a workshop spec goes to the client only after the manager checked it
        (regulation, process 3, steps 4–5)."""
        spec = await self._spec(invoice.order_id)
        if spec is not None and spec.status in (SpecStatus.RECEIVED, SpecStatus.INVOICE_WITH_MANAGER):
            raise Conflict(
                f"the invoice is for workshop spec {spec.id}: "
                "the manager checks it before the client gets it",
                code="invoice_not_checked",
            )

    async def _spec(self, order_id: int) -> Spec | None:
        spec: Spec | None = await self.uow.session.scalar(
            select(Spec).where(Spec.order_id == order_id, Spec.status != SpecStatus.CANCELLED)
        )
        return spec

    async def _client_email(self, client_id: int) -> str:
        contacts = (
            await self.uow.session.scalars(
                select(ClientContact).where(ClientContact.client_id == client_id).order_by(ClientContact.id)
            )
        ).all()
        for contact in contacts:
            if contact.emails:
                return str(contact.emails[0])
        raise FieldError("email", "the client has no contact with an email: give the address to send to")

    async def request_changes(self, invoice_id: int, comment: str, if_match: int | None) -> Invoice:
        """The client did not approve: what they want changed is recorded."""
        invoice = await self.get(invoice_id)
        await self._transition(invoice, "request_changes", "request_revision", if_match, {"comment": comment})
        invoice.client_comment = comment
        await self.uow.session.flush()
        return invoice

    async def revise(
        self, invoice_id: int, changes: list[LineChange], reason: str, if_match: int | None
    ) -> Invoice:
        """Change the invoice as the client asked; every previous revision is kept for comparison.
        The order's lines take the agreed quantities (fulfilment, the warehouse's file and the
        morning check read them), and the worker writes the revision to 1C after the commit."""
        invoice = await self.get(invoice_id)
        ensure_version(invoice, if_match, "invoice")
        self._invoice_allow(invoice, "revise")
        order = await OrderService(self.uow, self.erp).get(invoice.order_id)
        by_position = {line.position: line for line in invoice.lines}
        quantities: dict[str, dict[str, int]] = {}
        for index, change in enumerate(changes):
            line = by_position.get(change.position)
            if line is None:
                raise FieldError(f"lines.{index}.position", f"the invoice has no line {change.position}")
            if change.quantity is not None:
                # At least 1, as the request's schema has it: a revision changes a line, it does not
                # drop one (1C refuses to reserve or requisition 0, and the warehouse would get it).
                if change.quantity < 1:
                    raise FieldError(f"lines.{index}.quantity", "a line keeps a quantity of at least 1")
                # Invoice line n was made from the order's n-th line (create_from_order).
                ordered = order.lines[line.position - 1]
                if ordered.quantity != change.quantity:
                    quantities[str(line.position)] = {"before": ordered.quantity, "after": change.quantity}
                line.quantity = ordered.quantity = change.quantity
                booked = await self.uow.session.scalar(
                    select(Requisition).where(
                        Requisition.order_line_id == ordered.id,
                        Requisition.status == RequisitionStatus.REQUESTED,
                    )
                )
                if booked is not None:  # a spec's line, in the book before the client approved
                    booked.quantity = change.quantity
                    touch(booked, self.uow)
            if change.discount_percent is not None:
                line.discount_basis_points = int(change.discount_percent * 100)
        totals = self._totals(invoice)
        for line, total in zip(invoice.lines, totals.lines, strict=True):
            line.price, line.amount, line.vat_amount = total.price, total.amount, total.vat_amount
        invoice.total, invoice.vat_total = totals.total, totals.vat_total
        invoice.revision += 1
        # The order's history keeps the quantities the revision changed on its lines.
        payload = {"revision": invoice.revision, "reason": reason, "quantities": quantities}
        await self._transition(invoice, "revise", "revise", None, payload)
        await self.uow.session.flush()
        self._keep_revision(invoice, reason)
        discounted = any(c.discount_percent is not None for c in changes)
        await DiscountApprovalService(self.uow, self.erp).assess(invoice, discounts_changed=discounted)
        if invoice.onec_id is not None:
            self.request_revision(invoice)
        # Else 1C gets the invoice as it stands when the worker registers it (record_registration).
        return invoice

    async def approve(self, invoice_id: int, comment: str | None, if_match: int | None) -> Invoice:
        """The client approved the invoice: the order goes on to fulfilment."""
        invoice = await self.get(invoice_id)
        DiscountApprovalService(self.uow, self.erp).ensure_approved(invoice, "approve")
        await self._transition(invoice, "approve", "approve", if_match, {"comment": comment})
        invoice.approved_at = self.uow.clock.now()
        if comment:
            invoice.client_comment = comment
        await self.uow.session.flush()
        return invoice

    async def revisions(self, invoice_id: int) -> list[InvoiceRevision]:
        await self.get(invoice_id)
        rows = await self.uow.session.scalars(
            select(InvoiceRevision)
            .where(InvoiceRevision.invoice_id == invoice_id)
            .order_by(InvoiceRevision.revision)
        )
        return list(rows)

    def due_date(self, client: Client, issued_on: date) -> date | None:
        """Payment in advance: the company's default term, in working days from the day of issue.
        On the client's approved deferment (its terms in force on the day of issue) nothing is due
        until the goods are shipped: the due date is set by the shipment (``due_after_shipment``)."""
        if deferment_on(client, issued_on) is not None:
            return None
        return self.uow.calendar.add_working_days(issued_on, self.company.invoice_payment_working_days)

    async def compare(self, invoice_id: int, older: int, newer: int) -> dict[str, Any]:
        """What changed between two revisions, line by line (matched by position)."""
        by_number = {r.revision: r for r in await self.revisions(invoice_id)}
        for field, number in (("from", older), ("to", newer)):
            if number not in by_number:
                raise FieldError(field, f"the invoice has no revision {number} (it has {sorted(by_number)})")
        before, after = by_number[older], by_number[newer]
        old_lines = {int(x["position"]): x for x in before.lines}
        new_lines = {int(x["position"]): x for x in after.lines}
        compared: list[dict[str, Any]] = []
        for position in sorted(old_lines.keys() | new_lines.keys()):
            old, new = old_lines.get(position), new_lines.get(position)
            keys = ("quantity", "unit_price", "discount_percent", "price", "amount")
            fields = {
                key: {"before": (old or {}).get(key), "after": (new or {}).get(key)}
                for key in keys
                if (old or {}).get(key) != (new or {}).get(key)
            }
            change = "added" if old is None else "removed" if new is None else "changed" if fields else "same"
            name = str((new or old or {}).get("name", ""))
            compared.append({"position": position, "name": name, "change": change, "fields": fields})
        return {
            "invoice_id": invoice_id,
            "from_revision": older,
            "to_revision": newer,
            "reason": after.reason,
            "lines": compared,
            "total": {"before": before.total, "after": after.total},
            "vat_total": {"before": before.vat_total, "after": after.vat_total},
        }

    @staticmethod
    def _totals(invoice: Invoice) -> InvoiceTotals:
        """The invoice's totals from its lines as they stand (discounts of a revision included)."""
        return compute_totals(
            [
                LineInput(x.name, x.unit, x.quantity, x.unit_price, Decimal(x.discount_basis_points) / 100)
                for x in invoice.lines
            ],
            Decimal(invoice.vat_rate),
        )

    async def _price_lines(self, order: Order) -> tuple[list[LineInput], list[dict[str, Any]]]:
        inputs: list[LineInput] = []
        details: list[dict[str, Any]] = []
        for index, line in enumerate(order.lines):
            field = f"lines.{index}"
            if line.agreed_price is not None:
                # Agreed before the order (an accepted proposal): that price, not the price list.
                title = _line_name(line.name, line.model, line.color, line.size, line.height)
                inputs.append(LineInput(title, line.unit or "шт", line.quantity, line.agreed_price))
                details.append({"product_id": line.product_id, "price_category": line.price_category or "КП"})
                continue
            if line.product_id is None:
                raise FieldError(
                    f"{field}.product_id",
                    "match the line to a 1C catalogue item before invoicing (clarify the order's lines "
                    "with a product_id; the line's suggestions name candidates)",
                )
            product = await self.erp.get_product(line.product_id)
            if product is None:
                raise FieldError(f"{field}.product_id", "the item is no longer in the 1C catalogue")
            price = next((p.price for p in product.prices if p.category == line.price_category), None)
            if price is None:
                raise FieldError(
                    f"{field}.price_category", f"the item has no price in «{line.price_category}»"
                )
            title = _line_name(product.name, product.model, product.color, product.size, product.height)
            inputs.append(LineInput(title, product.unit, line.quantity, price))
            details.append({"product_id": product.id, "price_category": line.price_category})
        return inputs, details

    async def _next_seq(self, year: int) -> int:
        """The next number of the year, taken in this transaction: a rollback gives it back."""
        bump = (
            update(InvoiceCounter)
            .where(InvoiceCounter.year == year)
            .values(last=InvoiceCounter.last + 1)
            .returning(InvoiceCounter.last)
        )
        seq = (await self.uow.session.execute(bump)).scalar_one_or_none()
        if seq is None:
            try:
                async with self.uow.session.begin_nested():
                    await self.uow.session.execute(insert(InvoiceCounter).values(year=year, last=1))
                return 1
            except IntegrityError:  # another transaction opened the year first
                seq = (await self.uow.session.execute(bump)).scalar_one()
        return int(seq)

    async def pdf(self, invoice_id: int) -> tuple[Invoice, bytes]:
        invoice = await self.get(invoice_id)
        return invoice, await self.render_pdf(invoice)

    async def render_pdf(self, invoice: Invoice) -> bytes:
        """The invoice as printed, for whoever may read it (the caller has checked)."""
        client = await self.uow.session.get(Client, invoice.client_id)
        assert client is not None
        company = self.company
        view = build_invoice_view(
            supplier=CompanyRequisites.of(company),
            buyer=BuyerRequisites(
                name=client.name,
                inn=client.inn,
                kpp=client.kpp,
                address=client.legal_address or "",
            ),
            number=invoice.number,
            issued_on=invoice.issued_on,
            due_on=invoice.due_on,
            deferment_days=invoice.deferment_days,
            totals=self._totals(invoice),
            director_name=company.director_name,
            accountant_name=company.accountant_name,
            basis=f"Заявка №{invoice.order_id}",
        )
        # WeasyPrint is CPU work of tens of milliseconds: keep it off the event loop.
        return await self.uow.renderer.render(render_invoice_pdf, view)

    async def unregistered(self, batch: int) -> list[int]:
        """Invoices 1C does not have yet a while after issue, those 1C has but not yet «procure
        separately» a while after their workshop spec was taken, and those 1C has in an earlier
        revision a while after the client's revision (for the sweep)."""
        cutoff = self.uow.clock.now() - REGISTER_RETRY_AFTER
        rows = await self.uow.session.scalars(
            select(Invoice.id)
            .where(
                Invoice.onec_id.is_(None),
                Invoice.created_at <= cutoff,
                ~refused(TaskSubject.INVOICE, Invoice.id),
            )
            .order_by(Invoice.id)
            .limit(batch)
        )
        to_procure = await self.uow.session.scalars(
            select(Invoice.id)
            .join(Spec, Spec.order_id == Invoice.order_id)
            .where(
                Invoice.onec_id.is_not(None),
                Invoice.onec_procure.is_(False),
                Spec.status.notin_((SpecStatus.CANCELLED, SpecStatus.CLOSED)),
                Spec.created_at <= cutoff,
                ~refused(TaskSubject.INVOICE, Invoice.id),
            )
            .order_by(Invoice.id)
            .limit(batch)
        )
        to_revise = await self.uow.session.scalars(
            select(Invoice.id)
            .where(
                # The partial index's predicate, as it is written there.
                Invoice.onec_id.is_not(None),
                Invoice.revision > Invoice.onec_revision,
                Invoice.updated_at <= cutoff,
                ~refused(TaskSubject.INVOICE, Invoice.id),
            )
            .order_by(Invoice.id)
            .limit(batch)
        )
        return list(dict.fromkeys([*rows, *to_procure, *to_revise]))

    async def without_upd(self, batch: int) -> list[int]:
        """Shipped invoices 1C has whose УПД it has not made yet, a while after the shipment (for the
        sweep)."""
        cutoff = self.uow.clock.now() - REGISTER_RETRY_AFTER
        rows = await self.uow.session.scalars(
            select(Invoice.id)
            .where(
                Invoice.shipped_on.is_not(None),
                Invoice.onec_id.is_not(None),
                Invoice.upd_onec_id.is_(None),
                Invoice.status != InvoiceStatus.CANCELLED,
                Invoice.updated_at <= cutoff,
                ~refused(TaskSubject.INVOICE, Invoice.id),
            )
            .order_by(Invoice.id)
            .limit(batch)
        )
        return list(rows)

    async def upd_plan(self, invoice_id: int) -> tuple[str, str | None] | None:
        """The invoice's 1C id to make the УПД for, with the УПД its workshop spec already had made
        (then 1C is not asked again); None when there is nothing to do (yet)."""
        invoice = await self.uow.session.get(Invoice, invoice_id)
        if invoice is None or invoice.shipped_on is None or invoice.onec_id is None:
            return None
        if invoice.upd_onec_id is not None or invoice.status == InvoiceStatus.CANCELLED:
            return None
        spec = await self._spec(invoice.order_id)
        return invoice.onec_id, spec.upd_onec_id if spec is not None else None

    async def record_upd(self, invoice_id: int, upd_id: str) -> None:
        invoice = await self.uow.session.get(Invoice, invoice_id)
        if invoice is None or invoice.upd_onec_id is not None:
            return
        invoice.upd_onec_id = upd_id
        self.history.record("invoice", invoice.id, "upd_in_1c", None, {"upd_onec_id": upd_id})

    async def erp_document(self, invoice_id: int) -> tuple[int, ErpInvoice] | None:
        """The invoice as 1C takes it, with its revision; None when 1C already has it."""
        invoice = await self.get(invoice_id)
        if invoice.onec_id is not None:
            return None
        return invoice.revision, await self._erp_invoice(invoice)

    async def erp_procure_update(self, invoice_id: int) -> tuple[str, int, ErpInvoice] | None:
        """The invoice to write again in 1C with every line «procure separately», with its 1C id and
        revision: a workshop spec was taken for an order whose invoice 1C already had (regulation,
        process 3, step 3). None when there is nothing to do."""
        invoice = await self.get(invoice_id)
        if invoice.onec_id is None or invoice.onec_procure or await self._spec(invoice.order_id) is None:
            return None
        return invoice.onec_id, invoice.revision, await self._erp_invoice(invoice)

    async def erp_revision_update(self, invoice_id: int) -> tuple[str, int, ErpInvoice] | None:
        """The invoice to write again in 1C as the client's revision has it, with its 1C id and
        revision: 1C has an earlier revision (regulation, process 1, step 4). None when 1C has this
        one."""
        invoice = await self.get(invoice_id)
        if invoice.onec_id is None or invoice.revision <= invoice.onec_revision:
            return None
        return invoice.onec_id, invoice.revision, await self._erp_invoice(invoice)

    async def _erp_invoice(self, invoice: Invoice) -> ErpInvoice:
        client = await self.uow.session.get(Client, invoice.client_id)
        assert client is not None
        # A workshop spec's invoice is entered «procure separately»: it lands in the requisition book.
        procure = await self._spec(invoice.order_id) is not None
        return ErpInvoice(
            number=invoice.number,
            date=invoice.issued_on,
            counterparty_id=client.onec_id or client.inn,
            counterparty_name=client.name,
            counterparty_kpp=client.kpp,
            lines=tuple(
                ErpInvoiceLine(
                    product_id=x.product_id,
                    name=x.name,
                    quantity=x.quantity,
                    price=x.price,
                    vat_rate=Decimal(invoice.vat_rate),
                    procure=procure,
                )
                for x in invoice.lines
            ),
        )

    async def record_registration(
        self, invoice_id: int, onec_id: str, revision: int, *, procure: bool = False
    ) -> None:
        invoice = await self.uow.session.get(Invoice, invoice_id)
        if invoice is not None and invoice.onec_id is None:
            invoice.onec_id, invoice.onec_procure, invoice.onec_revision = onec_id, procure, revision
            self.history.record(
                "invoice",
                invoice.id,
                "registered_in_1c",
                None,
                {"onec_id": onec_id, "procure": procure, "revision": revision},
            )
            if not procure and await self._spec(invoice.order_id) is not None:
                # The spec was taken while the invoice was on its way to 1C: write it again.
                self.request_procure(invoice)
            elif revision < invoice.revision:
                # Revised while it was on its way to 1C: the revision is written too.
                self.request_revision(invoice)

    def request_procure(self, invoice: Invoice) -> None:
        """Have the worker write the invoice again in 1C with every line «procure separately»."""
        self.uow.after_commit(REGISTER_JOB, invoice.id, "procure")

    def request_revision(self, invoice: Invoice) -> None:
        """Have the worker write the invoice's current revision to 1C (once for each revision)."""
        self.uow.after_commit(REGISTER_JOB, invoice.id, "revision", invoice.revision)

    async def record_procure(self, invoice_id: int, revision: int) -> None:
        invoice = await self.uow.session.get(Invoice, invoice_id)
        if invoice is not None and not invoice.onec_procure:
            invoice.onec_procure = True
            invoice.onec_revision = max(invoice.onec_revision, revision)
            self.history.record(
                "invoice",
                invoice.id,
                "procure_separately_in_1c",
                None,
                {"onec_id": invoice.onec_id, "revision": revision},
            )

    async def record_revision(self, invoice_id: int, revision: int) -> None:
        invoice = await self.uow.session.get(Invoice, invoice_id)
        if invoice is not None and revision > invoice.onec_revision:
            invoice.onec_revision = revision
            self.history.record(
                "invoice",
                invoice.id,
                "revised_in_1c",
                None,
                {"onec_id": invoice.onec_id, "revision": revision},
            )
