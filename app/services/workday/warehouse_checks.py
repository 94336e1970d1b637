"""The morning check with the warehouse (regulation, process 5: «Сверка позиций со складом»,
8:30–9:00 every working day).

1. Print all invoices that need it. 2. Take them to your warehouse keeper. 3. Check what is already
set aside in the warehouse or in the shop. 4. Mark the positions that arrived yesterday. 5. An
invoice fully picked: tell the manager. 6. Not fully: it is picked during the day and the keeper
says so. 7. Tell the manager the order is picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from app.core.errors import FieldError, NotFound
from app.models.clients import Client
from app.models.directory import Employee, Role
from app.models.invoices import Invoice
from app.models.orders import Fulfilment, Order, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind
from app.models.requisitions import Requisition, RequisitionStatus
from app.models.tasks import TaskKind, TaskSubject
from app.models.warehouse_checks import (
    PRESENT_MARKS,
    CheckStatus,
    ItemMark,
    WarehouseCheck,
    WarehouseCheckItem,
)
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import TaskService
from app.services.documents.warehouse_check import (
    CheckInvoiceView,
    CheckLineView,
    CheckSheetView,
    render_check_pdf,
)
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, decode_cursor, page_of
from app.services.kernel.permissions import Permission, has
from app.services.kernel.ports import Erp
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.requisitions import RequisitionService
from app.services.orders.service import OrderService
from app.services.orders.warehouse import WarehouseService
from app.services.workday.daily_reports import order_owner

# "Сверка позиций со складом с 8.30 до 9.00": the sheets are ready at 8:30 local time; a sheet not
# started by 9:00 becomes a reminder task.
SHEETS_AT = time(8, 30)
START_BY = time(9, 0)
# A worker that was down at 8:30 still makes the morning's sheets until noon; a sheet made later in
# the day would serve no morning check.
SHEETS_UNTIL = time(12, 0)
# "Tell the manager the order is picked (call, in person)": the same working day, or the next one
# when the keeper reports it after the end of the working day.
TELL_MANAGER_WORKING_DAYS = 0
# Orders whose invoices the check looks at: at the warehouse, being picked or waiting for supply.
CHECKED_STATUSES = (OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.WAITING_FOR_SUPPLY)

# action -> (states it is allowed from, state it leads to; None: a done sheet stays done).
TRANSITIONS: dict[str, tuple[frozenset[CheckStatus], CheckStatus | None]] = {
    "start": (frozenset({CheckStatus.OPEN}), CheckStatus.STARTED),
    "mark": (frozenset({CheckStatus.OPEN, CheckStatus.STARTED}), CheckStatus.STARTED),
    # The keeper's "picked" later in the day, also after the morning check is done.
    "picked": (frozenset({CheckStatus.OPEN, CheckStatus.STARTED, CheckStatus.DONE}), None),
    "complete": (frozenset({CheckStatus.STARTED}), CheckStatus.DONE),
}


ACTIONS = StateMachine("warehouse_check", TRANSITIONS, {"mark": "marks"}, kind="warehouse_check")


def check_actions(status: CheckStatus) -> list[str]:
    return ACTIONS.allowed(status)


def allowed_now(check: WarehouseCheck) -> list[str]:
    """The sheet's allowed actions (by endpoint name) whose preconditions hold now: it is complete
    once every position has a mark."""
    unmarked = any(item.mark == ItemMark.PENDING for item in check.items)
    return [a for a in check_actions(check.status) if not (a == "complete" and unmarked)]


@dataclass(frozen=True)
class Mark:
    item_id: int
    mark: ItemMark


class WarehouseCheckService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.history = HistoryService(uow)

    # --- reading --------------------------------------------------------------------------------

    def visible(self, query: Select[WarehouseCheck]) -> Select[WarehouseCheck]:
        """An assistant sees their own sheets, a keeper the sheets they check; the warehouse and
        the heads see every sheet."""
        actor = self.uow.actor
        if actor is None or has(actor, Permission.ORDERS_READ_ALL):
            return query
        return query.where((WarehouseCheck.assistant_id == actor.id) | (WarehouseCheck.keeper_id == actor.id))

    async def get(self, check_id: int) -> WarehouseCheck:
        check = await self.uow.session.scalar(
            self.visible(
                select(WarehouseCheck)
                .options(selectinload(WarehouseCheck.items))
                .where(WarehouseCheck.id == check_id)
            )
        )
        if check is None:
            raise NotFound("warehouse_check", check_id)
        return check

    async def page(
        self, *, day: date | None, assistant_id: int | None, cursor: str | None, limit: int
    ) -> Page[WarehouseCheck]:
        query = self.visible(select(WarehouseCheck).options(selectinload(WarehouseCheck.items)))
        if day is not None:
            query = query.where(WarehouseCheck.day == day)
        if assistant_id is not None:
            query = query.where(WarehouseCheck.assistant_id == assistant_id)
        if cursor is not None:
            (after_id,) = decode_cursor(cursor, [int])
            query = query.where(WarehouseCheck.id > after_id)
        rows = (await self.uow.session.scalars(query.order_by(WarehouseCheck.id).limit(limit + 1))).all()
        return page_of(rows, limit, lambda c: [c.id])

    # --- the worker's sweep ---------------------------------------------------------------------

    async def make_due(self, batch: int) -> tuple[int, int]:
        """On a working day from 8:30 local: a sheet for every assistant with invoices to check
        (an order is on the sheet of whoever works it, as in the daily report: its assistant, else
        who took it, else its manager); from 9:00: a reminder for every sheet not started. Both
        recorded on the rows, so the next minute finds nothing left to do."""
        now = self.uow.clock.now()
        cal = self.uow.calendar
        today = cal.local_date(now)
        if not cal.is_working_day(today) or now < cal.at(today, SHEETS_AT):
            return 0, 0
        made = 0
        assistants: Sequence[int | None] = []
        if now < cal.at(today, SHEETS_UNTIL):
            assistants = (
                await self.uow.session.scalars(
                    select(order_owner)
                    .where(
                        Order.status.in_(CHECKED_STATUSES),
                        order_owner.is_not(None),
                        order_owner.not_in(
                            select(WarehouseCheck.assistant_id).where(WarehouseCheck.day == today)
                        ),
                    )
                    .distinct()
                    .order_by(order_owner)
                    .limit(batch)
                )
            ).all()
        for assistant_id in assistants:
            if assistant_id is not None:
                await self._make_sheet(assistant_id, today)
                made += 1
        reminded = 0
        if now >= cal.at(today, START_BY):
            late = (
                await self.uow.session.scalars(
                    select(WarehouseCheck)
                    .where(
                        WarehouseCheck.day == today,
                        WarehouseCheck.status == CheckStatus.OPEN,
                        WarehouseCheck.reminded_at.is_(None),
                    )
                    .order_by(WarehouseCheck.id)
                    .limit(batch)
                )
            ).all()
            for check in late:
                await self._remind(check)
                reminded += 1
        await self.uow.session.flush()
        return made, reminded

    async def _keeper_for(self, assistant_id: int) -> int | None:
        """The assistant's own keeper: whoever did yesterday's check with them, else the first keeper."""
        previous = await self.uow.session.scalar(
            select(WarehouseCheck.keeper_id)
            .where(WarehouseCheck.assistant_id == assistant_id, WarehouseCheck.keeper_id.is_not(None))
            .order_by(WarehouseCheck.day.desc())
            .limit(1)
        )
        return previous if previous is not None else await first_active_with_role(self.uow, Role.WAREHOUSE)

    async def _make_sheet(self, assistant_id: int, day: date) -> WarehouseCheck:
        now = self.uow.clock.now()
        check = WarehouseCheck(
            day=day,
            assistant_id=assistant_id,
            keeper_id=await self._keeper_for(assistant_id),
            status=CheckStatus.OPEN,
            created_at=now,
            updated_at=now,
        )
        orders = (
            await self.uow.session.scalars(
                select(Order)
                .options(selectinload(Order.lines))
                .where(order_owner == assistant_id, Order.status.in_(CHECKED_STATUSES))
                .order_by(Order.id)
            )
        ).all()
        invoices = {
            i.order_id: i.id
            for i in await self.uow.session.scalars(
                select(Invoice).where(Invoice.order_id.in_([o.id for o in orders]))
            )
        }
        requisitions = {
            r.order_line_id: r
            for r in await self.uow.session.scalars(
                select(Requisition).where(
                    Requisition.order_id.in_([o.id for o in orders]),
                    Requisition.status != RequisitionStatus.CANCELLED,
                )
            )
        }
        items: list[WarehouseCheckItem] = []
        for order in orders:
            invoice_id = invoices.get(order.id)
            if invoice_id is None:
                continue
            for line in order.lines:
                requisition = requisitions.get(line.id)
                items.append(
                    WarehouseCheckItem(
                        order_id=order.id,
                        invoice_id=invoice_id,
                        order_line_id=line.id,
                        requisition_id=requisition.id if requisition else None,
                        position=line.position,
                        name=line.name,
                        quantity=line.quantity,
                        fulfilment=(line.fulfilment or Fulfilment.RESERVE).value,
                        expected_on=requisition.expected_on if requisition else None,
                        mark=ItemMark.PENDING,
                    )
                )
        check.items = items
        self.uow.session.add(check)
        await self.uow.session.flush()
        self.history.record(
            "warehouse_check",
            check.id,
            "created",
            None,
            {
                "day": day.isoformat(),
                "assistant_id": assistant_id,
                "orders": sorted({i.order_id for i in items}),
            },
        )
        return check

    async def _remind(self, check: WarehouseCheck) -> None:
        now = self.uow.clock.now()
        task = await TaskService(self.uow).add(
            kind=TaskKind.REMIND,
            title=f"Сверка со складом за {check.day:%d.%m.%Y} не начата",
            description="Сверку позиций со складом проводят с 8:30 до 9:00. Распечатайте лист сверки и "
            "сверьтесь с кладовщиком.",
            assignee_id=check.assistant_id,
            due_at=now,
        )
        check.reminded_at = now
        touch(check, self.uow)
        self.history.record("warehouse_check", check.id, "reminded", None, {"task_id": task.id})

    # --- the check ------------------------------------------------------------------------------

    def _move(self, check: WarehouseCheck, action: str) -> None:
        ACTIONS.check(check.status, action)
        target = TRANSITIONS[action][1]
        if target is None:  # «picked» starts an open sheet and keeps any other as it is
            target = CheckStatus.STARTED if check.status == CheckStatus.OPEN else check.status
        if check.status != target:
            now = self.uow.clock.now()
            if target == CheckStatus.STARTED and check.started_at is None:
                check.started_at = now
            if target == CheckStatus.DONE:
                check.completed_at = now
            ACTIONS.move(check, action, self.history, to=target)
        touch(check, self.uow)

    async def start(self, check_id: int, if_match: int | None) -> WarehouseCheck:
        check = await self.get(check_id)
        ensure_version(check, if_match, "warehouse_check")
        self._move(check, "start")
        await self.uow.session.flush()
        return check

    async def set_keeper(self, check_id: int, keeper_id: int, if_match: int | None) -> WarehouseCheck:
        check = await self.get(check_id)
        ensure_version(check, if_match, "warehouse_check")
        keeper = await self.uow.session.scalar(
            select(Employee).options(selectinload(Employee.roles)).where(Employee.id == keeper_id)
        )
        if keeper is None or not keeper.is_active or Role.WAREHOUSE not in keeper.role_set:
            raise FieldError("keeper_id", f"employee {keeper_id} is not an active warehouse keeper")
        before = check.keeper_id
        check.keeper_id = keeper_id
        touch(check, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "warehouse_check", check.id, "keeper_set", {"keeper_id": before}, {"keeper_id": keeper_id}
        )
        return check

    async def mark(self, check_id: int, marks: Sequence[Mark], if_match: int | None) -> WarehouseCheck:
        """Marks per position: set aside in the warehouse or the shop, arrived yesterday, missing.
        An arrival updates the requisition book (and may make the order ready); an invoice whose
        every position is there is picked: the manager is told."""
        check = await self.get(check_id)
        ensure_version(check, if_match, "warehouse_check")
        items = {item.id: item for item in check.items}
        for n, entry in enumerate(marks):
            if entry.item_id not in items:
                raise FieldError(f"marks.{n}.item_id", f"position {entry.item_id} is not on this sheet")
            if entry.mark == ItemMark.PENDING:
                raise FieldError(f"marks.{n}.mark", "a position is marked with what was found, not 'pending'")
        if len({m.item_id for m in marks}) != len(marks):
            raise FieldError("marks", "a position is marked twice")
        self._move(check, "mark")
        await self._apply(check, [(items[m.item_id], m.mark) for m in marks])
        return check

    async def picked(self, check_id: int, order_id: int, if_match: int | None) -> WarehouseCheck:
        """The keeper says an invoice left on the sheet has been picked during the day: every
        position not yet there is set aside in the warehouse."""
        check = await self.get(check_id)
        ensure_version(check, if_match, "warehouse_check")
        pending = [i for i in check.items if i.order_id == order_id]
        if not pending:
            raise FieldError("order_id", f"order {order_id} is not on this sheet")
        self._move(check, "picked")
        await self._apply(
            check, [(i, ItemMark.SET_ASIDE_WAREHOUSE) for i in pending if i.mark not in PRESENT_MARKS]
        )
        return check

    async def complete(self, check_id: int, if_match: int | None) -> WarehouseCheck:
        """The check is done once every position has a mark."""
        check = await self.get(check_id)
        ensure_version(check, if_match, "warehouse_check")
        ACTIONS.check(check.status, "complete")
        unmarked = [i.id for i in check.items if i.mark == ItemMark.PENDING]
        if unmarked:
            raise FieldError("marks", f"positions {unmarked} have no mark yet")
        self._move(check, "complete")
        await self.uow.session.flush()
        return check

    async def _apply(self, check: WarehouseCheck, marks: list[tuple[WarehouseCheckItem, ItemMark]]) -> None:
        now = self.uow.clock.now()
        today = self.uow.calendar.local_date(now)
        actor_id = self.uow.actor.id if self.uow.actor else None
        orders = {item.order_id for item, _ in marks}
        complete_before = {o for o in orders if self._complete(check, o)}
        requisitions = RequisitionService(self.uow, self.erp)
        for item, mark in marks:
            item.mark, item.marked_by_id, item.marked_at = mark, actor_id, now
            if mark in PRESENT_MARKS and item.requisition_id is not None:
                requisition = await self.uow.session.get(Requisition, item.requisition_id)
                if requisition is not None and requisition.status not in (
                    RequisitionStatus.ARRIVED,
                    RequisitionStatus.CANCELLED,
                ):
                    # "Arrived yesterday" is dated the working day before; goods found set aside
                    # came today.
                    arrived_on = (
                        self.uow.calendar.add_working_days(today, -1) if mark == ItemMark.ARRIVED else today
                    )
                    await requisitions.mark_arrived(requisition.id, arrived_on, None)
        touch(check, self.uow)
        await self.uow.session.flush()
        self.history.record(
            "warehouse_check",
            check.id,
            "marked",
            None,
            {"marks": {str(item.id): mark.value for item, mark in marks}},
        )
        for order_id in sorted(orders - complete_before):
            if self._complete(check, order_id):
                await self._picked(check, order_id)

    @staticmethod
    def _complete(check: WarehouseCheck, order_id: int) -> bool:
        return all(i.mark in PRESENT_MARKS for i in check.items if i.order_id == order_id)

    async def _picked(self, check: WarehouseCheck, order_id: int) -> None:
        """«Заявка собрана полностью — сообщить менеджеру»: a chat message now, and a call task.
        A picked invoice has plainly been taken by the warehouse (as its «Принято» says), and with
        every position there the order is ready: the assistant calls the client."""
        orders = OrderService(self.uow, self.erp)
        order = await orders.get_for_system(order_id)
        if order.status == OrderStatus.SENT_TO_WAREHOUSE:
            orders.move(order, "warehouse_accept", {"via": "warehouse_check"})
            await self.uow.session.flush()
        await WarehouseService(self.uow, self.erp).picked(order, {"via": "warehouse_check"})
        invoice = await self.uow.session.scalar(select(Invoice).where(Invoice.order_id == order_id))
        if invoice is None:
            return
        client = await self.uow.session.get(Client, invoice.client_id)
        text = (
            f"Счёт № {invoice.number} ({client.name if client else 'клиент'}) собран на складе полностью "
            f"(сверка {check.day:%d.%m.%Y})."
        )
        manager = await self.uow.session.get(Employee, order.manager_id) if order.manager_id else None
        if manager is not None and manager.chat_handle:
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel="personal",
                recipient=manager.chat_handle,
                body=text,
                dedupe_key=f"warehouse-check-picked:{check.id}:{order_id}",
                about=(MessageAbout.ORDER, order_id),
            )
        await TaskService(self.uow).add(
            kind=TaskKind.CALL,
            title=f"Сообщить менеджеру: заявка №{order_id} собрана",
            description=text,
            assignee_id=check.assistant_id,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), TELL_MANAGER_WORKING_DAYS),
            subject_type=TaskSubject.ORDER,
            subject_id=order_id,
        )
        self.history.record(
            "order", order_id, "picked", None, {"warehouse_check_id": check.id, "invoice": invoice.number}
        )

    # --- the printed sheet ----------------------------------------------------------------------

    async def pdf(self, check_id: int) -> tuple[WarehouseCheck, bytes]:
        check = await self.get(check_id)
        people: dict[int, str] = {
            e.id: e.full_name
            for e in await self.uow.session.scalars(
                select(Employee).where(
                    Employee.id.in_([i for i in (check.assistant_id, check.keeper_id) if i])
                )
            )
        }
        order_ids = sorted({i.order_id for i in check.items})
        rows: list[Any] = list(
            (
                await self.uow.session.execute(
                    select(Invoice.order_id, Invoice.number, Client.name)
                    .join(Client, Client.id == Invoice.client_id)
                    .where(Invoice.order_id.in_(order_ids))
                )
            ).all()
        )
        heads = {r[0]: (r[1], r[2]) for r in rows}
        view = CheckSheetView(
            day=check.day,
            assistant=people.get(check.assistant_id, "—"),
            keeper=people.get(check.keeper_id or 0, "—"),
            invoices=[
                CheckInvoiceView(
                    order_id=order_id,
                    invoice_number=heads.get(order_id, ("—", "—"))[0],
                    client=heads.get(order_id, ("—", "—"))[1],
                    lines=[
                        CheckLineView(
                            position=i.position,
                            name=i.name,
                            quantity=i.quantity,
                            fulfilment=i.fulfilment,
                            expected_on=i.expected_on,
                            mark=i.mark.value,
                        )
                        for i in check.items
                        if i.order_id == order_id
                    ],
                )
                for order_id in order_ids
            ],
        )
        return check, await self.uow.renderer.render(render_check_pdf, view)
