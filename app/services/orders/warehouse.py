"""The order at the warehouse (regulation, process 1, steps 6–11): the invoice goes to the chat
«Заявки на склад» as an Excel file; the warehouse answers «Принято»; when every line is at the
warehouse (reserved, or arrived) and the keeper reports the order picked («собрано»), it is ready to
ship and the assistant calls the client."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.core.errors import Conflict
from app.models.clients import Client
from app.models.directory import Employee
from app.models.orders import Fulfilment, Order, OrderLine, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind
from app.models.requisitions import Requisition
from app.services.documents.warehouse_xlsx import (
    WarehouseLine,
    WarehouseOrderView,
    build_warehouse_xlsx,
    warehouse_filename,
)
from app.services.kernel.common import ensure_version
from app.services.kernel.outbox import OutboxService
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.fulfilment import FulfilmentService
from app.services.orders.service import WAREHOUSE_CHANNEL, OrderService

CHANNEL = WAREHOUSE_CHANNEL
# "Tell the client the goods are ready (call)": by the end of the next working day.
READY_CALL_WORKING_DAYS = 1


class WarehouseService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.orders = OrderService(uow, erp)

    async def send(self, order_id: int, if_match: int | None) -> Order:
        """Post the invoice to «Заявки на склад» as Excel (made and sent by the worker)."""
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        self.orders.allow(order, "send_to_warehouse")  # the state first: a cancelled order is a 409
        invoice = await FulfilmentService(self.uow, self.erp).approved_invoice(order.id)
        self.orders.move(order, "send_to_warehouse", {"invoice": invoice.number})
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=CHANNEL,
            recipient="",
            body=f"Заявка на склад по счёту № {invoice.number}. Прошу подтвердить: «Принято».",
            payload={
                "document": {"kind": "warehouse_xlsx", "order_id": order.id},
                # A reply «Принято» to this post in the chat accepts the order.
                "reply": {"kind": "warehouse_accept", "order_id": order.id},
            },
            dedupe_key=f"warehouse-order:{order.id}:{invoice.number}",
            about=(MessageAbout.ORDER, order.id),
        )
        await self.uow.session.flush()
        return order

    async def accept(self, order_id: int, if_match: int | None) -> Order:
        """The warehouse's «Принято»: the order waits there until the keeper reports it picked."""
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        self.orders.move(order, "warehouse_accept")
        await self.uow.session.flush()
        return order

    async def accept_from_chat(self, order_id: int) -> bool:
        """«Принято» answered in the chat by a warehouse employee (the unit of work's actor);
        a repeated answer, or one to an order that moved on, changes nothing."""
        order = await self.orders.get_for_system(order_id)
        if order.status != OrderStatus.SENT_TO_WAREHOUSE:
            return False
        self.orders.move(order, "warehouse_accept", {"via": "chat"})
        await self.uow.session.flush()
        return True

    async def ready(self, order_id: int, if_match: int | None) -> Order:
        """The keeper's «собрано» (step 11, «Готова к отгрузке»): the order is ready only when every
        line is at the warehouse (reserved from stock, or its requisition arrived) and picked; then
        the assistant calls the client. A line still awaited is a 409 naming its position."""
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        self.orders.allow(order, "ready")
        missing = await self.not_at_warehouse(order)
        if missing:
            raise Conflict(
                "positions " + ", ".join(str(line.position) for line in missing) + " have not arrived "
                "at the warehouse yet: the order is picked when they have",
                code="not_at_warehouse",
                missing=[line.position for line in missing],
                titles={str(line.position): line.name for line in missing},
            )
        await self._make_ready(order, {"via": "keeper"})
        return order

    async def picked(self, order: Order, payload: dict[str, Any]) -> bool:
        """The keeper reported the order picked another way (the morning check, a workshop spec's
        goods ready): ready when it waits at the warehouse with every line there."""
        if order.status != OrderStatus.WAITING_FOR_SUPPLY or await self.not_at_warehouse(order):
            return False
        await self._make_ready(order, payload)
        return True

    async def not_at_warehouse(self, order: Order) -> list[OrderLine]:
        """The lines neither reserved from stock nor arrived through the requisition book."""
        return (await self.orders.not_at_warehouse([order]))[order.id]

    async def _make_ready(self, order: Order, payload: dict[str, Any]) -> None:
        self.orders.move(order, "ready", payload)
        await self.orders.call_task(
            order,
            f"Сообщить клиенту: заявка №{order.id} готова к отгрузке",
            "Всё по счёту собрано. Согласовать с клиентом способ и время доставки.",
            READY_CALL_WORKING_DAYS,
        )
        await self.uow.session.flush()

    async def document(self, order_id: int) -> tuple[str, bytes]:
        """The Excel file for the warehouse, from the order as it is now."""
        order = await self.orders.get(order_id)
        invoice = await FulfilmentService(self.uow, self.erp).approved_invoice(order.id)
        client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
        people = {
            e.id: e.full_name
            for e in await self.uow.session.scalars(
                select(Employee).where(
                    Employee.id.in_([i for i in (order.manager_id, order.assistant_id) if i])
                )
            )
        }
        expected = {
            r.order_line_id: r.expected_on
            for r in await self.uow.session.scalars(
                select(Requisition).where(Requisition.order_id == order.id)
            )
        }
        products = {
            line.product_id: await self.erp.get_product(line.product_id)
            for line in order.lines
            if line.product_id
        }
        view = WarehouseOrderView(
            invoice_number=invoice.number,
            invoice_date=invoice.issued_on,
            client_name=client.name if client else "—",
            manager=people.get(order.manager_id or 0, "—"),
            assistant=people.get(order.assistant_id or 0, "—"),
            delivery_method=None,
            comment=None,
            lines=[
                WarehouseLine(
                    row=line.position,
                    sku=(p.sku if (p := products.get(line.product_id or "")) else ""),
                    name=line.name,
                    model=line.model or "",
                    color=line.color or "",
                    size=line.size or "",
                    height=line.height or "",
                    unit=(p.unit if (p := products.get(line.product_id or "")) else "шт"),
                    quantity=line.quantity,
                    fulfilment=(line.fulfilment or Fulfilment.RESERVE).value,
                    expected_on=expected.get(line.id),
                )
                for line in order.lines
            ],
        )
        return warehouse_filename(view), build_warehouse_xlsx(view)
