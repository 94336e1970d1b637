"""The morning check with the warehouse (сверка со складом, 8:30–9:00): one sheet a working day for
each assistant and their keeper, one row per position of the invoices that need checking."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, Versioned, str_enum


class CheckStatus(StrEnum):
    OPEN = "open"
    STARTED = "started"
    DONE = "done"


class ItemMark(StrEnum):
    """What the keeper or the assistant found for a position."""

    PENDING = "pending"
    SET_ASIDE_WAREHOUSE = "set_aside_warehouse"
    SET_ASIDE_SHOP = "set_aside_shop"
    ARRIVED = "arrived"
    MISSING = "missing"


PRESENT_MARKS = frozenset({ItemMark.SET_ASIDE_WAREHOUSE, ItemMark.SET_ASIDE_SHOP, ItemMark.ARRIVED})


class WarehouseCheck(Versioned, Base):
    __tablename__ = "warehouse_checks"
    __table_args__ = (
        UniqueConstraint("day", "assistant_id"),
        Index("ix_warehouse_checks_status", "status", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    assistant_id: Mapped[int] = mapped_column(ForeignKey("employees.id", ondelete="RESTRICT"), index=True)
    keeper_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    status: Mapped[CheckStatus] = mapped_column(str_enum(CheckStatus))
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    items: Mapped[list[WarehouseCheckItem]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="WarehouseCheckItem.id"
    )


class WarehouseCheckItem(Base):
    __tablename__ = "warehouse_check_items"
    __table_args__ = (UniqueConstraint("check_id", "order_line_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("warehouse_checks.id", ondelete="CASCADE"), index=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="RESTRICT"))
    order_line_id: Mapped[int] = mapped_column(ForeignKey("order_lines.id", ondelete="RESTRICT"))
    requisition_id: Mapped[int | None] = mapped_column(ForeignKey("requisitions.id", ondelete="SET NULL"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(300))
    quantity: Mapped[int] = mapped_column(Integer)
    fulfilment: Mapped[str] = mapped_column(String(16))
    expected_on: Mapped[date | None] = mapped_column(Date)
    mark: Mapped[ItemMark] = mapped_column(str_enum(ItemMark))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    marked_at: Mapped[datetime | None]
