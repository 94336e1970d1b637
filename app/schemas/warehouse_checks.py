"""The morning check with the warehouse."""

from __future__ import annotations

from pydantic import Field

from app.models.warehouse_checks import CheckStatus, ItemMark
from app.schemas.common import AllowedActions, Id, IsoDate, ReadModel, StrictModel, Timestamp


class CheckItemRead(ReadModel):
    id: int
    order_id: int
    invoice_id: int
    order_line_id: int
    requisition_id: int | None
    position: int
    name: str
    quantity: int
    fulfilment: str = Field(description="reserve (from stock) or procure (the requisition book)")
    expected_on: IsoDate | None
    mark: ItemMark
    marked_by_id: int | None
    marked_at: Timestamp | None


class WarehouseCheckRead(ReadModel):
    id: int
    day: IsoDate
    assistant_id: int
    keeper_id: int | None
    status: CheckStatus
    allowed_actions: AllowedActions
    started_at: Timestamp | None
    completed_at: Timestamp | None
    reminded_at: Timestamp | None
    picked_order_ids: list[int] = Field(description="Orders on the sheet whose every position is there")
    items: list[CheckItemRead]
    version: int
    created_at: Timestamp
    updated_at: Timestamp


class ItemMarkIn(StrictModel):
    item_id: Id
    mark: ItemMark


class CheckMarks(StrictModel):
    marks: list[ItemMarkIn] = Field(min_length=1, max_length=500)


class CheckPicked(StrictModel):
    order_id: Id


class CheckKeeper(StrictModel):
    keeper_id: Id
