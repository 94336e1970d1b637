"""Invoices made from accepted orders, and their PDF."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Body, Depends, Query, Response, status

from app.api.actions import offered
from app.api.deps import (
    ErpDep,
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    SettingsDep,
    UowDep,
    allowed,
    history_page,
    pdf_response,
    set_etag,
)
from app.api.routing import api_router
from app.models.directory import Employee
from app.models.invoices import Invoice
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.flags import FlagRead
from app.schemas.invoices import (
    DiscountApprovalRead,
    DiscountApprove,
    DiscountRefuse,
    InvoiceApprove,
    InvoiceChangesRequested,
    InvoiceCreate,
    InvoiceLineRead,
    InvoiceRead,
    InvoiceRevise,
    InvoiceRevisionRead,
    InvoiceSend,
    RevisionComparison,
)
from app.services.directory.flags import FlagService
from app.services.invoices.discounts import DISCOUNT_DECISIONS, DiscountApprovalService
from app.services.invoices.service import InvoiceService, LineChange, actions_of
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1", tags=["invoices"])

READ = allowed(Permission.ORDERS_READ)
WRITE = allowed(Permission.ORDERS_WRITE)


async def invoice_service(uow: UowDep, erp: ErpDep, settings: SettingsDep) -> InvoiceService:
    return InvoiceService(uow, erp, settings.company)


InvoiceDep = Annotated[InvoiceService, Depends(invoice_service)]


def not_own_discount(invoice: Invoice) -> Callable[[Employee, str], bool]:
    """Nobody decides their own invoice's discount."""
    return lambda actor, action: (
        action not in DISCOUNT_DECISIONS or invoice.discount_requested_by_id != actor.id
    )


async def to_reads(invoices: InvoiceService, rows: list[Invoice]) -> list[InvoiceRead]:
    flags = await FlagService(invoices.uow).open_for_invoices([i.id for i in rows])
    skip = ("allowed_actions", "lines", "open_flags")
    return [
        InvoiceRead.model_validate(
            {k: getattr(invoice, k) for k in InvoiceRead.model_fields if k not in skip}
            | {
                "allowed_actions": offered(
                    "/api/v1/invoices/{invoice_id}",
                    actions_of(invoice),
                    not_own_discount(invoice),
                ),
                "lines": [InvoiceLineRead.model_validate(x) for x in invoice.lines],
                "open_flags": [FlagRead.model_validate(f) for f in flags[invoice.id]],
            }
        )
        for invoice in rows
    ]


async def _one(invoices: InvoiceService, invoice: Invoice, response: Response) -> InvoiceRead:
    set_etag(response, invoice.version)
    return (await to_reads(invoices, [invoice]))[0]


@router.post(
    "/orders/{order_id:int}/invoice",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
    dependencies=WRITE,
)
async def invoice_order(
    order_id: PathId,
    invoices: InvoiceDep,
    version: IfMatchDep,
    response: Response,
    data: Annotated[InvoiceCreate | None, Body()] = None,
) -> InvoiceRead:
    """Create the invoice of an accepted order: prices from the 1C price list of each line's price
    category, discounts agreed for some lines (optional body), VAT by the rate in force today, the
    next number of the year."""
    discounts = {d.position: d.discount_percent for d in data.discounts} if data else None
    return await _one(invoices, await invoices.create_from_order(order_id, version, discounts), response)


@router.get("/invoices", dependencies=READ)
async def list_invoices(invoices: InvoiceDep, page: PageDep, client_id: QueryId = None) -> Page[InvoiceRead]:
    """Invoices of the orders you may see, newest first."""
    result = await invoices.page(client_id=client_id, cursor=page.cursor, limit=page.limit)
    return Page(items=await to_reads(invoices, list(result.items)), next_cursor=result.next_cursor)


@router.get("/invoices/{invoice_id:int}", dependencies=READ)
async def get_invoice(invoice_id: PathId, invoices: InvoiceDep, response: Response) -> InvoiceRead:
    """One invoice with its lines and totals."""
    return await _one(invoices, await invoices.get(invoice_id), response)


@router.get(
    "/invoices/{invoice_id:int}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The invoice as printed"},
        **problems(503),
    },
    dependencies=READ,
)
async def invoice_pdf(invoice_id: PathId, invoices: InvoiceDep) -> Response:
    """The invoice as a PDF («Счёт на оплату»)."""
    invoice, pdf = await invoices.pdf(invoice_id)
    filename = f"invoice-{invoice.number}.pdf"
    return pdf_response(pdf, filename)


