"""The requisition book: supply orders, sets expected dates, records arrivals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response

from app.api.actions import offered
from app.api.deps import (
    ErpDep,
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    UowDep,
    allowed,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.models.requisitions import Requisition, RequisitionStatus
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.requisitions import (
    RequisitionArrived,
    RequisitionCancel,
    RequisitionExpected,
    RequisitionOrdered,
    RequisitionRead,
)
from app.services.kernel.permissions import Permission
from app.services.orders.requisitions import RequisitionService, allowed_actions

router = api_router(prefix="/api/v1/requisitions", tags=["requisitions"])

READ = allowed(Permission.REQUISITIONS_READ)
WRITE = allowed(Permission.REQUISITIONS_WRITE)


async def requisition_service(uow: UowDep, erp: ErpDep) -> RequisitionService:
    return RequisitionService(uow, erp)


RequisitionDep = Annotated[RequisitionService, Depends(requisition_service)]


def to_read(requisition: Requisition) -> RequisitionRead:
    fields = {k: getattr(requisition, k) for k in RequisitionRead.model_fields if k != "allowed_actions"}
    return RequisitionRead.model_validate(
        fields
        | {
            "allowed_actions": offered(
                "/api/v1/requisitions/{requisition_id}", allowed_actions(requisition.status)
            )
        }
    )


def _one(requisition: Requisition, response: Response) -> RequisitionRead:
    set_etag(response, requisition.version)
    return to_read(requisition)


@router.get("", dependencies=READ)
async def list_requisitions(
    requisitions: RequisitionDep,
    page: PageDep,
    status: RequisitionStatus | None = None,
    order_id: QueryId = None,
) -> Page[RequisitionRead]:
    """The requisition book: lines to procure, oldest first."""
    result = await requisitions.page(status=status, order_id=order_id, cursor=page.cursor, limit=page.limit)
    return Page(items=[to_read(r) for r in result.items], next_cursor=result.next_cursor)


@router.get("/{requisition_id:int}", dependencies=READ)
async def get_requisition(
    requisition_id: PathId, requisitions: RequisitionDep, response: Response
) -> RequisitionRead:
    """One line of the requisition book."""
    return _one(await requisitions.get(requisition_id), response)


@router.post(
    "/{requisition_id:int}/ordered",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="requisition_ordered",
)
async def mark_ordered(
    requisition_id: PathId,
    data: RequisitionOrdered,
    requisitions: RequisitionDep,
    version: IfMatchDep,
    response: Response,
) -> RequisitionRead:
    """Supply has ordered the goods."""
    return _one(
        await requisitions.mark_ordered(requisition_id, data.comment, version),
        response,
    )


@router.post(
    "/{requisition_id:int}/expected",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="requisition_expected",
)
async def set_expected(
    requisition_id: PathId,
    data: RequisitionExpected,
    requisitions: RequisitionDep,
    version: IfMatchDep,
    response: Response,
) -> RequisitionRead:
    """Supply sets the expected date; the assistant gets a task to call the client with it."""
    return _one(
        await requisitions.set_expected(requisition_id, data.expected_on, version),
        response,
    )


@router.post(
    "/{requisition_id:int}/arrived",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="requisition_arrived",
)
async def mark_arrived(
    requisition_id: PathId,
    data: RequisitionArrived,
    requisitions: RequisitionDep,
    version: IfMatchDep,
    response: Response,
) -> RequisitionRead:
    """The goods arrived (the morning warehouse check will record this too)."""
    return _one(
        await requisitions.mark_arrived(requisition_id, data.arrived_on, version),
        response,
    )


@router.post("/{requisition_id:int}/cancel", responses=problems(409), dependencies=WRITE)
async def cancel_requisition(
    requisition_id: PathId,
    data: RequisitionCancel,
    requisitions: RequisitionDep,
    version: IfMatchDep,
    response: Response,
) -> RequisitionRead:
    """Cancel the line, with the reason."""
    return _one(
        await requisitions.cancel(requisition_id, data.comment, version),
        response,
    )


@router.get("/{requisition_id:int}/history", dependencies=READ)
async def requisition_history(
    requisition_id: PathId, requisitions: RequisitionDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the line, oldest first."""
    await requisitions.get(requisition_id)
    return await history_page(events, "requisition", requisition_id, page)
