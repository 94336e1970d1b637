"""The files an order came with: uploaded, checked by content, kept in the file storage."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select

from app.core.errors import NotFound
from app.models.orders import OrderAttachment
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.ports import Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.media.files import check_document
from app.services.orders.service import OrderService

_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\\\]+")


def clean_filename(name: str | None, extension: str) -> str:
    """The name as the sender gave it, without paths or control characters; never empty."""
    base = _UNSAFE.sub("_", (name or "").strip()).strip(" ._") or "file"
    if not base.lower().endswith("." + extension):
        base = f"{base}.{extension}"
    return base[-255:]


class OrderFileService:
    def __init__(self, uow: UnitOfWork, orders: OrderService, storage: Storage, max_bytes: int) -> None:
        self.uow = uow
        self.orders = orders
        self.storage = storage
        self.max_bytes = max_bytes

    async def add(self, order_id: int, filename: str | None, content: bytes) -> OrderAttachment:
        order = await self.orders.get(order_id)  # only who may see the order adds to it
        checked = check_document(content, self.max_bytes)
        digest = hashlib.sha256(content).hexdigest()
        key = f"orders/{order.id}/{digest}.{checked.extension}"
        # Stored by content: a retried or refused upload leaves at most the same bytes again.
        await self.storage.put(key, content, checked.content_type)
        attachment = OrderAttachment(
            order_id=order.id,
            filename=clean_filename(filename, checked.extension),
            content_type=checked.content_type,
            size=len(content),
            storage_key=key,
            uploaded_by_id=self.uow.actor.id if self.uow.actor else None,
            created_at=self.uow.clock.now(),
        )
        self.uow.session.add(attachment)
        await self.uow.session.flush()
        HistoryService(self.uow).record("order", order.id, "attachment_added", None, snapshot(attachment))
        return attachment

    async def list(self, order_id: int) -> list[OrderAttachment]:
        await self.orders.get(order_id)
        rows = await self.uow.session.scalars(
            select(OrderAttachment).where(OrderAttachment.order_id == order_id).order_by(OrderAttachment.id)
        )
        return list(rows)

    async def content(self, order_id: int, attachment_id: int) -> tuple[OrderAttachment, bytes]:
        await self.orders.get(order_id)
        attachment = await self.uow.session.get(OrderAttachment, attachment_id)
        if attachment is None or attachment.order_id != order_id:
            raise NotFound("attachment", attachment_id)
        stored = await self.storage.get(attachment.storage_key)
        if stored is None:
            raise NotFound("attachment file", attachment_id)
        return attachment, stored.content
