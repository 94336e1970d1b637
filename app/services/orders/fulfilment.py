"""Fulfilment of an approved invoice, line by line (regulation, process 1, step 5): a line in stock
is reserved; a line not in stock is procured separately and goes into the requisition book."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Select, select

from app.core.errors import FieldError
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Fulfilment, Order, OrderLine, OrderStatus
from app.models.requisitions import Requisition, RequisitionStatus
from app.models.specs import Spec, SpecStatus
from app.models.tasks import TaskSubject
from app.services.directory.onec_refusals import refused
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService
from app.services.kernel.jobs import JobKind
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.requisitions import RequisitionService
from app.services.orders.service import OrderService

SYNC_JOB = JobKind("sync_fulfilment", "fulfilment")
# A sync the worker did not finish (1C down, the job lost) is taken again after this long.
SYNC_RETRY_AFTER = timedelta(minutes=2)


class FulfilmentService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.history = HistoryService(uow)
        self.requisitions = RequisitionService(uow, erp)

    async def approved_invoice(self, order_id: int) -> Invoice:
        invoice: Invoice | None = await self.uow.session.scalar(
            select(Invoice).where(Invoice.order_id == order_id, Invoice.status == InvoiceStatus.APPROVED)
        )
        if invoice is None:
            raise FieldError("invoice", "the order has no approved invoice")
        return invoice

    async def fulfil(self, order_id: int, if_match: int | None) -> Order:
        """Check stock for every line through 1C and decide reserve or procure; the 1C side (the
        reservations, the requisition-book entries) is done by the worker after the commit."""
        orders = OrderService(self.uow, self.erp)
        order = await orders.get(order_id)
        ensure_version(order, if_match, "order")
        orders.allow(order, "fulfil")
        invoice = await self.approved_invoice(order.id)
        today = self.uow.calendar.local_date(self.uow.clock.now())
        now = self.uow.clock.now()
        left: dict[str, int] = {}
        decisions: dict[str, str] = {}
        # An order for a workshop spec is procured separately line by line (process 3, step 3).
        for_spec = await self.uow.session.scalar(
            select(Spec.id).where(Spec.order_id == order.id, Spec.status != SpecStatus.CANCELLED)
        )
        # A spec's lines were booked when its invoice was entered «procure separately»; an entry
        # cancelled in the book (its spec was) is taken again if the line is procured after all.
        booked = await self._booked(order.id)
        for line in order.lines:
            assert line.product_id is not None  # an invoiced line always names its product
            if for_spec is not None:
                left[line.product_id] = 0
            elif line.product_id not in left:
                left[line.product_id] = await self.erp.stock(line.product_id)
            if left[line.product_id] >= line.quantity:
                line.fulfilment = Fulfilment.RESERVE
                left[line.product_id] -= line.quantity
            elif (entry := booked.get(line.id)) is not None:
                line.fulfilment = Fulfilment.PROCURE
                if entry.status == RequisitionStatus.CANCELLED:
                    self.requisitions.rebook(entry, line.quantity, today, invoice.id)
            else:
                line.fulfilment = Fulfilment.PROCURE
                self.uow.session.add(
                    Requisition(
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
                )
            decisions[str(line.position)] = line.fulfilment.value
        orders.move(order, "fulfil", {"lines": decisions})
        await self.uow.session.flush()
        self.uow.after_commit(SYNC_JOB, order.id, order.version)
        return order

    async def _booked(self, order_id: int) -> dict[int, Requisition]:
        rows = await self.uow.session.scalars(select(Requisition).where(Requisition.order_id == order_id))
        return {r.order_line_id: r for r in rows}

    def _unsynced_lines(self) -> Select[OrderLine]:
        # Whatever the order has moved on to (it may reach the warehouse before the worker runs),
        # a reserved line waits for its 1C reservation until the order is cancelled.
        return (
            select(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .where(
                Order.status != OrderStatus.CANCELLED,
                OrderLine.fulfilment == Fulfilment.RESERVE,
                OrderLine.reserved_ref.is_(None),
            )
        )

    def _unsynced_requisitions(self) -> Select[Requisition]:
        # A spec's lines are in the book before the client approves the invoice: 1C gets them with
        # the rest of the order's fulfilment, after the approval.
        approved = select(Invoice.id).where(Invoice.status == InvoiceStatus.APPROVED)
        return select(Requisition).where(
            Requisition.onec_id.is_(None),
            Requisition.status != RequisitionStatus.CANCELLED,
            Requisition.invoice_id.in_(approved.scalar_subquery()),
        )

    async def due_orders(self) -> list[int]:
        """Orders whose 1C side is still not done a while after the last change (for the sweep):
        the job after the commit had its chance; two runs at once could reserve twice."""
        lines = self._unsynced_lines().with_only_columns(OrderLine.order_id)
        requisitions = self._unsynced_requisitions().with_only_columns(Requisition.order_id)
        cutoff = self.uow.clock.now() - SYNC_RETRY_AFTER
        stale = await self.uow.session.scalars(
            select(Order.id)
            .where(
                Order.id.in_(lines.union(requisitions).scalar_subquery()),
                Order.updated_at <= cutoff,
                ~refused(TaskSubject.ORDER, Order.id),
            )
            .order_by(Order.id)
        )
        return list(stale)

    async def sync_plan(self, order_id: int) -> tuple[str, list[OrderLine], list[Requisition]]:
        """What the worker still has to do in 1C for this order: reservations and requisitions."""
        invoice = await self.approved_invoice(order_id)
        session = self.uow.session
        lines = await session.scalars(self._unsynced_lines().where(OrderLine.order_id == order_id))
        requisitions = await session.scalars(
            self._unsynced_requisitions().where(Requisition.order_id == order_id)
        )
        return invoice.number, list(lines), list(requisitions)

    async def record_sync(self, order_id: int, reserved: dict[int, bool], registered: dict[int, str]) -> None:
        """Record what 1C did. A reservation 1C refused (the stock went meanwhile) turns the line
        into a procured one, with its requisition-book entry (registered on the next run)."""
        invoice = await self.approved_invoice(order_id)
        today = self.uow.calendar.local_date(self.uow.clock.now())
        now = self.uow.clock.now()
        booked = await self._booked(order_id)
        for line_id, ok in reserved.items():
            line = await self.uow.session.get(OrderLine, line_id)
            if line is None or line.reserved_ref is not None:
                continue
            if ok:
                line.reserved_ref = f"{invoice.number}/{line.position}"
                self.history.record("order", order_id, "line_reserved", None, {"position": line.position})
            elif (entry := booked.get(line.id)) is not None:
                line.fulfilment = Fulfilment.PROCURE
                if entry.status == RequisitionStatus.CANCELLED:
                    self.requisitions.rebook(entry, line.quantity, today, invoice.id)
            else:
                line.fulfilment = Fulfilment.PROCURE
                self.uow.session.add(
                    Requisition(
                        order_id=order_id,
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
                )
                self.history.record(
                    "order",
                    order_id,
                    "line_procured",
                    None,
                    {"position": line.position, "reason": "1C refused the reservation"},
                )
        for requisition_id, onec_id in registered.items():
            requisition = await self.uow.session.get(Requisition, requisition_id)
            if requisition is not None and requisition.onec_id is None:
                requisition.onec_id = onec_id
        await self.uow.session.flush()
