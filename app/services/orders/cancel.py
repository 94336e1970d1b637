"""Cancelling an order, as one step over three aggregates: the order, its invoice and the
requisitions it put in the book, each moved by its own service."""

from __future__ import annotations

from sqlalchemy import select

from app.core.config import CompanySettings
from app.core.errors import Conflict
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order
from app.services.invoices.service import InvoiceService
from app.services.kernel.common import ensure_version
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.orders.requisitions import RequisitionService
from app.services.orders.service import OrderService


class OrderCancellation:
    def __init__(self, uow: UnitOfWork, erp: Erp, company: CompanySettings) -> None:
        self.uow = uow
        self.orders = OrderService(uow, erp)
        self.invoices = InvoiceService(uow, erp, company)
        self.requisitions = RequisitionService(uow, erp)

    async def cancel(self, order_id: int, reason: str, if_match: int | None) -> Order:
        """The client withdraws (or the goods cannot be had), until delivery is agreed. The order's
        invoice is cancelled with it (its number stays taken), so it is never chased as a debt; one
        with payments is refused until the refund is agreed. Past the client's approval, what the
        order set going is unwound: open requisitions cancelled, the warehouse told in its chat,
        open tasks on the order cancelled, and the assistant asked to undo the reserve in 1C."""
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        self.orders.allow(order, "cancel")
        invoice = await self.uow.session.scalar(
            select(Invoice).where(Invoice.order_id == order.id, Invoice.status != InvoiceStatus.CANCELLED)
        )
        if invoice is not None and invoice.paid_total > 0:
            raise Conflict(
                f"invoice № {invoice.number} has {format_rub(invoice.paid_total)} руб. paid: agree the "
                "refund with accounting before the order is cancelled"
            )
        before = await self.orders.cancel(order, reason)
        if invoice is None:
            return order
        was = self.invoices.cancel_with_order(invoice, reason)
        await self.requisitions.cancel_open(order.id, f"Заявка №{order.id} отменена: {reason}")
        if was == InvoiceStatus.APPROVED:
            await self.orders.unwind(order, invoice, before, reason)
        else:
            await self.uow.session.flush()  # a workshop spec's lines were in the book; nothing else
        return order
