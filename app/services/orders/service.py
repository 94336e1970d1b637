"""Order processing, the intake part: an order from any channel is accepted only when it is complete.

Regulation, process 1, steps 1–2: receive the order; accept it only if every line names the model,
color, size, height (ростовка) and price category; otherwise ask the manager for what is missing
(the order waits in "needs clarification").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Date, Integer, Select, bindparam, func, or_, select, type_coerce
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app.core.db import flushed_connection
from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import Client
from app.models.deliveries import Delivery
from app.models.directory import Employee, Role
from app.models.invoices import Invoice, InvoiceStatus, receivable
from app.models.orders import Fulfilment, Order, OrderChannel, OrderLine, OrderStatus
from app.models.outbox import MessageAbout, OutboundKind
from app.models.requisitions import Requisition, RequisitionStatus
from app.models.tasks import Task, TaskKind, TaskPurpose, TaskStatus, TaskSubject
from app.schemas.orders import OrderClarify, OrderCreate, OrderLineIn
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import TaskService
from app.services.kernel.common import ensure_version, touch
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.ports import Erp, ErpUnavailable, Product
from app.services.kernel.scope import Scope
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.orders.repository import OrderRepository
from app.services.specs.closing import cancel_spec_of_order

# The chat «Заявки на склад».
WAREHOUSE_CHANNEL = "warehouse_orders"
# What every line must name before the order is accepted (regulation, process 1, step 2).
REQUIRED_LINE_FIELDS = ("model", "color", "size", "height", "price_category")
# "Ask the manager for what is missing": the clarification is due by the end of the next working day.
CLARIFICATION_DUE_WORKING_DAYS = 1

# The order state machine as data: action -> (states it is allowed from, state it leads to).
# The intake part; invoicing, fulfilment and delivery extend this table.
TRANSITIONS: dict[str, tuple[frozenset[OrderStatus], OrderStatus | None]] = {
    # accept / request clarification happen by checking the order; the target depends on the check.
    # An accepted order may still be clarified until it is invoiced: a free-text line that names
    # all five fields is accepted, and is matched to its 1C item before the invoice can be made.
    "clarify": (
        frozenset({OrderStatus.RECEIVED, OrderStatus.NEEDS_CLARIFICATION, OrderStatus.ACCEPTED}),
        None,
    ),
    # A client with an overdue debt or over its credit limit: a head lets the order in, with a reason.
    "approve_credit": (frozenset({OrderStatus.NEEDS_CLARIFICATION}), None),
    "invoice": (frozenset({OrderStatus.ACCEPTED}), OrderStatus.INVOICED),
    # Steps 3–4: the invoice goes to the client by email; not approved → changed as the client asks
    # and sent again; approved → on to fulfilment. These act through the order's invoice.
    "send_for_approval": (
        frozenset({OrderStatus.INVOICED, OrderStatus.SENT_FOR_APPROVAL}),
        OrderStatus.SENT_FOR_APPROVAL,
    ),
    "request_revision": (frozenset({OrderStatus.SENT_FOR_APPROVAL}), OrderStatus.REVISION),
    "revise": (frozenset({OrderStatus.INVOICED, OrderStatus.REVISION}), OrderStatus.INVOICED),
    "approve": (frozenset({OrderStatus.SENT_FOR_APPROVAL}), OrderStatus.APPROVED),
    # Step 5: every line is reserved from stock or procured (requisition book).
    "fulfil": (frozenset({OrderStatus.APPROVED}), OrderStatus.FULFILMENT),
    # Steps 6–7: the invoice goes to the warehouse chat as Excel; the warehouse answers «Принято».
    "send_to_warehouse": (frozenset({OrderStatus.FULFILMENT}), OrderStatus.SENT_TO_WAREHOUSE),
    "warehouse_accept": (frozenset({OrderStatus.SENT_TO_WAREHOUSE}), OrderStatus.WAITING_FOR_SUPPLY),
    # Process 3: the order of a workshop spec goes to the workshop chat instead; its «принято».
    "workshop_accept": (
        frozenset({OrderStatus.FULFILMENT, OrderStatus.SENT_TO_WAREHOUSE}),
        OrderStatus.WAITING_FOR_SUPPLY,
    ),
    # Step 11: everything on the invoice is reserved or has arrived.
    "ready": (frozenset({OrderStatus.WAITING_FOR_SUPPLY}), OrderStatus.READY),
    # Step 12 and the exit: delivery agreed, shipped or handed over, received, the feedback call.
    "agree_delivery": (frozenset({OrderStatus.READY}), OrderStatus.DELIVERY_AGREED),
    "ship": (frozenset({OrderStatus.DELIVERY_AGREED}), OrderStatus.SHIPPED),
    "receive": (frozenset({OrderStatus.SHIPPED}), OrderStatus.DELIVERED),
    "close": (frozenset({OrderStatus.DELIVERED}), OrderStatus.CLOSED),
    # Until delivery is agreed. After the client approved the invoice, cancelling also unwinds
    # what the order set going (OrderService.cancel); an invoice with payments is refunded first.
    "cancel": (
        frozenset(
            {
                OrderStatus.RECEIVED,
                OrderStatus.NEEDS_CLARIFICATION,
                OrderStatus.ACCEPTED,
                OrderStatus.INVOICED,
                OrderStatus.SENT_FOR_APPROVAL,
                OrderStatus.REVISION,
                OrderStatus.APPROVED,
                OrderStatus.FULFILMENT,
                OrderStatus.SENT_TO_WAREHOUSE,
                OrderStatus.WAITING_FOR_SUPPLY,
                OrderStatus.READY,
            }
        ),
        OrderStatus.CANCELLED,
    ),
    # «Получить заявку от менеджера»: an order nobody owns (an amoCRM lead whose owner is not
    # mapped) is given to an assistant and a manager, and may be given to others while it is open.
    "assign": (frozenset(OrderStatus) - {OrderStatus.CLOSED, OrderStatus.CANCELLED}, None),
}
# The states in which the warehouse has the order (its file was posted to «Заявки на склад»).
AT_THE_WAREHOUSE = frozenset(
    {OrderStatus.SENT_TO_WAREHOUSE, OrderStatus.WAITING_FOR_SUPPLY, OrderStatus.READY}
)
# "Take the reservation off and mark the invoice cancelled in 1C": the same or the next working day.
UNDO_IN_1C_WORKING_DAYS = 1


ACTIONS = StateMachine(
    "order",
    TRANSITIONS,
    {
        "approve_credit": "approve-credit",
        # Steps 3–4 are taken through the order's invoice (POST /invoices/{id}/send …).
        "send_for_approval": None,
        "request_revision": None,
        "revise": None,
        "approve": None,
        "send_to_warehouse": "send-to-warehouse",
        "warehouse_accept": "warehouse-accepted",
        "workshop_accept": None,  # through the order's workshop spec
        "agree_delivery": "delivery",
        "receive": "received",
        "close": "feedback",
    },
    kind="order",
)


def allowed_actions(status: OrderStatus) -> list[str]:
    return ACTIONS.allowed(status)


def _client_with_credit_query() -> Select[Any]:
    """The client with its debt (integer kopecks, as Money stores them: exact on every backend) and
    the earliest due date it is overdue since. Built once: every new order asks it."""
    unpaid = (
        (Invoice.client_id == Client.id)
        & (Invoice.status == InvoiceStatus.APPROVED)
        & (Invoice.paid_total < Invoice.total)
    )
    owed_kopecks = type_coerce(Invoice.total, Integer) - type_coerce(Invoice.paid_total, Integer)
    debt = select(func.coalesce(func.sum(owed_kopecks), 0)).where(unpaid)
    # Overdue is a debt for goods shipped; an invoice whose goods have not left is no debt yet.
    overdue = select(func.min(Invoice.due_on)).where(
        receivable(), Invoice.client_id == Client.id, Invoice.due_on < bindparam("today", type_=Date)
    )
    # Columns, not the entity: the order needs the client's people and limit, and loading a whole
    # client card into the session was a good part of an intake's CPU.
    return select(
        Client.manager_id,
        Client.assistant_id,
        Client.credit_limit,
        debt.scalar_subquery(),
        overdue.scalar_subquery(),
    ).where(Client.id == bindparam("client_id", type_=Integer))


_CLIENT_WITH_CREDIT = _client_with_credit_query()


# How many catalogue items of a model are looked at to find the one a free-text line names.
EXACT_MATCH_CANDIDATES = 500
_DASHES = str.maketrans({"–": "-", "—": "-", "‑": "-", "ё": "е"})


def _folded(text: str) -> str:
    """A characteristic as compared: case, ё/е, dashes and spacing do not count (`52–54 ` = `52-54`)."""
    return "".join(text.casefold().translate(_DASHES).split())


def missing_fields(line: OrderLine) -> list[str]:
    return [f for f in REQUIRED_LINE_FIELDS if not getattr(line, f) and f not in (line.not_applicable or [])]


def missing_fields_of(values: dict[str, Any]) -> list[str]:
    """``missing_fields`` of a line not yet written (its values)."""
    skip = values.get("not_applicable") or []
    return [f for f in REQUIRED_LINE_FIELDS if not values.get(f) and f not in skip]


class ClientPeople(NamedTuple):
    """What a new order takes from its client's card."""

    manager_id: int | None
    assistant_id: int | None
    credit_limit: Decimal | None


