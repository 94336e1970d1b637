"""Delivery of a ready order as agreed with the client, with the regulation's checklist per method."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, Time
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, Versioned, str_enum


class DeliveryMethod(StrEnum):
    OWN_DRIVER = "own_driver"
    TRANSPORT_COMPANY = "transport_company"
    PICKUP = "pickup"


class Delivery(Versioned, Base):
    __tablename__ = "deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="RESTRICT"), unique=True)
    method: Mapped[DeliveryMethod] = mapped_column(str_enum(DeliveryMethod))
    carrier: Mapped[str | None] = mapped_column(String(200))
    planned_on: Mapped[date] = mapped_column(Date)
    window_from: Mapped[time | None] = mapped_column(Time)
    window_to: Mapped[time | None] = mapped_column(Time)
    address: Mapped[str | None] = mapped_column(String(500))
    # The regulation's steps for the method: [{"key", "title", "done_by", "done_at"}].
    checklist: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    received_on: Mapped[date | None] = mapped_column(Date)
    rating: Mapped[int | None] = mapped_column(Integer)
    feedback: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
