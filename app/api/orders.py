"""Orders from every channel: intake, clarification, cancellation."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, File, Query, Response, UploadFile, status

from app.api.actions import offered
from app.api.deps import (
    DOCUMENT_BODY,
    STORED_FILE,
    ErpDep,
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    SettingsDep,
    StorageDep,
    UowDep,
    allowed,
    file_response,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.core.db import MAX_ID
from app.models.orders import Order, OrderChannel, OrderStatus
from app.schemas.common import IsoDate, Page, problems
from app.schemas.events import EventRead
from app.schemas.orders import (
    CreditApproval,
    OrderAssign,
    OrderAttachmentRead,
    OrderCancel,
    OrderClarify,
    OrderCreate,
    OrderLineRead,
    OrderRead,
)
from app.services.kernel.permissions import Permission
from app.services.orders.attachments import OrderFileService
from app.services.orders.cancel import OrderCancellation
from app.services.orders.fulfilment import FulfilmentService
from app.services.orders.service import OrderFilter, OrderService, missing_fields_of
from app.services.orders.warehouse import WarehouseService

router = api_router(prefix="/api/v1/orders", tags=["orders"])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

READ = allowed(Permission.ORDERS_READ)
WRITE = allowed(Permission.ORDERS_WRITE)


async def order_service(uow: UowDep, erp: ErpDep) -> OrderService:
    return OrderService(uow, erp)


OrderDep = Annotated[OrderService, Depends(order_service)]


async def warehouse_service(uow: UowDep, erp: ErpDep) -> WarehouseService:
    return WarehouseService(uow, erp)


WarehouseDep = Annotated[WarehouseService, Depends(warehouse_service)]


async def fulfilment_service(uow: UowDep, erp: ErpDep) -> FulfilmentService:
    return FulfilmentService(uow, erp)


FulfilmentDep = Annotated[FulfilmentService, Depends(fulfilment_service)]


async def order_file_service(
    orders: OrderDep, storage: StorageDep, settings: SettingsDep
) -> OrderFileService:
    return OrderFileService(orders.uow, orders, storage, settings.storage.max_document_bytes)


OrderFileDep = Annotated[OrderFileService, Depends(order_file_service)]


_ORDER_FIELDS = tuple(
    k for k in OrderRead.model_fields if k not in ("allowed_actions", "problems", "lines", "credit_hold")
)
_LINE_FIELDS = (*(k for k in OrderLineRead.model_fields if k != "missing"), "not_applicable")


def _loaded(row: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    """The row's values as loaded (its state), through the attribute only where one is not there:
    every order answered, a new one above all, reads some two hundred of them."""
    state = row.__dict__
    return {k: state[k] if k in state else getattr(row, k) for k in keys}


def to_read(order: Order, actions: list[str]) -> OrderRead:
    problems = order.problems or {}
    lines = []
    for line in order.lines:
        values = _loaded(line, _LINE_FIELDS)
        values["missing"] = missing_fields_of(values)
        lines.append(OrderLineRead.model_validate(values))
    return OrderRead(
        **_loaded(order, _ORDER_FIELDS),
        allowed_actions=offered("/api/v1/orders/{order_id}", actions),
        problems=list(problems.get("order", [])),
        credit_hold=problems.get("credit"),
        lines=lines,
    )


async def to_reads(orders: OrderService, rows: Sequence[Order]) -> list[OrderRead]:
    allowed = await orders.allowed_now(rows)
    return [to_read(order, allowed[order.id]) for order in rows]


async def one(orders: OrderService, order: Order, response: Response) -> OrderRead:
    set_etag(response, order.version)
    return (await to_reads(orders, [order]))[0]


@router.get("", dependencies=READ)
async def list_orders(
    orders: OrderDep,
    page: PageDep,
    status_: Annotated[OrderStatus | None, Query(alias="status")] = None,
    channel: OrderChannel | None = None,
    client_id: QueryId = None,
    assistant_id: Annotated[
        int | None, Query(ge=1, le=MAX_ID, description="The employee who works the order as its assistant")
    ] = None,
    created_from: Annotated[
        IsoDate | None, Query(description="Received on or after this day (the company's time zone)")
    ] = None,
    created_to: Annotated[
        IsoDate | None, Query(description="Received on or before this day (the company's time zone)")
    ] = None,
    q: Annotated[
        str | None,
        Query(
            max_length=100,
            description="Part of the order's number, of its client's name or INN, or of its text; "
            "any letter case",
        ),
    ] = None,
) -> Page[OrderRead]:
    """Orders you may see (your department's; all for heads and accountants), newest first,
    narrowed by every filter given. A `created_to` before `created_from` is a 422."""
    filters = OrderFilter(
        status=status_,
        channel=channel,
        client_id=client_id,
        assistant_id=assistant_id,
        created_from=created_from,
        created_to=created_to,
        q=q.strip() if q and q.strip() else None,
    )
    result = await orders.page(filters, cursor=page.cursor, limit=page.limit)
    return Page(items=await to_reads(orders, result.items), next_cursor=result.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(404, 409), dependencies=WRITE)
async def create_order(data: OrderCreate, orders: OrderDep, response: Response) -> OrderRead:
    """Register an order from any channel. It is accepted only when it names the client and every
    line names model, color, size, height and price category; otherwise it waits in
    `needs_clarification` with what is missing, and the manager gets a task to clarify."""
    return await one(orders, await orders.create(data), response)


@router.get("/{order_id:int}", dependencies=READ)
async def get_order(order_id: PathId, orders: OrderDep, response: Response) -> OrderRead:
    """One order with its lines, what each still lacks, and the actions allowed now."""
    return await one(orders, await orders.get(order_id), response)


@router.post("/{order_id:int}/clarify", responses=problems(409), dependencies=WRITE)
async def clarify_order(
    order_id: PathId, data: OrderClarify, orders: OrderDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """Record the manager's answer (the client, the lines in full); the order is checked again.
    Allowed until the order is invoiced: an accepted free-text line is matched to its 1C item here."""
    return await one(orders, await orders.clarify(order_id, data, version), response)


@router.post("/{order_id:int}/cancel", responses=problems(409), dependencies=WRITE)
async def cancel_order(
    order_id: PathId,
    data: OrderCancel,
    orders: OrderDep,
    settings: SettingsDep,
    version: IfMatchDep,
    response: Response,
) -> OrderRead:
    """Cancel the order, with the reason."""
    cancellation = OrderCancellation(orders.uow, orders.erp, settings.company)
    return await one(orders, await cancellation.cancel(order_id, data.reason, version), response)


@router.post(
    "/{order_id:int}/assign", responses=problems(409), dependencies=allowed(Permission.ORDERS_ASSIGN)
)
async def assign_order(
    order_id: PathId, data: OrderAssign, orders: OrderDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """Give the order to an assistant and a manager (a head or the director), or to others while
    it is open, with a history entry. Until an order nobody owns is assigned, its tasks go to who
    took it (the configured dispatcher, else a head); its open tasks then move to the new people,
    a clarification to the manager and the rest to the assistant."""
    return await one(
        orders, await orders.assign(order_id, data.assistant_id, data.manager_id, version), response
    )


@router.post(
    "/{order_id:int}/approve-credit",
    responses=problems(409),
    dependencies=allowed(Permission.CREDIT_TERMS_APPROVE),
)
async def approve_order_credit(
    order_id: PathId, data: CreditApproval, orders: OrderDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """The director or the department head takes an order of a client with an overdue debt or
    over its credit limit, giving the reason; the order is checked again (and accepted when
    nothing else is missing)."""
    return await one(orders, await orders.approve_credit(order_id, data.reason, version), response)


@router.post(
    "/{order_id:int}/attachments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*WRITE, DOCUMENT_BODY],
    operation_id="attach_order_file",
)
async def attach_file(
    order_id: PathId,
    file: Annotated[UploadFile, File(description="PDF, a picture, Word, Excel or UTF-8 text")],
    files: OrderFileDep,
    settings: SettingsDep,
) -> OrderAttachmentRead:
    """Keep a file the order came with: a scan of the paper order, the letter from the shared
    mailbox, the client's list (multipart form field `file`; the type is told by the content)."""
    content = await file.read(settings.storage.max_document_bytes + 1)
    await file.close()
    attachment = await files.add(order_id, file.filename, content)
    return OrderAttachmentRead.model_validate(attachment)


@router.get("/{order_id:int}/attachments", dependencies=READ)
async def order_attachments(order_id: PathId, files: OrderFileDep) -> Page[OrderAttachmentRead]:
    """The files the order came with, oldest first (one page: an order's files are limited in
    number)."""
    rows = await files.list(order_id)
    return Page(items=[OrderAttachmentRead.model_validate(a) for a in rows], next_cursor=None)


@router.get(
    "/{order_id:int}/attachments/{attachment_id:int}",
    response_class=Response,
    responses=STORED_FILE,
    dependencies=READ,
)
async def order_attachment_file(order_id: PathId, attachment_id: PathId, files: OrderFileDep) -> Response:
    """The file as it was uploaded."""
    attachment, content = await files.content(order_id, attachment_id)
    return file_response(content, attachment.content_type, attachment.filename)


@router.get("/{order_id:int}/history", dependencies=READ)
async def order_history(
    order_id: PathId, orders: OrderDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change and transition of the order, oldest first."""
    await orders.get(order_id)
    return await history_page(events, "order", order_id, page)


@router.post("/{order_id:int}/fulfil", responses=problems(409), dependencies=WRITE)
async def fulfil_order(
    order_id: PathId, orders: OrderDep, fulfilment: FulfilmentDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """After the client approved the invoice: check stock for every line through 1C; in stock →
    reserve, not in stock → procure separately (a requisition-book line for supply)."""
    order = await fulfilment.fulfil(order_id, version)
    return await one(orders, order, response)


@router.post("/{order_id:int}/send-to-warehouse", responses=problems(409), dependencies=WRITE)
async def send_to_warehouse(
    order_id: PathId, orders: OrderDep, warehouse: WarehouseDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """Post the invoice to the chat «Заявки на склад» as an Excel file (sent by the worker)."""
    return await one(orders, await warehouse.send(order_id, version), response)


@router.post(
    "/{order_id:int}/warehouse-accepted",
    responses=problems(409),
    dependencies=allowed(Permission.WAREHOUSE_ACCEPT),
)
async def warehouse_accepted(
    order_id: PathId, orders: OrderDep, warehouse: WarehouseDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """The warehouse's «Принято»: the order waits at the warehouse for its lines and the picking."""
    return await one(orders, await warehouse.accept(order_id, version), response)


@router.post(
    "/{order_id:int}/ready",
    responses=problems(409),
    dependencies=allowed(Permission.WAREHOUSE_ACCEPT),
)
async def order_ready(
    order_id: PathId, orders: OrderDep, warehouse: WarehouseDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """The keeper's «собрано»: every line is at the warehouse (reserved, or arrived) and picked, so
    the order is ready to ship and the assistant gets a call to tell the client. A line not there
    yet is a 409 listing its position in `missing` (with its name in `titles`)."""
    return await one(orders, await warehouse.ready(order_id, version), response)


@router.get(
    "/{order_id:int}/warehouse.xlsx",
    response_class=Response,
    dependencies=READ,
    responses={200: {"content": {XLSX: {}}, "description": "The order for the warehouse"}},
)
async def warehouse_document(order_id: PathId, warehouse: WarehouseDep) -> Response:
    """The Excel file the warehouse gets, as it would be made now."""
    filename, content = await warehouse.document(order_id)
    return file_response(content, XLSX, filename)