@router.get("/invoices/{invoice_id:int}/history", dependencies=READ)
async def invoice_history(
    invoice_id: PathId, invoices: InvoiceDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the invoice, oldest first."""
    await invoices.get(invoice_id)
    return await history_page(events, "invoice", invoice_id, page)


@router.post("/invoices/{invoice_id:int}/send", responses=problems(409), dependencies=WRITE)
async def send_invoice(
    invoice_id: PathId, data: InvoiceSend, invoices: InvoiceDep, version: IfMatchDep, response: Response
) -> InvoiceRead:
    """Send the invoice to the client for approval by email, with the PDF (sent by the worker)."""
    return await _one(
        invoices, await invoices.send_for_approval(invoice_id, data.email, data.note, version), response
    )


@router.post(
    "/invoices/{invoice_id:int}/request-changes",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="request_invoice_changes",
)
async def request_changes(
    invoice_id: PathId,
    data: InvoiceChangesRequested,
    invoices: InvoiceDep,
    version: IfMatchDep,
    response: Response,
) -> InvoiceRead:
    """Record that the client did not approve, and what they want changed."""
    return await _one(invoices, await invoices.request_changes(invoice_id, data.comment, version), response)


@router.post("/invoices/{invoice_id:int}/revise", responses=problems(409), dependencies=WRITE)
async def revise_invoice(
    invoice_id: PathId, data: InvoiceRevise, invoices: InvoiceDep, version: IfMatchDep, response: Response
) -> InvoiceRead:
    """Change quantities or discounts as the client asked; a new revision, to be sent again."""
    changes = [LineChange(c.position, c.quantity, c.discount_percent) for c in data.lines]
    return await _one(invoices, await invoices.revise(invoice_id, changes, data.reason, version), response)


@router.post("/invoices/{invoice_id:int}/approve", responses=problems(409), dependencies=WRITE)
async def approve_invoice(
    invoice_id: PathId, data: InvoiceApprove, invoices: InvoiceDep, version: IfMatchDep, response: Response
) -> InvoiceRead:
    """Record the client's approval: the order goes on to fulfilment."""
    return await _one(invoices, await invoices.approve(invoice_id, data.comment, version), response)


@router.get("/invoices/{invoice_id:int}/revisions", dependencies=READ)
async def invoice_revisions(invoice_id: PathId, invoices: InvoiceDep) -> Page[InvoiceRevisionRead]:
    """Every revision of the invoice as it was issued, to compare what changed (one page: an
    invoice has a few)."""
    rows = await invoices.revisions(invoice_id)
    return Page(items=[InvoiceRevisionRead.model_validate(r) for r in rows], next_cursor=None)


@router.get("/invoices/{invoice_id:int}/revisions/compare", dependencies=READ)
async def compare_invoice_revisions(
    invoice_id: PathId,
    invoices: InvoiceDep,
    older: Annotated[int, Query(alias="from", ge=1, le=10_000, description="The earlier revision")] = 1,
    newer: Annotated[
        int | None, Query(alias="to", ge=1, le=10_000, description="The later one; the latest if omitted")
    ] = None,
) -> RevisionComparison:
    """Two revisions side by side: each line added, removed or changed (quantity, discount,
    prices, amount) and the totals before and after."""
    if newer is None:
        newer = max(r.revision for r in await invoices.revisions(invoice_id))
    return RevisionComparison.model_validate(await invoices.compare(invoice_id, older, newer))


DISCOUNTS = allowed(Permission.DISCOUNTS_APPROVE)


async def discount_approval_service(uow: UowDep, erp: ErpDep) -> DiscountApprovalService:
    return DiscountApprovalService(uow, erp)


DiscountApprovalDep = Annotated[DiscountApprovalService, Depends(discount_approval_service)]


async def _discount_read(
    discounts: DiscountApprovalService, invoice: Invoice, response: Response
) -> DiscountApprovalRead:
    set_etag(response, invoice.version)
    view = await discounts.view(invoice, discounts.uow.actor)
    return DiscountApprovalRead.model_validate(view)


@router.get("/invoices/{invoice_id:int}/discount-approval", dependencies=DISCOUNTS)
async def invoice_discount_approval(
    invoice_id: PathId, invoices: InvoiceDep, discounts: DiscountApprovalDep, response: Response
) -> DiscountApprovalRead:
    """For management: the invoice's discounts against the client's approved one, each line's
    price, purchase price and margin (the purchase price and margin only for roles that price),
    and the state of the approval."""
    return await _discount_read(discounts, await invoices.get(invoice_id), response)


@router.post("/invoices/{invoice_id:int}/approve-discount", responses=problems(409), dependencies=DISCOUNTS)
async def approve_invoice_discount(
    invoice_id: PathId,
    data: DiscountApprove,
    invoices: InvoiceDep,
    discounts: DiscountApprovalDep,
    version: IfMatchDep,
    response: Response,
) -> DiscountApprovalRead:
    """Management approves the invoice's discounts: it may now be sent to the client, and whoever
    asked gets a task saying so. Nobody approves their own invoice's discount (403 `own_request`)."""
    invoice = await discounts.decide(await invoices.get(invoice_id), "approve", data.comment, version)
    return await _discount_read(discounts, invoice, response)


@router.post("/invoices/{invoice_id:int}/refuse-discount", responses=problems(409), dependencies=DISCOUNTS)
async def refuse_invoice_discount(
    invoice_id: PathId,
    data: DiscountRefuse,
    invoices: InvoiceDep,
    discounts: DiscountApprovalDep,
    version: IfMatchDep,
    response: Response,
) -> DiscountApprovalRead:
    """Management refuses the invoice's discounts, saying why: the invoice is not sent until a
    revision brings them within the client's approved discount or management approves the new
    ones; whoever asked gets a task. Nobody refuses their own invoice's discount (403
    `own_request`)."""
    invoice = await discounts.decide(await invoices.get(invoice_id), "refuse", data.comment, version)
    return await _discount_read(discounts, invoice, response)
