"""Invoices made from accepted orders, and their PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status

from app.api.deps import (
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    SettingsDep,
    UowDep,
    allow,
    history_page,
    set_etag,
)
from app.models.invoices import Invoice
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.invoices import InvoiceRead
from app.services.invoices import InvoiceService
from app.services.permissions import Permission

router = APIRouter(prefix="/api/v1", tags=["invoices"])

READ = [Depends(allow(Permission.ORDERS_READ))]
WRITE = [Depends(allow(Permission.ORDERS_WRITE))]


def service(request: Request, uow: UowDep, settings: SettingsDep) -> InvoiceService:
    return InvoiceService(uow, request.app.state.erp, settings.company)


ServiceDep = Annotated[InvoiceService, Depends(service)]


def _one(invoice: Invoice, response: Response) -> InvoiceRead:
    set_etag(response, invoice.version)
    return InvoiceRead.model_validate(invoice)


@router.post(
    "/orders/{order_id:int}/invoice",
    response_model=InvoiceRead,
    status_code=status.HTTP_201_CREATED,
    responses=problems(401, 403, 404, 409, 412, 422),
    dependencies=WRITE,
    operation_id="invoice_order",
)
async def invoice_order(
    order_id: PathId, invoices: ServiceDep, version: IfMatchDep, response: Response
) -> InvoiceRead:
    """Create the invoice of an accepted order: prices from the 1C price list of each line's price
    category, VAT by the rate in force today, the next number of the year."""
    return _one(await invoices.create_from_order(order_id, version), response)


@router.get(
    "/invoices",
    response_model=Page[InvoiceRead],
    responses=problems(401, 403, 422),
    dependencies=READ,
    operation_id="list_invoices",
)
async def list_invoices(invoices: ServiceDep, page: PageDep, client_id: QueryId = None) -> Page[InvoiceRead]:
    """Invoices of the orders you may see, newest first."""
    result = await invoices.page(client_id=client_id, cursor=page.cursor, limit=page.limit)
    return Page(items=[InvoiceRead.model_validate(i) for i in result.items], next_cursor=result.next_cursor)


@router.get(
    "/invoices/{invoice_id:int}",
    response_model=InvoiceRead,
    responses=problems(401, 403, 404),
    dependencies=READ,
    operation_id="get_invoice",
)
async def get_invoice(invoice_id: PathId, invoices: ServiceDep, response: Response) -> InvoiceRead:
    """One invoice with its lines and totals."""
    return _one(await invoices.get(invoice_id), response)


@router.get(
    "/invoices/{invoice_id:int}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The invoice as printed"},
        **problems(401, 403, 404),
    },
    dependencies=READ,
    operation_id="invoice_pdf",
)
async def invoice_pdf(invoice_id: PathId, invoices: ServiceDep) -> Response:
    """The invoice as a PDF («Счёт на оплату»)."""
    invoice, pdf = await invoices.pdf(invoice_id)
    filename = f"invoice-{invoice.number}.pdf"
    return Response(
        pdf, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{filename}"'}
    )


@router.get(
    "/invoices/{invoice_id:int}/history",
    response_model=Page[EventRead],
    responses=problems(401, 403, 404, 422),
    dependencies=READ,
    operation_id="invoice_history",
)
async def invoice_history(
    invoice_id: PathId, invoices: ServiceDep, uow: UowDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the invoice, oldest first."""
    await invoices.get(invoice_id)
    return await history_page(uow, "invoice", invoice_id, page)