@dataclass(frozen=True)
class OrderFilter:
    """What the list of orders is narrowed to (None: not narrowed); dates are the company's."""

    status: OrderStatus | None = None
    channel: OrderChannel | None = None
    client_id: int | None = None
    assistant_id: int | None = None
    created_from: date | None = None
    created_to: date | None = None
    q: str | None = None


@dataclass
class ResolvedLine:
    values: dict[str, Any]


class OrderService:
    def __init__(self, uow: UnitOfWork, erp: Erp) -> None:
        self.uow = uow
        self.erp = erp
        self.history = HistoryService(uow)

    # --- reading --------------------------------------------------------------------------------

    def visible(self, query: Select[Any]) -> Select[Any]:
        return Scope(self.uow).orders(query)

    async def allowed_now(self, orders: Sequence[Order]) -> dict[int, list[str]]:
        """Each order's allowed actions (by endpoint name) whose preconditions hold now: a head lets
        an order in only while its credit is in question; the keeper reports it picked once every
        line is at the warehouse; it ships once the delivery's checklist is done."""
        agreed = [o.id for o in orders if o.status == OrderStatus.DELIVERY_AGREED]
        unticked: set[int] = set()
        if agreed:
            rows = await self.uow.session.execute(
                select(Delivery.order_id, Delivery.checklist).where(Delivery.order_id.in_(agreed))
            )
            unticked = {oid for oid, checklist in rows if any(x["done_at"] is None for x in checklist)}
        waiting = [o for o in orders if o.status == OrderStatus.WAITING_FOR_SUPPLY]
        awaited = await self.not_at_warehouse(waiting)
        allowed = {}
        for order in orders:
            held = set()
            if "credit" not in (order.problems or {}).get("order", []):
                held.add("approve-credit")
            if order.id in unticked:
                held.add("ship")
            if awaited.get(order.id):
                held.add("ready")  # the keeper reports it picked once every line is there
            allowed[order.id] = [a for a in allowed_actions(order.status) if a not in held]
        return allowed

    async def not_at_warehouse(self, orders: Sequence[Order]) -> dict[int, list[OrderLine]]:
        """Each order's lines neither reserved from stock nor arrived through the requisition book
        (one query for them all): the order is picked once there are none."""
        if not orders:
            return {}
        arrived = set(
            (
                await self.uow.session.scalars(
                    select(Requisition.order_line_id).where(
                        Requisition.order_id.in_([o.id for o in orders]),
                        Requisition.status == RequisitionStatus.ARRIVED,
                    )
                )
            ).all()
        )
        return {
            order.id: [
                line
                for line in order.lines
                if line.fulfilment != Fulfilment.RESERVE and line.id not in arrived
            ]
            for order in orders
        }

    async def get(self, order_id: int) -> Order:
        return await Scope(self.uow).order(order_id)

    async def get_for_system(self, order_id: int) -> Order:
        """The order whoever acts: for consequences the system draws (an arrival makes it ready),
        not for what a user may read."""
        order: Order | None = await self.uow.session.scalar(
            select(Order).options(selectinload(Order.lines)).where(Order.id == order_id)
        )
        if order is None:
            raise NotFound("order", order_id)
        return order

    async def page(self, filters: OrderFilter, *, cursor: str | None, limit: int) -> Page[Order]:
        """Newest first, narrowed by ``filters``: each filter is an equality on an indexed column or
        a range on the indexed creation time; the text search reads rows in the order of the
        primary key and stops at the page's end, so a page costs at most one pass."""
        query = self.visible(select(Order).options(selectinload(Order.lines)))
        if filters.status is not None:
            query = query.where(Order.status == filters.status)
        if filters.channel is not None:
            query = query.where(Order.channel == filters.channel)
        if filters.client_id is not None:
            query = query.where(Order.client_id == filters.client_id)
        if filters.assistant_id is not None:
            query = query.where(Order.assistant_id == filters.assistant_id)
        since, until = filters.created_from, filters.created_to
        if since is not None and until is not None and until < since:
            raise FieldError("query.created_to", "is before created_from")
        calendar = self.uow.calendar
        if filters.created_from is not None:
            query = query.where(Order.created_at >= calendar.at(filters.created_from, time.min))
        if filters.created_to is not None:
            day_after = filters.created_to + timedelta(days=1)
            query = query.where(Order.created_at < calendar.at(day_after, time.min))
        if filters.q:
            query = query.where(self._matching(filters.q))
        return await newest_first(self.uow.session, query, Order.id, cursor, limit)

    @staticmethod
    def _matching(q: str) -> ColumnElement[bool]:
        """The order's number, its client's name or INN, or its text containing ``q``, in any case
        (the folded columns are lower case, so ``q`` is lowered the same way)."""
        needle = q.strip().lower()
        clients = select(Client.id).where(
            or_(
                Client.name_search.contains(needle, autoescape=True),
                Client.inn.startswith(needle, autoescape=True),
            )
        )
        found: list[ColumnElement[bool]] = [
            Order.text_search.contains(needle, autoescape=True),
            Order.client_id.in_(clients),
        ]
        number = needle.removeprefix("№").strip()
        if number.isdecimal() and len(number) <= 9:
            found.append(Order.id == int(number))
        return or_(*found)

    # --- intake ---------------------------------------------------------------------------------

    async def resolve_lines(self, lines: list[OrderLineIn], field: str = "lines") -> list[dict[str, Any]]:
        """Check lines against the 1C catalogue before anything is written: a named product fills
        the characteristics it has, and so does the one item a free-text line names exactly (model,
        colour, size, height); another free-text line gets catalogue suggestions."""
        categories = set(await self.erp.price_categories())
        resolved: list[dict[str, Any]] = []
        for index, line in enumerate(lines):
            values = line.model_dump()
            values["suggestions"] = []
            values["not_applicable"] = []
            if line.price_category is not None and line.price_category not in categories:
                raise FieldError(
                    f"{field}.{index}.price_category",
                    f"unknown price category; known: {', '.join(sorted(categories))}",
                )
            product = None
            if line.product_id is not None:
                product = await self.erp.get_product(line.product_id)
                if product is None:
                    raise FieldError(f"{field}.{index}.product_id", "no such item in the 1C catalogue")
            else:
                product = await self._named_exactly(line)
                if product is not None:  # matched: the line reads as the catalogue writes it
                    values |= {"product_id": product.id} | {
                        key: getattr(product, key) for key in ("model", "color", "size", "height")
                    }
            if product is not None:
                for key in ("model", "color", "size", "height"):
                    values[key] = values[key] or getattr(product, key) or None
                    if not getattr(product, key) and not values[key]:
                        values["not_applicable"].append(key)
                values["name"] = values["name"] or product.name
            elif line.name is None:
                raise FieldError(f"{field}.{index}.name", "a line needs a product_id or a name")
            else:
                matches = await self.erp.search_products(line.name, limit=5)
                values["suggestions"] = [
                    {
                        "product_id": p.id,
                        "name": p.name,
                        "model": p.model,
                        "color": p.color,
                        "size": p.size,
                        "height": p.height,
                    }
                    for p in matches
                ]
            resolved.append(values)
        return resolved

    async def _named_exactly(self, line: OrderLineIn) -> Product | None:
        """The one catalogue item a free-text line names exactly: its model, colour, size and height,
        in any case, ё or е, and any dash or spacing; None when the line leaves one out or names
        none or several."""
        wanted = [line.model, line.color, line.size, line.height]
        if line.model is None or not all(wanted):
            return None
        key = [_folded(value or "") for value in wanted]
        candidates = await self.erp.search_products(line.model, limit=EXACT_MATCH_CANDIDATES)
        found = {
            p.id: p for p in candidates if [_folded(v) for v in (p.model, p.color, p.size, p.height)] == key
        }
        return next(iter(found.values())) if len(found) == 1 else None

    async def credit_hold(self, client_id: int) -> str | None:
        """Why the client's credit stops a new order (an overdue debt, or a debt at or over its
        limit), or None when nothing does."""
        found = await self._client_with_credit(client_id)
        return found[1] if found else None

    async def hold_for_credit(self, order: Order) -> None:
        """A new order made elsewhere (a converted proposal) and held for its client's credit,
        ``problems`` made by ``credit_problems``: its check in the history and the head's decision
        asked for, as intake holds one."""
        self._record_check(order, OrderStatus.RECEIVED)
        await self._ask_for_clarification(order, order.problems["order"], {}, new=True)

    @classmethod
    def credit_problems(cls, credit: str | None) -> dict[str, Any]:
        """The problems of a new order whose lines are complete: its credit hold, if any."""
        return cls._problems([], {}, credit)

    async def _client_with_credit(
        self, client_id: int, *, scoped: bool = False
    ) -> tuple[ClientPeople, str | None] | None:
        """The client's manager and assistant and, in the same query, why its credit stops a new
        order: an overdue debt, or a debt at or over its approved limit (None when nothing does).
        ``scoped``: None also for a client the caller may not see (``Scope.clients``), in the same
        query instead of loading the client card first."""
        today = self.uow.calendar.local_date(self.uow.clock.now())
        query = Scope(self.uow).clients(_CLIENT_WITH_CREDIT) if scoped else _CLIENT_WITH_CREDIT
        # Columns, no entity: a Core query on the session's connection, not through the ORM.
        connection = await flushed_connection(self.uow.session)
        row = (await connection.execute(query, {"client_id": client_id, "today": today})).first()
        if row is None:
            return None
        manager_id, assistant_id, credit_limit, owed, overdue_since = row
        client = ClientPeople(manager_id, assistant_id, credit_limit)
        owed = (Decimal(owed) / 100).quantize(Decimal("0.01"))  # kopecks, as Money stores them
        reasons = []
        if overdue_since is not None:
            since = (
                overdue_since if isinstance(overdue_since, date) else date.fromisoformat(str(overdue_since))
            )
            reasons.append(f"просроченный долг (срок оплаты {since:%d.%m.%Y}), всего долг {format_rub(owed)}")
        if client.credit_limit is not None and owed >= client.credit_limit:
            reasons.append(f"долг {format_rub(owed)} при кредитном лимите {format_rub(client.credit_limit)}")
        return client, "; ".join(reasons) or None

    async def _check_people(self, data: OrderCreate) -> tuple[ClientPeople | None, str | None]:
        client, credit = None, None
        if data.client_id is not None:
            # 404 for a client that does not exist or that the caller may not see, alike.
            found = await self._client_with_credit(data.client_id, scoped=True)
            if found is None:
                raise NotFound("client", data.client_id)
            client, credit = found
        for field in ("manager_id", "assistant_id"):
            ident = getattr(data, field)
            if ident is not None and await self.uow.session.get(Employee, ident) is None:
                raise FieldError(field, f"employee {ident} does not exist")
        return client, credit

    async def create(
        self,
        data: OrderCreate,
        *,
        source: str = "api",
        external_id: str | None = None,
        resolved: list[dict[str, Any]] | None = None,
        taken_by_id: int | None = None,
    ) -> Order:
        """Receive an order (any channel), then check it: accepted, or waiting for clarification.
        Who took it is the caller; the system (a webhook) names ``taken_by_id`` instead. The order
        given back is detached from the session, for reading: load it again to change it."""
        client, credit = await self._check_people(data)
        unchecked = False
        if resolved is not None:
            lines = resolved
        else:
            try:
                lines = await self.resolve_lines(data.lines)
            except ErpUnavailable:
                # 1C down does not stop intake: the lines are kept as written, and the order waits
                # for clarification until they are checked against the catalogue.
                lines, unchecked = [_as_written(line) for line in data.lines], True
        now = self.uow.clock.now()
        actor = self.uow.actor
        # Checked before the first write: a new order is written once, already accepted or waiting.
        gaps = [] if data.client_id is not None else ["client"]
        if not lines:
            gaps.append("lines")
        if unchecked:
            gaps.append("catalogue")
        incomplete = {i: missing for i, line in enumerate(lines, 1) if (missing := missing_fields_of(line))}
        problems = self._problems(gaps, incomplete, credit)
        gaps = problems["order"]
        status = OrderStatus.ACCEPTED if not gaps and not incomplete else OrderStatus.NEEDS_CLARIFICATION
        order = await OrderRepository(self.uow.session).add_new(
            {
                "channel": data.channel,
                "source": source,
                "external_id": external_id,
                "client_id": data.client_id,
                "manager_id": data.manager_id or (client.manager_id if client else None),
                "assistant_id": data.assistant_id or (client.assistant_id if client else None),
                "taken_by_id": actor.id if actor else taken_by_id,
                "raw_text": data.raw_text,
                "text_search": data.raw_text.lower() if data.raw_text is not None else None,
                "status": status,
                "problems": problems,
                "created_at": now,
                "updated_at": now,
            },
            lines,
            self.history,
            self._first_events,
        )
        if order.status == OrderStatus.NEEDS_CLARIFICATION:
            await self._ask_for_clarification(order, gaps, incomplete, new=True)
        return order

    def _first_events(self, order: Order) -> list[dict[str, Any]]:
        """A new order's history: received, then what its check made of it."""
        received = self._snapshot(order) | {"status": OrderStatus.RECEIVED.value}
        events = [self.history.row("order", order.id, "received", None, received)]
        check = self._check_event(order, OrderStatus.RECEIVED)
        if check is not None:
            events.append(check)
        return events

    @staticmethod
    def _gaps(order: Order) -> tuple[list[str], dict[int, list[str]]]:
        gaps: list[str] = []
        if order.client_id is None:
            gaps.append("client")
        if not order.lines:
            gaps.append("lines")
        incomplete = {line.position: missing_fields(line) for line in order.lines if missing_fields(line)}
        return gaps, incomplete

    @staticmethod
    def _problems(gaps: list[str], incomplete: dict[int, list[str]], credit: str | None) -> dict[str, Any]:
        problems: dict[str, Any] = {"order": list(gaps), "lines": {str(k): v for k, v in incomplete.items()}}
        if credit is not None:
            problems["order"].append("credit")
            problems["credit"] = credit
        return problems

    def _check_event(self, order: Order, before: OrderStatus) -> dict[str, Any] | None:
        """The history row of the check, when it moved the order."""
        if order.status == before:
            return None
        action = "accepted" if order.status == OrderStatus.ACCEPTED else "clarification_requested"
        return self.history.row(
            "order",
            order.id,
            action,
            {"status": before.value},
            {"status": order.status.value, "problems": order.problems},
        )

    def _record_check(self, order: Order, before: OrderStatus) -> None:
        event = self._check_event(order, before)
        if event is not None:
            self.history.add_row(event)

    async def create_once(
        self, data: OrderCreate, *, source: str, external_id: str, taken_by_id: int | None = None
    ) -> tuple[Order, bool]:
        """The same outside lead never makes two orders, even when deliveries race."""
        existing = await self.by_external(source, external_id)
        if existing is not None:
            return existing, False
        resolved = await self.resolve_lines(data.lines)
        try:
            async with self.uow.session.begin_nested():
                order = await self.create(
                    data,
                    source=source,
                    external_id=external_id,
                    resolved=resolved,
                    taken_by_id=taken_by_id,
                )
        except IntegrityError:
            raced = await self.by_external(source, external_id)
            if raced is None:
                raise
            return raced, False
        return order, True

    async def by_external(self, source: str, external_id: str) -> Order | None:
        query = select(Order).options(selectinload(Order.lines))
        found: Order | None = await self.uow.session.scalar(
            query.where(Order.source == source, Order.external_id == external_id)
        )
        return found

    async def clarify(self, order_id: int, data: OrderClarify, if_match: int | None) -> Order:
        """The manager's answer: set the client and/or replace the lines, then check again."""
        order = await self.get(order_id)
        ensure_version(order, if_match, "order")
        self.allow(order, "clarify")
        before = self._snapshot(order)
        if data.client_id is not None:
            client = await Scope(self.uow).client(data.client_id)
            if order.client_id != client.id:
                order.credit_approved = None  # a head's permission was for the other client
            order.client_id = client.id
            order.manager_id = order.manager_id or client.manager_id
            order.assistant_id = order.assistant_id or client.assistant_id
        if data.lines is not None:
            resolved = await self.resolve_lines(data.lines)
            order.lines = [OrderLine(position=i + 1, **values) for i, values in enumerate(resolved)]
        touch(order, self.uow)
        await self.uow.session.flush()
        self.history.record("order", order.id, "clarified", before, self._snapshot(order))
        await self._check(order)
        return order

    async def approve_credit(self, order_id: int, reason: str, if_match: int | None) -> Order:
        """A head takes the order despite the client's debt (permission checked at the edge)."""
        order = await self.get(order_id)
        ensure_version(order, if_match, "order")
        self.allow(order, "approve_credit")
        if "credit" not in (order.problems or {}).get("order", []):
            raise Conflict("the order is not held for the client's credit: nothing to approve")
        actor = self.uow.actor
        order.credit_approved = {
            "by": actor.id if actor else None,
            "at": self.uow.clock.now().isoformat(),
            "reason": reason,
            "hold": order.problems.get("credit"),
        }
        self.history.record("order", order.id, "credit_approved", None, dict(order.credit_approved))
        await self._check(order)
        await self._close_tasks(order, TaskKind.ESCALATE, f"Разрешено: {reason}")
        return order

    async def assign(self, order_id: int, assistant_id: int, manager_id: int, if_match: int | None) -> Order:
        """Give the order to an assistant and a manager (regulation, process 1, step 1: «Получить
        заявку от менеджера»), or to others later, with a history entry. Until then an order nobody
        owns has its tasks with the dispatcher (who took it: the configured employee or a head);
        its open tasks move to the new people: a clarification to the manager, the rest to the
        assistant, a head's decision stays with the head."""
        order = await self.get(order_id)
        ensure_version(order, if_match, "order")
        self.allow(order, "assign")
        for field, ident, role in (
            ("assistant_id", assistant_id, Role.ASSISTANT),
            ("manager_id", manager_id, Role.MANAGER),
        ):
            employee = await self.uow.session.scalar(
                select(Employee).options(selectinload(Employee.roles)).where(Employee.id == ident)
            )
            if employee is None:
                raise FieldError(field, f"employee {ident} does not exist")
            if not employee.is_active:
                raise FieldError(field, f"employee {ident} is not active")
            if role not in employee.role_set:
                raise FieldError(field, f"employee {ident} is not a {role.value}")
        before = {"assistant_id": order.assistant_id, "manager_id": order.manager_id}
        after = {"assistant_id": assistant_id, "manager_id": manager_id}
        if before == after:
            return order
        old_assistant, old_manager, dispatcher = order.assistant_id, order.manager_id, order.taken_by_id
        order.assistant_id, order.manager_id = assistant_id, manager_id
        touch(order, self.uow)
        self.history.record("order", order.id, "assign", before, after)
        tasks = TaskService(self.uow)
        for task in await self._open_tasks_of_people(order, {old_assistant, old_manager, dispatcher}):
            if task.assignee_id == old_assistant:
                target = assistant_id
            elif task.assignee_id == old_manager:
                target = manager_id
            else:
                target = manager_id if task.kind == TaskKind.CLARIFY else assistant_id
            await tasks.reassign(task, target)
        await self.uow.session.flush()
        return order

    async def _open_tasks_of_people(self, order: Order, people: set[int | None]) -> list[Task]:
        """The open tasks on the order and its invoices that its former people had; a head's
        decision (an escalation) is not theirs to move."""
        invoices = select(Invoice.id).where(Invoice.order_id == order.id)
        query = select(Task).where(
            Task.status.in_((TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
            Task.kind != TaskKind.ESCALATE,
            Task.assignee_id.in_([p for p in people if p is not None]),
            ((Task.subject_type == TaskSubject.ORDER) & (Task.subject_id == order.id))
            | ((Task.subject_type == TaskSubject.INVOICE) & Task.subject_id.in_(invoices.scalar_subquery())),
        )
        return list((await self.uow.session.scalars(query.order_by(Task.id))).all())

    async def cancel(self, order: Order, reason: str) -> OrderStatus:
        """The order's own part of its cancellation (`OrderCancellation` does the whole): the state,
        its workshop spec, its clarification tasks. Returns the state it left."""
        changes = {"cancel_reason": reason}
        before = ACTIONS.move(order, "cancel", self.history, {"reason": reason}, changes=changes)
        await cancel_spec_of_order(self.uow, order.id, reason)
        await self._close_clarification_tasks(order, "Заявка отменена")
        await self.uow.session.flush()
        return before

    async def unwind(self, order: Order, invoice: Invoice, before: OrderStatus, reason: str) -> None:
        """Past the client's approval, what the order set going: its open tasks cancelled, the
        warehouse told in its chat when it had the order, and the assistant asked to undo the
        reserve in 1C."""
        await TaskService(self.uow).end_open(
            TaskSubject.ORDER, order.id, TaskStatus.CANCELLED, "Заявка отменена"
        )
        if before in AT_THE_WAREHOUSE:
            await OutboxService(self.uow).add(
                kind=OutboundKind.CHAT,
                channel=WAREHOUSE_CHANNEL,
                recipient="",
                body=(
                    f"Заявка по счёту № {invoice.number} отменена: {reason}. "
                    "Не собирать; отложенное вернуть на склад."
                ),
                dedupe_key=f"warehouse-order:{order.id}:{invoice.number}:cancelled",
                about=(MessageAbout.ORDER, order.id),
            )
        await self.call_task(
            order,
            f"Отменить в 1С счёт № {invoice.number} (заявка №{order.id} отменена)",
            "Снять резерв по счёту и отметить счёт отменённым в 1С; заявки на закупку по нему отменены.",
            UNDO_IN_1C_WORKING_DAYS,
        )
        await self.uow.session.flush()

    async def call_task(
        self,
        order: Order,
        title: str,
        description: str,
        working_days: int,
        purpose: TaskPurpose | None = None,
    ) -> None:
        """A call for whoever works the order (its assistant, else who took it, else its manager),
        due in ``working_days`` on the business calendar."""
        assignee = order.assistant_id or order.taken_by_id or order.manager_id
        if assignee is None:
            return
        await TaskService(self.uow).add(
            kind=TaskKind.CALL,
            title=title,
            description=description,
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), working_days),
            subject_type=TaskSubject.ORDER,
            subject_id=order.id,
            purpose=purpose,
        )

    def allow(self, order: Order, action: str) -> None:
        ACTIONS.check(order.status, action)

    def move(self, order: Order, action: str, payload: dict[str, Any] | None = None) -> None:
        """Apply a transition of the table (checked) and write it to the history."""
        ACTIONS.move(order, action, self.history, payload)

    # --- the check ------------------------------------------------------------------------------

    async def _check(self, order: Order) -> None:
        """Accept a complete order; otherwise it waits and the manager gets a task to clarify."""
        gaps, incomplete = self._gaps(order)
        credit = None
        if order.client_id is not None and order.credit_approved is None:
            found = await self._client_with_credit(order.client_id)
            credit = found[1] if found else None
        before = order.status
        order.problems = self._problems(gaps, incomplete, credit)
        gaps = order.problems["order"]
        # The check's own entry (`_record_check`) records the outcome: the machine only moves.
        if not gaps and not incomplete:
            ACTIONS.move(order, "clarify", to=OrderStatus.ACCEPTED)
            await self._close_clarification_tasks(order, "Заявка уточнена и принята")
        else:
            ACTIONS.move(order, "clarify", to=OrderStatus.NEEDS_CLARIFICATION)
            await self._ask_for_clarification(order, gaps, incomplete)
        touch(order, self.uow)
        await self.uow.session.flush()
        self._record_check(order, before)

    async def _ask_for_clarification(
        self, order: Order, gaps: list[str], incomplete: dict[int, list[str]], *, new: bool = False
    ) -> None:
        if "credit" in gaps:
            await self._ask_a_head(order)
        assignee = order.manager_id or order.assistant_id or order.taken_by_id
        if assignee is None:
            return  # nobody to ask yet: the order stays in the "needs clarification" list
        # A new order has no task yet; a clarified one may still have its open one.
        if not new and await self._open_task(order, TaskKind.CLARIFY):
            return
        labels = {
            "model": "модель",
            "color": "цвет",
            "size": "размер",
            "height": "ростовка",
            "price_category": "ценовая категория",
        }
        parts = []
        if "credit" in gaps:
            parts.append(
                "клиент с долгом — нужно разрешение руководителя: " + str(order.problems.get("credit"))
            )
            await self._ask_a_head(order)
        if "catalogue" in gaps:
            parts.append("1С не ответила: позиции не сверены с каталогом, уточнить заявку, когда 1С ответит")
        if "client" in gaps:
            parts.append("не указан клиент")
        if "lines" in gaps:
            parts.append("нет ни одной позиции")
        for position, fields in incomplete.items():
            parts.append(f"позиция {position}: " + ", ".join(labels[f] for f in fields))
        await TaskService(self.uow).add(
            kind=TaskKind.CLARIFY,
            title=f"Уточнить заявку №{order.id}",
            description="Не хватает: " + "; ".join(parts),
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), CLARIFICATION_DUE_WORKING_DAYS),
            subject_type=TaskSubject.ORDER,
            subject_id=order.id,
        )

    async def _ask_a_head(self, order: Order) -> None:
        """The order waits for a head's decision on the client's credit: one open task for it."""
        head = await first_active_with_role(self.uow, Role.HEAD, Role.DIRECTOR)
        if head is None or await self._open_task(order, TaskKind.ESCALATE):
            return
        await TaskService(self.uow).add(
            kind=TaskKind.ESCALATE,
            title=f"Заявка №{order.id}: разрешить приём заявки клиента с долгом",
            description=str(order.problems.get("credit"))
            + ". Разрешить (с причиной) или отказать в приёме заявки.",
            assignee_id=head,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), CLARIFICATION_DUE_WORKING_DAYS),
            subject_type=TaskSubject.ORDER,
            subject_id=order.id,
        )

    @staticmethod
    def _open_tasks(order: Order, kind: TaskKind) -> Select[Task]:
        return select(Task).where(
            Task.subject_type == TaskSubject.ORDER,
            Task.subject_id == order.id,
            Task.kind == kind,
            Task.status.in_((TaskStatus.OPEN, TaskStatus.IN_PROGRESS)),
        )

    async def _open_task(self, order: Order, kind: TaskKind) -> bool:
        found = await self.uow.session.scalar(self._open_tasks(order, kind).with_only_columns(Task.id))
        return found is not None

    async def _close_clarification_tasks(self, order: Order, result: str) -> None:
        await self._close_tasks(order, TaskKind.CLARIFY, result)

    async def _close_tasks(self, order: Order, kind: TaskKind, result: str) -> None:
        await TaskService(self.uow).end_open(TaskSubject.ORDER, order.id, TaskStatus.DONE, result, kind=kind)

    @staticmethod
    def _snapshot(order: Order) -> dict[str, Any]:
        return snapshot(order) | {"lines": [snapshot(line) for line in order.lines]}


def _as_written(line: OrderLineIn) -> dict[str, Any]:
    """A line as the order wrote it, not checked against the catalogue (1C did not answer)."""
    return line.model_dump() | {"suggestions": [], "not_applicable": []}
