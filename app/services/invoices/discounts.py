"""Management's approval of an invoice's discounts (regulation, process 4: «Предоставление отсрочки,
периода, лимита, увеличение скидки производится только по согласованию Руководства компании»).

A line discounted beyond the client's approved discount, or priced below what the goods cost us,
makes the invoice wait for management's word before it goes to the client. Management sees each
line's discount, price, purchase price and margin; nobody approves their own invoice's discount."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time
from decimal import Decimal
from typing import Any

from app.core.errors import Conflict, Forbidden, InvalidTransition
from app.models.clients import Client
from app.models.directory import Employee
from app.models.invoices import DiscountApproval, Invoice, InvoiceLine
from app.models.tasks import TaskKind, TaskStatus, TaskSubject
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import TaskService
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService
from app.services.kernel.permissions import management_roles, prices
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub

DECISION_WORKING_DAYS = 1
KOPECK = Decimal("0.01")
# action -> the state it is allowed from, the state it leads to
TRANSITIONS = {
    "approve": (DiscountApproval.PENDING, DiscountApproval.APPROVED),
    "refuse": (DiscountApproval.PENDING, DiscountApproval.REFUSED),
}


# Each decision's endpoint under the invoice (`POST /invoices/{id}/approve-discount`): its name in the
# invoice's `allowed_actions`.
ENDPOINTS = {"approve": "approve-discount", "refuse": "refuse-discount"}
DISCOUNT_DECISIONS = frozenset(ENDPOINTS.values())


def discount_actions(state: DiscountApproval | None) -> list[str]:
    return [ENDPOINTS[action] for action, (source, _) in TRANSITIONS.items() if state == source]


@dataclass(frozen=True)
class LineReview:
    line: InvoiceLine
    beyond_approved: bool
    below_cost: bool

    @property
    def margin(self) -> Decimal | None:
        """Per unit: the price after the discount minus the purchase price."""
        purchase = self.line.purchase_price
        return None if purchase is None else self.line.price - purchase


def approved_discount(client: Client, invoice: Invoice) -> Decimal:
    """The discount the client's approved terms give on the invoice's day of issue (0 without)."""
    in_force = client.terms_from is None or client.terms_from <= invoice.issued_on
    return (client.discount_percent or Decimal(0)) if in_force else Decimal(0)


def review(invoice: Invoice, approved: Decimal) -> list[LineReview]:
    return [
        LineReview(
            line=line,
            beyond_approved=line.discount_percent > approved,
            below_cost=line.purchase_price is not None and line.price < line.purchase_price,
        )
        for line in invoice.lines
    ]


class DiscountApprovalService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.history = HistoryService(uow)

    async def _client(self, invoice: Invoice) -> Client:
        client = await self.uow.session.get(Client, invoice.client_id)
        assert client is not None
        return client

    async def assess(self, invoice: Invoice, *, discounts_changed: bool) -> None:
        """After the invoice is issued or revised: take each line's purchase price from 1C and ask
        management when a line is discounted beyond the client's approved discount or priced below
        its purchase price. An approval stands through a revision that changes no discount."""
        for line in invoice.lines:
            if line.product_id is not None:
                product = await self.erp.get_product(line.product_id)
                line.purchase_price = product.purchase_price if product is not None else None
        client = await self._client(invoice)
        approved = approved_discount(client, invoice)
        flagged = [r for r in review(invoice, approved) if r.beyond_approved or r.below_cost]
        if not flagged:
            if invoice.discount_approval is not None:
                await self._end_task(invoice, TaskStatus.CANCELLED, "скидка больше не требует согласования")
                self.history.record(
                    "invoice",
                    invoice.id,
                    "discount_approval_not_needed",
                    {"discount_approval": invoice.discount_approval.value},
                    {"discount_approval": None},
                )
            invoice.discount_approval = None
            self._clear_decision(invoice)
            return
        if invoice.discount_approval == DiscountApproval.APPROVED and not discounts_changed:
            return
        before = invoice.discount_approval
        invoice.discount_approval = DiscountApproval.PENDING
        invoice.discount_requested_by_id = self.uow.actor.id if self.uow.actor else None
        self._clear_decision(invoice)
        self.history.record(
            "invoice",
            invoice.id,
            "discount_approval_requested",
            {"discount_approval": before.value if before else None},
            {
                "discount_approval": DiscountApproval.PENDING.value,
                "approved_discount_percent": str(approved),
                "lines": [
                    {
                        "position": r.line.position,
                        "discount_percent": str(r.line.discount_percent),
                        "price": str(r.line.price),
                        "below_cost": r.below_cost,
                    }
                    for r in flagged
                ],
            },
        )
        await self._end_task(invoice, TaskStatus.CANCELLED, "запрошено заново по новой редакции счёта")
        await self._ask_management(invoice, client, approved, flagged)

    @staticmethod
    def _clear_decision(invoice: Invoice) -> None:
        invoice.discount_decided_by_id = None
        invoice.discount_decided_at = None
        invoice.discount_comment = None

    def ensure_approved(self, invoice: Invoice, action: str) -> None:
        """The invoice goes to the client (or is taken as approved) only after management approved
        its discounts."""
        state = invoice.discount_approval
        if state in (DiscountApproval.PENDING, DiscountApproval.REFUSED):
            waiting = (
                "waits for management's approval"
                if state == DiscountApproval.PENDING
                else ("was refused by management: revise the discounts")
            )
            raise Conflict(
                f"invoice {invoice.number}: its discount {waiting} before you can {action} it",
                code="discount_not_approved",
                discount_approval=state.value,
            )

    async def decide(
        self, invoice: Invoice, action: str, comment: str | None, if_match: int | None
    ) -> Invoice:
        """Management approves or refuses the invoice's discounts; the one who asked gets a task
        with the answer. Nobody decides their own invoice's discount."""
        ensure_version(invoice, if_match, "invoice")
        source, target = TRANSITIONS[action]
        if invoice.discount_approval != source:
            state = invoice.discount_approval.value if invoice.discount_approval else "not_needed"
            raise InvalidTransition(
                "invoice's discount approval",
                state,
                ENDPOINTS[action],
                discount_actions(invoice.discount_approval),
            )
        actor = self.uow.actor
        if actor is not None and invoice.discount_requested_by_id == actor.id:
            raise Forbidden(
                f"the discount of invoice {invoice.number} is your own: someone else must {action} it",
                code="own_request",
            )
        before = invoice.discount_approval
        invoice.discount_approval = target
        invoice.discount_decided_by_id = actor.id if actor else None
        invoice.discount_decided_at = self.uow.clock.now()
        invoice.discount_comment = comment
        touch(invoice, self.uow)
        self.history.record(
            "invoice",
            invoice.id,
            f"discount_{action}",
            {"discount_approval": before.value if before else None},
            {"discount_approval": target.value, "comment": comment},
        )
        word = "согласована" if target == DiscountApproval.APPROVED else "не согласована"
        await self._end_task(invoice, TaskStatus.DONE, f"скидка {word}")
        if invoice.discount_requested_by_id is not None:
            follow = "можно отправлять клиенту" if target == DiscountApproval.APPROVED else "исправьте скидку"
            await TaskService(self.uow).add(
                kind=TaskKind.OTHER,
                title=f"Скидка по счёту № {invoice.number} {word} руководством: {follow}",
                description=comment,
                assignee_id=invoice.discount_requested_by_id,
                due_at=self.uow.calendar.due_after(self.uow.clock.now(), DECISION_WORKING_DAYS, time(18, 0)),
                subject_type=TaskSubject.INVOICE,
                subject_id=invoice.id,
            )
        await self.uow.session.flush()
        return invoice

    async def view(self, invoice: Invoice, viewer: Employee | None) -> dict[str, Any]:
        """What management decides on: each line's discount against the client's approved one,
        and, for those who price, its purchase price and margin."""
        client = await self._client(invoice)
        approved = approved_discount(client, invoice)
        shows_cost = viewer is not None and prices(viewer)
        reviews = review(invoice, approved)
        lines: list[dict[str, Any]] = []
        margins: list[Decimal | None] = []
        for r in reviews:
            margin = r.margin if shows_cost else None
            margin_total = None if margin is None else margin * r.line.quantity
            margins.append(margin_total)
            lines.append(
                {
                    "position": r.line.position,
                    "name": r.line.name,
                    "quantity": r.line.quantity,
                    "unit_price": r.line.unit_price,
                    "discount_percent": r.line.discount_percent,
                    "price": r.line.price,
                    "amount": r.line.amount,
                    "purchase_price": r.line.purchase_price if shows_cost else None,
                    "margin": margin,
                    "margin_total": margin_total,
                    "beyond_approved_discount": r.beyond_approved,
                    "below_cost": r.below_cost,
                }
            )
        known = [m for m in margins if m is not None]
        total_margin = sum(known, Decimal(0)) if margins and len(known) == len(margins) else None
        percent = (
            (total_margin * 100 / invoice.total).quantize(KOPECK)
            if total_margin is not None and invoice.total
            else None
        )
        state = invoice.discount_approval
        return {
            "invoice_id": invoice.id,
            "number": invoice.number,
            "client_id": invoice.client_id,
            "status": state.value if state else "not_needed",
            "allowed_actions": discount_actions(state),
            "approved_discount_percent": approved,
            "total": invoice.total,
            "margin_total": total_margin,
            "margin_percent": percent,
            "requested_by_id": invoice.discount_requested_by_id,
            "decided_by_id": invoice.discount_decided_by_id,
            "decided_at": invoice.discount_decided_at,
            "comment": invoice.discount_comment,
            "lines": lines,
        }

    async def _ask_management(
        self, invoice: Invoice, client: Client, approved: Decimal, flagged: list[LineReview]
    ) -> None:
        # Not to whoever asked: nobody decides their own discount.
        assignee = await first_active_with_role(
            self.uow, *management_roles(), excluding=invoice.discount_requested_by_id
        )
        if assignee is None:
            return
        described = "; ".join(
            f"поз. {r.line.position}: скидка {r.line.discount_percent} %, цена {format_rub(r.line.price)}"
            + (" — ниже закупочной" if r.below_cost else "")
            for r in flagged
        )
        await TaskService(self.uow).add(
            kind=TaskKind.CHECK,
            title=f"Согласовать скидку по счёту № {invoice.number} («{client.name}»)",
            description=f"Одобренная скидка клиента: {approved} %. {described}",
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), DECISION_WORKING_DAYS, time(18, 0)),
            subject_type=TaskSubject.INVOICE,
            subject_id=invoice.id,
        )

    async def _end_task(self, invoice: Invoice, status: TaskStatus, result: str) -> None:
        await TaskService(self.uow).end_open(
            TaskSubject.INVOICE, invoice.id, status, result, kind=TaskKind.CHECK
        )
