"""The requisition book as supply works it (regulation, process 1, steps 8–10): supply orders the
goods and sets the expected date; the assistant calls the client with it; the arrival is recorded."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from app.core.errors import FieldError, NotFound
from app.models.invoices import Invoice
from app.models.orders import Order, OrderStatus
from app.models.requisitions import Requisition, RequisitionStatus
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.ports import Erp
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.service import OrderService

TRANSITIONS: dict[str, tuple[frozenset[RequisitionStatus], RequisitionStatus]] = {
    "order": (frozenset({RequisitionStatus.REQUESTED}), RequisitionStatus.ORDERED),
    "expect": (
        frozenset({RequisitionStatus.REQUESTED, RequisitionStatus.ORDERED, RequisitionStatus.EXPECTED}),
        RequisitionStatus.EXPECTED,
    ),
    "arrive": (
        frozenset({RequisitionStatus.REQUESTED, RequisitionStatus.ORDERED, RequisitionStatus.EXPECTED}),
        RequisitionStatus.ARRIVED,
    ),
    "cancel": (
        frozenset({RequisitionStatus.REQUESTED, RequisitionStatus.ORDERED, RequisitionStatus.EXPECTED}),
        RequisitionStatus.CANCELLED,
    ),
    # Fulfilment needs a cancelled line again: it is requested anew, for the invoice as it is now.
    "rebook": (frozenset({RequisitionStatus.CANCELLED}), RequisitionStatus.REQUESTED),
}
# "Read the expected delivery dates in the requisition book and tell the client (call)": by the end
# of the next working day after supply gives the date.
CALL_WITH_DATE_WORKING_DAYS = 1


ACTIONS = StateMachine(
    "requisition",
    TRANSITIONS,
    {"order": "ordered", "expect": "expected", "arrive": "arrived", "rebook": None},
    kind="requisition",
    snapshot=snapshot,
)


def allowed_actions(status: RequisitionStatus) -> list[str]:
    return ACTIONS.allowed(status)


class RequisitionService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.history = HistoryService(uow)

    async def get(self, requisition_id: int) -> Requisition:
        requisition = await self.uow.session.get(Requisition, requisition_id)
        if requisition is None:
            raise NotFound("requisition", requisition_id)
        return requisition

    async def page(
        self, *, status: RequisitionStatus | None, order_id: int | None, cursor: str | None, limit: int
    ) -> Page[Requisition]:
        query = select(Requisition)
        if status is not None:
            query = query.where(Requisition.status == status)
        if order_id is not None:
            query = query.where(Requisition.order_id == order_id)
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(Requisition.id > after_id)
        rows = (await self.uow.session.scalars(query.order_by(Requisition.id).limit(limit + 1))).all()
        return page_of(rows, limit, lambda r: [r.id])

    async def _move(
        self, requisition_id: int, action: str, if_match: int | None, **changes: Any
    ) -> Requisition:
        requisition = await self.get(requisition_id)
        ensure_version(requisition, if_match, "requisition")
        await ACTIONS.take(requisition, action, self.history, changes=changes)
        return requisition

    async def book_invoice(self, order: Order, invoice: Invoice) -> list[Requisition]:
        """A workshop spec's invoice is entered «procure separately» and lands in the requisition
        book at once (process 3, step 3: «Ставим обеспечить обособленно и счет автоматически
        попадает в книгу заявок»), so the extract printed for supply (step 8) lists it. Each line of
        the order is booked once; a line already booked, or cancelled in the book, is left as it is
        (fulfilment takes the booked ones and revives a cancelled one it needs)."""
        booked = set(
            (
                await self.uow.session.scalars(
                    select(Requisition.order_line_id).where(Requisition.order_id == order.id)
                )
            ).all()
        )
        today = self.uow.calendar.local_date(self.uow.clock.now())
        now = self.uow.clock.now()
        added = []
        for line in order.lines:
            if line.id in booked:
                continue
            requisition = Requisition(
                order_id=order.id,
                invoice_id=invoice.id,
                order_line_id=line.id,
                product_id=line.product_id,
                name=line.name,
                quantity=line.quantity,
                requested_on=today,
                status=RequisitionStatus.REQUESTED,
                created_at=now,
                updated_at=now,
            )
            self.uow.session.add(requisition)
            added.append(requisition)
        if added:
            await self.uow.session.flush()
            self.history.record(
                "order",
                order.id,
                "booked_in_requisition_book",
                None,
                {"invoice": invoice.number, "requisitions": [r.id for r in added]},
            )
        return added

    async def unbook_invoice(self, order_id: int, reason: str) -> None:
        """The order is no longer procured separately (its workshop spec was cancelled before it
        went to the workshop): what supply has not ordered yet leaves the book."""
        requested = await self.uow.session.scalars(
            select(Requisition.id).where(
                Requisition.order_id == order_id, Requisition.status == RequisitionStatus.REQUESTED
            )
        )
        for requisition_id in list(requested):
            await self._move(requisition_id, "cancel", None, comment=reason)

    def rebook(self, requisition: Requisition, quantity: int, requested_on: date, invoice_id: int) -> None:
        """A cancelled line of the book that fulfilment needs again is requested anew."""
        changes = {
            "comment": None,
            "onec_id": None,
            "quantity": quantity,
            "requested_on": requested_on,
            "invoice_id": invoice_id,
        }
        ACTIONS.move(requisition, "rebook", self.history, changes=changes)

    async def cancel_open(self, order_id: int, comment: str) -> None:
        """The order is cancelled: what supply has not received leaves the book."""
        open_ = await self.uow.session.scalars(
            select(Requisition).where(
                Requisition.order_id == order_id,
                Requisition.status.in_(
                    (RequisitionStatus.REQUESTED, RequisitionStatus.ORDERED, RequisitionStatus.EXPECTED)
                ),
            )
        )
        for requisition in list(open_):
            ACTIONS.move(requisition, "cancel", self.history, changes={"comment": comment})

    async def mark_ordered(
        self, requisition_id: int, comment: str | None, if_match: int | None
    ) -> Requisition:
        return await self._move(requisition_id, "order", if_match, comment=comment)

    async def set_expected(self, requisition_id: int, expected_on: date, if_match: int | None) -> Requisition:
        """Supply gives the date; the assistant gets a call to tell the client."""
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if expected_on < today:
            raise FieldError("expected_on", "is in the past")
        requisition = await self._move(requisition_id, "expect", if_match, expected_on=expected_on)
        order = await self.uow.session.get(Order, requisition.order_id)
        if order is not None:
            await OrderService(self.uow, self.erp).call_task(
                order,
                f"Сообщить клиенту срок поставки по заявке №{requisition.order_id}",
                f"{requisition.name} — {requisition.quantity} шт., ожидается {expected_on:%d.%m.%Y}",
                CALL_WITH_DATE_WORKING_DAYS,
            )
        return requisition

    async def mark_arrived(
        self, requisition_id: int, arrived_on: date | None, if_match: int | None
    ) -> Requisition:
        today = self.uow.calendar.local_date(self.uow.clock.now())
        day = arrived_on or today
        if day > today:
            raise FieldError("arrived_on", "is in the future")
        # The order is ready when the keeper reports it picked, not when its last line arrives.
        return await self._move(requisition_id, "arrive", if_match, arrived_on=day)

    async def cancel(self, requisition_id: int, comment: str, if_match: int | None) -> Requisition:
        """Supply cannot get the goods: the order would wait for them for ever, so the assistant
        gets a call to agree with the client what instead (a replacement on a new invoice, or the
        order cancelled)."""
        requisition = await self._move(requisition_id, "cancel", if_match, comment=comment)
        order = await self.uow.session.get(Order, requisition.order_id)
        if order is not None and order.status != OrderStatus.CANCELLED:
            await OrderService(self.uow, self.erp).call_task(
                order,
                f"Позиция не будет поставлена по заявке №{order.id}",
                f"{requisition.name} — {requisition.quantity} шт.: {comment}. Согласовать с клиентом "
                "замену (новым счётом) или отмену заявки.",
                CALL_WITH_DATE_WORKING_DAYS,
            )
        return requisition
