"""Orders as they are stored: the one place that writes a new order and its lines.

Why a fast path: every channel's intake (the amoCRM webhook above all, up to a hundred orders a
second) writes a new order, its lines and its first history entries, and nothing changes them
before the commit. Through the ORM's unit of work (object construction, flush planning, attribute
history, the session's bookkeeping at the close) that cost most of an intake's CPU, so here they
are a few Core statements and the objects given back are built from the rows written, detached
from the session, for reading (``insert_detached``), all on the one connection of the session taken
once. Every other change to an order goes through
the session as usual. The service decides what an order is; this module only keeps it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.core.db import flushed_connection, insert_detached
from app.models.orders import Order, OrderLine
from app.services.kernel.history import HistoryService


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_new(
        self,
        order: dict[str, Any],
        lines: list[dict[str, Any]],
        history: HistoryService,
        events: Callable[[Order], list[dict[str, Any]]],
    ) -> Order:
        """The new order with its lines (positions from 1, in the order given) and its first history
        entries (``events`` of the order written), written at once; columns not given take the
        model's defaults. The order comes back detached, its lines loaded: load it again to change
        it."""
        connection: AsyncConnection = await flushed_connection(self.session)
        (new,) = await insert_detached(connection, Order, [order])
        rows = [{**values, "order_id": new.id, "position": i} for i, values in enumerate(lines, 1)]
        set_committed_value(new, "lines", await insert_detached(connection, OrderLine, rows))
        await history.insert(events(new), connection)
        return new
