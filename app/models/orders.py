"""Orders from every channel, their lines, and the raw webhook deliveries they may come from."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, KeptFile, Versioned, str_enum


class OrderChannel(StrEnum):
    """The channels the regulation lists."""

    AMOCRM = "amocrm"
    WHATSAPP = "whatsapp"
    MANAGER_CHAT = "manager_chat"
    PAPER = "paper"
    PHONE = "phone"
    MAILBOX = "mailbox"
    PROPOSAL = "proposal"  # made from a commercial proposal the client accepted


class OrderStatus(StrEnum):
    RECEIVED = "received"
    NEEDS_CLARIFICATION = "needs_clarification"
    ACCEPTED = "accepted"
    INVOICED = "invoiced"
    SENT_FOR_APPROVAL = "sent_for_approval"
    REVISION = "revision"
    APPROVED = "approved"
    FULFILMENT = "fulfilment"
    SENT_TO_WAREHOUSE = "sent_to_warehouse"
    WAITING_FOR_SUPPLY = "waiting_for_supply"
    READY = "ready"
    DELIVERY_AGREED = "delivery_agreed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Order(Versioned, Base):
    __tablename__ = "orders"
    __table_args__ = (
        # One order per lead of an outside system, however often it is delivered.
        UniqueConstraint("source", "external_id"),
        Index("ix_orders_status_created", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[OrderChannel] = mapped_column(str_enum(OrderChannel))
    source: Mapped[str] = mapped_column(String(32))  # "api" or the system it came from ("amocrm")
    external_id: Mapped[str | None] = mapped_column(String(64))
    client_id: Mapped[int | None] = mapped_column(ForeignKey("clients.id", ondelete="RESTRICT"), index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    assistant_id: Mapped[int | None] = mapped_column(
        ForeignKey("employees.id", ondelete="SET NULL"), index=True
    )
    taken_by_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id", ondelete="SET NULL"))
    raw_text: Mapped[str | None] = mapped_column(Text)
    # raw_text in lower case, for the list's search: SQLite's lower() and LIKE fold only ASCII and
    # PostgreSQL's fold by the database's locale, so Python folds it once, as for a client's name.
    text_search: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    # Why the order waits: per-line missing fields and order-level gaps, as shown to the manager.
    problems: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A head's permission to take the order despite the client's overdue debt or credit limit:
    # {"by": employee id, "at": ISO time, "reason": text}.
    credit_approved: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    # The commercial proposal the order was made from, when it was.
    proposal_id: Mapped[int | None] = mapped_column(
        ForeignKey("proposals.id", ondelete="RESTRICT"), unique=True
    )
    created_at: Mapped[datetime] = mapped_column(index=True)
    updated_at: Mapped[datetime]

    lines: Mapped[list[OrderLine]] = relationship(
        lazy="raise", cascade="all, delete-orphan", order_by="OrderLine.position"
    )


class Fulfilment(StrEnum):
    """Per line, after the invoice is approved: take from stock, or procure for this invoice."""

    RESERVE = "reserve"
    PROCURE = "procure"


class OrderLine(Base):
    __tablename__ = "order_lines"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    product_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(300))
    model: Mapped[str | None] = mapped_column(String(100))
    color: Mapped[str | None] = mapped_column(String(100))
    size: Mapped[str | None] = mapped_column(String(32))
    height: Mapped[str | None] = mapped_column(String(32))
    price_category: Mapped[str | None] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # Characteristics the catalogue item does not have (boots have no height): not asked for.
    not_applicable: Mapped[list[str]] = mapped_column(JSON, default=list)
    fulfilment: Mapped[Fulfilment | None] = mapped_column(str_enum(Fulfilment))
    # The 1C reservation made for the line (None until the worker has made it).
    reserved_ref: Mapped[str | None] = mapped_column(String(64))
    # A price agreed before the order (a proposal's): the invoice takes it instead of the price list.
    agreed_price: Mapped[Decimal | None]
    unit: Mapped[str | None] = mapped_column(String(16))


class DeliveryStatus(StrEnum):
    RECEIVED = "received"
    PROCESSED = "processed"
    REJECTED = "rejected"
    FAILED = "failed"


class WebhookDelivery(Base):
    """A raw inbound webhook, stored before anything else is done with it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status", "status", "received_at"),
        # How many deliveries one address had refused lately: the limit counts them on every refusal.
        Index("ix_webhook_deliveries_source_address", "source_address", "received_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
    content_type: Mapped[str | None] = mapped_column(String(200))
    # Whole when accepted; of a refused delivery only its beginning (body_length says how long it was).
    body: Mapped[str] = mapped_column(Text)
    body_length: Mapped[int | None] = mapped_column(Integer)
    source_address: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[DeliveryStatus] = mapped_column(str_enum(DeliveryStatus))
    reason: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    processed_at: Mapped[datetime | None]
    order_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class OrderAttachment(KeptFile, Base):
    """A file the order came with (a scan of a paper order, a letter, a price list), kept in the
    file storage under a key made of its content's hash."""

    __tablename__ = "order_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
