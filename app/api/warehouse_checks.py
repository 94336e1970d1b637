"""The morning check with the warehouse: the day's sheets, the marks per position, the printout."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response

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
    pdf_response,
    set_etag,
)
from app.api.routing import api_router
from app.models.warehouse_checks import PRESENT_MARKS, WarehouseCheck
from app.schemas.common import IsoDate, Page, problems
from app.schemas.events import EventRead
from app.schemas.warehouse_checks import CheckKeeper, CheckMarks, CheckPicked, WarehouseCheckRead
from app.services.kernel.permissions import Permission
from app.services.workday.warehouse_checks import Mark, WarehouseCheckService, allowed_now

router = api_router(prefix="/api/v1/warehouse-checks", tags=["warehouse checks"])

WORK = allowed(Permission.WAREHOUSE_CHECKS)


async def warehouse_check_service(uow: UowDep, erp: ErpDep) -> WarehouseCheckService:
    return WarehouseCheckService(uow, erp)


WarehouseCheckDep = Annotated[WarehouseCheckService, Depends(warehouse_check_service)]


def to_read(check: WarehouseCheck) -> WarehouseCheckRead:
    orders: dict[int, bool] = {}
    for item in check.items:
        orders[item.order_id] = orders.get(item.order_id, True) and item.mark in PRESENT_MARKS
    fields = {k: getattr(check, k) for k in WarehouseCheckRead.model_fields if hasattr(check, k)}
    return WarehouseCheckRead.model_validate(
        fields
        | {
            "allowed_actions": offered("/api/v1/warehouse-checks/{check_id}", allowed_now(check)),
            "picked_order_ids": sorted(o for o, done in orders.items() if done),
            "items": list(check.items),
        }
    )


def _one(check: WarehouseCheck, response: Response) -> WarehouseCheckRead:
    set_etag(response, check.version)
    return to_read(check)


@router.get("", dependencies=WORK)
async def list_warehouse_checks(
    checks: WarehouseCheckDep,
    page: PageDep,
    day: Annotated[IsoDate | None, Query()] = None,
    assistant_id: QueryId = None,
) -> Page[WarehouseCheckRead]:
    """The check sheets, by day and assistant (made by the worker at 8:30 every working day)."""
    result = await checks.page(day=day, assistant_id=assistant_id, cursor=page.cursor, limit=page.limit)
    return Page(items=[to_read(c) for c in result.items], next_cursor=result.next_cursor)


@router.get("/{check_id:int}", dependencies=WORK)
async def get_warehouse_check(
    check_id: PathId, checks: WarehouseCheckDep, response: Response
) -> WarehouseCheckRead:
    """One sheet with every position and its mark."""
    return _one(await checks.get(check_id), response)


@router.get(
    "/{check_id:int}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The sheet to print"},
        **problems(503),
    },
    dependencies=WORK,
)
async def warehouse_check_pdf(check_id: PathId, checks: WarehouseCheckDep) -> Response:
    """The check sheet as a PDF, printed and taken to the keeper."""
    check, pdf = await checks.pdf(check_id)
    filename = f"warehouse-check-{check.day.isoformat()}-{check.assistant_id}.pdf"
    return pdf_response(pdf, filename)


@router.post("/{check_id:int}/start", responses=problems(409), dependencies=WORK)
async def start_warehouse_check(
    check_id: PathId, checks: WarehouseCheckDep, version: IfMatchDep, response: Response
) -> WarehouseCheckRead:
    """The assistant and the keeper begin the check."""
    return _one(await checks.start(check_id, version), response)


@router.post("/{check_id:int}/keeper", dependencies=WORK)  # no 409: in any state of the sheet
async def set_warehouse_check_keeper(
    check_id: PathId, data: CheckKeeper, checks: WarehouseCheckDep, version: IfMatchDep, response: Response
) -> WarehouseCheckRead:
    """The keeper the assistant checks with (the next sheets keep them)."""
    return _one(await checks.set_keeper(check_id, data.keeper_id, version), response)


@router.post("/{check_id:int}/marks", responses=problems(409), dependencies=WORK)
async def mark_warehouse_check(
    check_id: PathId, data: CheckMarks, checks: WarehouseCheckDep, version: IfMatchDep, response: Response
) -> WarehouseCheckRead:
    """Marks per position: set aside in the warehouse or in the shop, arrived yesterday, missing.
    Arrivals are recorded in the requisition book; an invoice with every position there is picked
    and its manager is told (a chat message and a call task)."""
    marks = [Mark(m.item_id, m.mark) for m in data.marks]
    return _one(await checks.mark(check_id, marks, version), response)


@router.post("/{check_id:int}/picked", dependencies=WORK)  # no 409: in any state, after the check too
async def warehouse_check_picked(
    check_id: PathId, data: CheckPicked, checks: WarehouseCheckDep, version: IfMatchDep, response: Response
) -> WarehouseCheckRead:
    """The keeper's «собрано» for an invoice left on the sheet: it is picked, the manager is told."""
    return _one(await checks.picked(check_id, data.order_id, version), response)


@router.post("/{check_id:int}/complete", responses=problems(409), dependencies=WORK)
async def complete_warehouse_check(
    check_id: PathId, checks: WarehouseCheckDep, version: IfMatchDep, response: Response
) -> WarehouseCheckRead:
    """The check is done (every position has a mark)."""
    return _one(await checks.complete(check_id, version), response)


@router.get("/{check_id:int}/history", dependencies=allowed(Permission.WAREHOUSE_CHECKS))
async def warehouse_check_history(
    check_id: PathId, checks: WarehouseCheckDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every step of the sheet."""
    await checks.get(check_id)
    return await history_page(events, "warehouse_check", check_id, page)
