"""Payments from clients and what they paid (process 4: receivables)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, status

from app.api.deps import PageDep, PathId, QueryId, UowDep, allowed
from app.api.routing import api_router
from app.models.payments import Payment
from app.schemas.common import IsoDate, Page, problems
from app.schemas.payments import PaymentCreate, PaymentRead
from app.services.kernel.permissions import Permission
from app.services.receivables.payments import PaymentService

router = api_router(prefix="/api/v1/payments", tags=["payments"])

READ = allowed(Permission.PAYMENTS_READ)
WRITE = allowed(Permission.PAYMENTS_WRITE)


async def payment_service(uow: UowDep) -> PaymentService:
    return PaymentService(uow)


PaymentDep = Annotated[PaymentService, Depends(payment_service)]


def _read(payment: Payment) -> PaymentRead:
    return PaymentRead.model_validate(payment)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(404), dependencies=WRITE)
async def record_payment(data: PaymentCreate, payments: PaymentDep) -> PaymentRead:
    """A payment the accountant enters from the bank statement: allocated to the invoices named,
    or to the oldest due first. More than the client owes is refused unless `keep_overpayment`
    keeps the rest as an advance. Send an `Idempotency-Key` so a retry records it once."""
    return _read(await payments.record(data))


@router.get("", responses=problems(404), dependencies=READ)
async def list_payments(
    payments: PaymentDep,
    page: PageDep,
    client_id: QueryId = None,
    paid_from: Annotated[IsoDate | None, Query(description="Paid on or after this day")] = None,
    paid_to: Annotated[IsoDate | None, Query(description="Paid on or before this day")] = None,
) -> Page[PaymentRead]:
    """Payments of the clients you may see, newest first, narrowed by the client and the days the
    money came (`paid_on`). A `paid_to` before `paid_from` is a 422."""
    result = await payments.page(
        client_id=client_id, paid_from=paid_from, paid_to=paid_to, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[_read(p) for p in result.items], next_cursor=result.next_cursor)


@router.get("/{payment_id:int}", dependencies=READ)
async def get_payment(payment_id: PathId, payments: PaymentDep) -> PaymentRead:
    """One payment with its allocations."""
    return _read(await payments.get(payment_id))
