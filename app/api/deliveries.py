"""Delivery of a ready order, its checklist, and the client's feedback."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Response

from app.api.deps import ErpDep, IfMatchDep, PathId, UowDep, allowed, set_etag
from app.api.orders import one
from app.api.routing import api_router
from app.models.deliveries import Delivery
from app.models.orders import Order
from app.schemas.common import problems
from app.schemas.deliveries import DeliveryAgree, DeliveryRead, OrderFeedback, OrderReceived
from app.schemas.orders import OrderRead
from app.services.kernel.permissions import Permission
from app.services.orders.deliveries import DeliveryService, driver_message

router = api_router(prefix="/api/v1/orders", tags=["orders"])

READ = allowed(Permission.ORDERS_READ)
WRITE = allowed(Permission.ORDERS_WRITE)


async def delivery_service(uow: UowDep, erp: ErpDep) -> DeliveryService:
    return DeliveryService(uow, erp)


DeliveryDep = Annotated[DeliveryService, Depends(delivery_service)]


def _delivery(delivery: Delivery, response: Response) -> DeliveryRead:
    set_etag(response, delivery.version)
    return DeliveryRead.model_validate(delivery).model_copy(
        update={"driver_message": driver_message(delivery)}
    )


async def _order(deliveries: DeliveryService, order: Order, response: Response) -> OrderRead:
    return await one(deliveries.orders, order, response)


@router.post("/{order_id:int}/delivery", status_code=201, responses=problems(409), dependencies=WRITE)
async def agree_delivery(
    order_id: PathId, data: DeliveryAgree, deliveries: DeliveryDep, version: IfMatchDep, response: Response
) -> DeliveryRead:
    """Record the delivery agreed with the client: own driver, transport company or pickup; the
    date and time window; the address. The regulation's checklist for the method comes with it."""
    delivery = await deliveries.agree(
        order_id,
        method=data.method,
        planned_on=data.planned_on,
        window_from=data.window_from,
        window_to=data.window_to,
        address=data.address,
        carrier=data.carrier,
        if_match=version,
    )
    return _delivery(delivery, response)


@router.get("/{order_id:int}/delivery", dependencies=READ)
async def get_delivery(order_id: PathId, deliveries: DeliveryDep, response: Response) -> DeliveryRead:
    """The agreed delivery with its checklist (who ticked what, and when)."""
    return _delivery(await deliveries.of_order(order_id), response)


@router.post(
    "/{order_id:int}/delivery/checklist/{item}",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="tick_delivery_item",
)
async def tick_item(
    order_id: PathId,
    item: Annotated[str, Path(max_length=64, pattern=r"^[a-z_]+$")],
    deliveries: DeliveryDep,
    version: IfMatchDep,
    response: Response,
) -> DeliveryRead:
    """Tick an item of the checklist; `driver_message` also posts to the chat «Доставка», and is
    refused (409, naming them) until every item before it is ticked."""
    return _delivery(await deliveries.tick(order_id, item, version), response)


@router.post("/{order_id:int}/ship", responses=problems(409), dependencies=WRITE)
async def ship_order(
    order_id: PathId, deliveries: DeliveryDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """Shipped or handed over; refused until every item of the checklist is ticked."""
    return await _order(deliveries, await deliveries.ship(order_id, version), response)


@router.post("/{order_id:int}/received", responses=problems(409), dependencies=WRITE)
async def order_received(
    order_id: PathId, data: OrderReceived, deliveries: DeliveryDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """The client received the goods; the feedback call is set for the next working day."""
    return await _order(deliveries, await deliveries.received(order_id, data.received_on, version), response)


@router.post("/{order_id:int}/feedback", responses=problems(409), dependencies=WRITE)
async def order_feedback(
    order_id: PathId, data: OrderFeedback, deliveries: DeliveryDep, version: IfMatchDep, response: Response
) -> OrderRead:
    """The feedback call's outcome (rating, comment) closes the order."""
    return await _order(
        deliveries, await deliveries.feedback(order_id, data.rating, data.comment, version), response
    )
