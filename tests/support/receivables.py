"""Building a receivables dataset by hand: approved invoices (each with its order) on chosen dates."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order, OrderChannel, OrderStatus
from app.services.invoices.service import record_shipment
from tests.conftest import NOW


async def add_invoice(
    factory: async_sessionmaker[AsyncSession],
    client_id: int,
    *,
    issued_on: date,
    due_on: date,
    total: str,
    shipped_on: date | None = None,
    shipped: bool = True,
    paid: str = "0.00",
    status: InvoiceStatus = InvoiceStatus.APPROVED,
    assistant_id: int | None = None,
) -> int:
    """An invoice as if it had been made, approved, shipped (on ``shipped_on``, by default its day
    of issue; or not, with ``shipped=False``) and partly paid; returns its id."""
    async with factory() as session:
        seq = int(await session.scalar(select(func.count()).select_from(Invoice)) or 0) + 1
        order = Order(
            channel=OrderChannel.PHONE,
            source="api",
            client_id=client_id,
            assistant_id=assistant_id,
            status=OrderStatus.APPROVED,
            problems={},
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(order)
        await session.flush()
        values: dict[str, Any] = {
            "number": f"T-{issued_on.year}-{seq:05d}",
            "year": 9000 + seq,  # (year, seq) is unique; these invoices stay out of the real numbering
            "seq": seq,
            "order_id": order.id,
            "client_id": client_id,
            "issued_on": issued_on,
            "due_on": due_on,
            "shipped_on": (shipped_on or issued_on) if shipped else None,
            "vat_rate": 22,
            "total": Decimal(total),
            "vat_total": Decimal("0.00"),
            "paid_total": Decimal(paid),
            "status": status,
            "revision": 1,
            "created_at": NOW,
            "updated_at": NOW,
        }
        invoice = Invoice(**values)
        session.add(invoice)
        await session.commit()
        return invoice.id


async def ship(job_ctx: Any, order_id: int, day: date) -> None:
    """The order's goods left on ``day``, recorded as the delivery's «ship» step records it: for
    tests about what follows the shipment, without walking the order through the warehouse."""
    async with job_ctx.unit_of_work() as uow:
        await record_shipment(uow, order_id, day)
