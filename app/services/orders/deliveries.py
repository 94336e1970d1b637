"""Delivery and the feedback call (regulation, process 1, step 12 and the exit criterion).

Agree the method and time with the client. Own driver: prepare the documents (invoice, УПД from 1C,
product certificates, contract), print them, put them on the driver's shelf, write to the driver in
the chat «Доставка». Transport company: ask the manager which carrier, prepare and print the УПД,
take it to the warehouse, write to the driver in «Доставка» to take the goods to the carrier.
Pickup: tell the client the goods are in the shop. Then the client receives the goods, and a
feedback call finds out whether all was well.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import Client
from app.models.deliveries import Delivery, DeliveryMethod
from app.models.orders import Order
from app.models.outbox import MessageAbout, OutboundKind
from app.models.tasks import Task, TaskPurpose, TaskStatus, TaskSubject
from app.services.directory.tasks import TaskService
from app.services.invoices.service import record_shipment
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.outbox import OutboxService
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.service import ACTIONS, OrderService
from app.services.specs.closing import close_spec_of_order, ensure_spec_documents

CHECKLISTS: dict[DeliveryMethod, list[tuple[str, str]]] = {
    DeliveryMethod.OWN_DRIVER: [
        ("invoice", "Счёт"),
        ("upd", "УПД из 1С"),
        ("certificates", "Сертификаты на продукцию"),
        ("contract", "Договор из общей папки"),
        ("printed", "Документы распечатаны"),
        ("on_driver_shelf", "Документы на полке водителя"),
        ("driver_message", "Сообщение водителю в чат «Доставка»"),
    ],
    DeliveryMethod.TRANSPORT_COMPANY: [
        ("carrier_from_manager", "Транспортная компания уточнена у менеджера"),
        ("upd", "УПД подготовлен"),
        ("printed", "УПД распечатан"),
        ("upd_to_warehouse", "УПД отнесён на склад"),
        ("driver_message", "Сообщение водителю в чат «Доставка»: отвезти груз в ТК"),
    ],
    DeliveryMethod.PICKUP: [
        ("client_called", "Клиенту сообщено: товар в магазине, можно забирать"),
    ],
}
# The feedback call: the next working day after the goods were received, by default.
FEEDBACK_CALL_WORKING_DAYS = 1
# The feedback call's task is known by its title, as it is set when the goods are received.
FEEDBACK_CALL_TITLE = "Обратная связь"
DELIVERY_CHANNEL = "delivery"


class DeliveryService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.orders = OrderService(uow, erp)

    async def of_order(self, order_id: int) -> Delivery:
        await self.orders.get(order_id)
        delivery: Delivery | None = await self.uow.session.scalar(
            select(Delivery).where(Delivery.order_id == order_id)
        )
        if delivery is None:
            raise NotFound("delivery of order", order_id)
        return delivery

    async def agree(
        self,
        order_id: int,
        *,
        method: DeliveryMethod,
        planned_on: date,
        window_from: time | None,
        window_to: time | None,
        address: str | None,
        carrier: str | None,
        if_match: int | None,
    ) -> Delivery:
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        await ensure_spec_documents(self.uow, order.id)
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if planned_on < today:
            raise FieldError("planned_on", "is in the past")
        if (window_from is None) != (window_to is None):
            raise FieldError("window_to", "give both ends of the time window, or neither")
        if window_from is not None and window_to is not None and window_from >= window_to:
            raise FieldError("window_to", "must be after window_from")
        if method == DeliveryMethod.TRANSPORT_COMPANY and not carrier:
            raise FieldError("carrier", "which transport company (ask the manager)")
        if method != DeliveryMethod.PICKUP and not address:
            client = await self.uow.session.get(Client, order.client_id) if order.client_id else None
            address = (client.delivery_addresses[0] if client and client.delivery_addresses else None) or (
                client.actual_address if client else None
            )
            if method == DeliveryMethod.OWN_DRIVER and not address:
                raise FieldError("address", "where to deliver: the client card has no delivery address")
        self.orders.move(
            order, "agree_delivery", {"method": method.value, "planned_on": planned_on.isoformat()}
        )
        now = self.uow.clock.now()
        delivery = Delivery(
            order_id=order.id,
            method=method,
            carrier=carrier,
            planned_on=planned_on,
            window_from=window_from,
            window_to=window_to,
            address=address,
            checklist=[
                {"key": k, "title": t, "done_by": None, "done_at": None} for k, t in CHECKLISTS[method]
            ],
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(delivery)
        await self.uow.session.flush()
        return delivery

    async def tick(self, order_id: int, item: str, if_match: int | None) -> Delivery:
        """Tick one item of the checklist, with who and when; the driver's message is sent to the chat,
        and only after every item before it on the checklist is ticked."""
        delivery = await self.of_order(order_id)
        ensure_version(delivery, if_match, "delivery")
        entry = next((x for x in delivery.checklist if x["key"] == item), None)
        if entry is None:
            keys = ", ".join(x["key"] for x in delivery.checklist)
            raise FieldError("item", f"not on the checklist of this delivery ({keys})")
        if entry["done_at"] is not None:
            raise Conflict(
                f"{item} («{entry['title']}») is already ticked", item=item, item_title=entry["title"]
            )
        if item == "driver_message":
            # The driver is messaged last: only once everything before it on the checklist is done.
            before = delivery.checklist[: delivery.checklist.index(entry)]
            undone = [x for x in before if x["done_at"] is None]
            if undone:
                raise _undone("tick these items first", undone)
        actor = self.uow.actor
        entry["done_by"] = actor.id if actor else None
        entry["done_at"] = self.uow.clock.now().isoformat()
        flag_modified(delivery, "checklist")
        touch(delivery, self.uow)
        if item == "driver_message":
            await self._message_driver(delivery)
        order = await self.orders.get(order_id)
        self.orders.history.record("order", order.id, "delivery_checked", None, {"item": item})
        await self.uow.session.flush()
        return delivery

    async def _message_driver(self, delivery: Delivery) -> None:
        text = driver_message(delivery)
        if text is None:
            return
        await OutboxService(self.uow).add(
            kind=OutboundKind.CHAT,
            channel=DELIVERY_CHANNEL,
            recipient="",
            body=text,
            dedupe_key=f"delivery-driver:{delivery.id}",
            about=(MessageAbout.ORDER, delivery.order_id),
        )

    async def ship(self, order_id: int, if_match: int | None) -> Order:
        """Shipped (or handed over): only with every item of the checklist ticked. The invoice is a
        debt from this day (the УПД goes with the goods); on a deferment, it is due from it."""
        delivery = await self.of_order(order_id)
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        undone = [x for x in delivery.checklist if x["done_at"] is None]
        if undone:
            raise _undone("the checklist is not done", undone)
        self.orders.move(order, "ship")
        await record_shipment(self.uow, order.id, self.uow.calendar.local_date(self.uow.clock.now()))
        await self.uow.session.flush()
        return order

    async def received(self, order_id: int, received_on: date | None, if_match: int | None) -> Order:
        """The client has the goods: a feedback call is set for the next working day."""
        delivery = await self.of_order(order_id)
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        today = self.uow.calendar.local_date(self.uow.clock.now())
        day = received_on or today
        if day > today:
            raise FieldError("received_on", "is in the future")
        self.orders.move(order, "receive", {"received_on": day.isoformat()})
        delivery.received_on = day
        await self._feedback_call(order)
        await self.uow.session.flush()
        return order

    async def _feedback_call(self, order: Order) -> None:
        await self.orders.call_task(
            order,
            f"{FEEDBACK_CALL_TITLE} по заявке №{order.id}: всё ли хорошо",
            "Узнать у клиента, всё ли в порядке с товаром и доставкой; записать оценку.",
            FEEDBACK_CALL_WORKING_DAYS,
            TaskPurpose.FEEDBACK_CALL,
        )

    async def feedback(self, order_id: int, rating: int, comment: str | None, if_match: int | None) -> Order:
        """The feedback call's outcome closes the order (the exit criterion of the process)."""
        delivery = await self.of_order(order_id)
        order = await self.orders.get(order_id)
        ensure_version(order, if_match, "order")
        await self._close(order, delivery, {"rating": rating, "comment": comment}, rating, comment)
        return order

    async def awaits_feedback(self, task: Task) -> bool:
        """Whether this task is the feedback call of an order that still waits for its feedback."""
        if not (
            task.purpose == TaskPurpose.FEEDBACK_CALL
            and task.subject_type == TaskSubject.ORDER
            and task.subject_id is not None
        ):
            return False
        order = await self.orders.get(task.subject_id)
        return ACTIONS.can(order.status, "close")

    async def call_again(self, task: Task) -> None:
        """A feedback call not reached: the next one is set for the next working day, so that the
        order does not wait on somebody remembering to call again."""
        assert task.subject_id is not None
        await self._feedback_call(await self.orders.get(task.subject_id))
        await self.uow.session.flush()

    async def feedback_by_call(self, task: Task) -> Order:
        """The feedback call completed as reached, with what the client said, records it as the
        order's feedback and closes the order, as the order's own feedback does (without a rating:
        a call's outcome has none)."""
        assert task.subject_id is not None
        delivery = await self.of_order(task.subject_id)
        order = await self.orders.get(task.subject_id)
        await self._close(order, delivery, {"comment": task.result, "task_id": task.id}, None, task.result)
        return order

    async def _close(
        self,
        order: Order,
        delivery: Delivery,
        payload: dict[str, Any],
        rating: int | None,
        comment: str | None,
    ) -> None:
        """Close the order with its feedback: the order's move, the delivery's record, the other
        open feedback calls done, the order's workshop spec closed."""
        self.orders.move(order, "close", payload)
        delivery.rating, delivery.feedback = rating, comment
        touch(delivery, self.uow)
        tasks = await self.uow.session.scalars(
            select(Task).where(
                Task.subject_type == TaskSubject.ORDER,
                Task.subject_id == order.id,
                Task.purpose == TaskPurpose.FEEDBACK_CALL,
                Task.status.in_((TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
            )
        )
        TaskService(self.uow).end(tasks, TaskStatus.DONE, comment, reached=True)
        await close_spec_of_order(self.uow, order.id, rating, comment)
        await self.uow.session.flush()


def driver_message(delivery: Delivery) -> str | None:
    """The message to the driver in the chat «Доставка», as it is posted; none for a pickup."""
    if delivery.method == DeliveryMethod.PICKUP:
        return None
    when = f"{delivery.planned_on:%d.%m.%Y}"
    if delivery.window_from and delivery.window_to:
        when += f" {delivery.window_from:%H:%M}–{delivery.window_to:%H:%M}"
    if delivery.method == DeliveryMethod.TRANSPORT_COMPANY:
        text = f"Заявка №{delivery.order_id}: отвезти груз в ТК «{delivery.carrier}» {when}. УПД на складе."
    else:
        text = (
            f"Заявка №{delivery.order_id}: доставка {when}, адрес: {delivery.address}. "
            "Документы на полке водителя."
        )
    return text


def _undone(what: str, items: list[dict[str, Any]]) -> Conflict:
    """A 409 naming the checklist items still to tick by their keys (`missing`), the titles beside
    (`titles`, key → title), so a client matches them to the checklist without reading Russian."""
    named = "; ".join(f"{x['key']} («{x['title']}»)" for x in items)
    return Conflict(
        f"{what}: {named}",
        missing=[x["key"] for x in items],
        titles={x["key"]: x["title"] for x in items},
    )
