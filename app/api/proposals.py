"""Commercial proposals: the request, the priced lines with photos, supply's prices, the PDF, the flow."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from fastapi import Depends, File, Form, Path, Query, Response, UploadFile, status
from fastapi.responses import HTMLResponse

from app.api.actions import caller_var, offered
from app.api.deps import (
    NOSNIFF,
    PHOTO_BODY,
    ErpDep,
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    SettingsDep,
    StorageDep,
    UowDep,
    allowed,
    file_response,
    history_page,
    pdf_response,
    set_etag,
)
from app.api.routing import api_router
from app.core.errors import FieldError
from app.models.proposals import Proposal, ProposalLine, ProposalStatus
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.proposals import (
    BelowCostApproval,
    BelowCostRejection,
    PriceRequestRead,
    ProposalComment,
    ProposalCreate,
    ProposalDocumentRead,
    ProposalLineIn,
    ProposalLineRead,
    ProposalLineUpdate,
    ProposalRead,
    ProposalSendToClient,
    ProposalSendToManager,
    ProposalUpdate,
    PurchasePriceAnswer,
)
from app.services.kernel.permissions import Permission
from app.services.media.images import Crop
from app.services.proposals import (
    ProposalService,
    allowed_actions,
    below_cost_pending,
    line_amount,
    line_margin,
    may_approve,
    pending_positions,
    proposal_margin,
    proposal_total,
)

router = api_router(prefix="/api/v1/proposals", tags=["proposals"])

READ = allowed(Permission.PROPOSALS_READ)
WRITE = allowed(Permission.PROPOSALS_WRITE)
PRICE = allowed(Permission.PROPOSALS_PRICE)
BELOW_COST = allowed(Permission.PROPOSALS_APPROVE_BELOW_COST)

Position = Annotated[int, Path(ge=1, le=1000)]


async def proposal_service(
    uow: UowDep, erp: ErpDep, storage: StorageDep, settings: SettingsDep
) -> ProposalService:
    return ProposalService(uow, erp, storage, settings.company, settings.proposals)


ProposalDep = Annotated[ProposalService, Depends(proposal_service)]


def _times(value: Decimal | None, quantity: int) -> Decimal | None:
    return None if value is None else value * quantity


def _actions(proposal: Proposal) -> list[str]:
    return offered(
        "/api/v1/proposals/{proposal_id}",
        allowed_actions(proposal.status),
        lambda actor, action: action != "approve" or may_approve(actor, proposal),
    )


def _line_actions(proposal: Proposal, line: ProposalLine) -> list[str]:
    """A line waiting with a below-cost price offers a head's word on it, to heads other than the
    proposal's manager and assistant."""
    caller = caller_var.get()
    if caller is None or not below_cost_pending(line):
        return []
    if Permission.PROPOSALS_APPROVE_BELOW_COST not in caller.permissions:
        return []
    if caller.actor.id in (proposal.manager_id, proposal.assistant_id):
        return []
    return ["approve-below-cost", "reject-below-cost"]


async def to_reads(proposals: ProposalService, rows: list[Proposal]) -> list[ProposalRead]:
    links = await proposals.links([p.id for p in rows])
    return [
        ProposalRead(
            id=p.id,
            client_id=p.client_id,
            contact_id=p.contact_id,
            manager_id=p.manager_id,
            assistant_id=p.assistant_id,
            workwear_kind=p.workwear_kind,
            models_count=p.models_count,
            markup_percent=Decimal(p.markup_basis_points) / 100,
            price_category=p.price_category,
            due_at=p.due_at,
            valid_until=p.valid_until,
            status=p.status,
            allowed_actions=_actions(p),
            revision=p.revision,
            sent_revision=p.sent_revision,
            sent_to=p.sent_to,
            comment=p.comment,
            total=proposal_total(p),
            margin_total=proposal_margin(p),
            unpriced_positions=[x.position for x in p.lines if x.price is None],
            below_cost_pending_positions=pending_positions(p),
            order_id=links[p.id].order_id,
            invoice_id=links[p.id].invoice_id,
            lines=[
                ProposalLineRead(
                    position=x.position,
                    product_id=x.product_id,
                    nonstandard=x.nonstandard,
                    name=x.name,
                    description=x.description,
                    unit=x.unit,
                    quantity=x.quantity,
                    has_photo=x.photo_key is not None,
                    purchase_price=x.purchase_price,
                    price=x.price,
                    price_source=x.price_source,
                    amount=line_amount(x),
                    margin=line_margin(x),
                    margin_total=_times(line_margin(x), x.quantity),
                    below_cost_approved_by_id=x.below_cost_approved_by_id,
                    below_cost_pending=below_cost_pending(x),
                    allowed_actions=_line_actions(p, x),
                    price_requested_at=x.price_requested_at,
                    price_answered_at=x.price_answered_at,
                )
                for x in p.lines
            ],
            version=p.version,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in rows
    ]


async def _one(proposals: ProposalService, proposal: Proposal, response: Response) -> ProposalRead:
    set_etag(response, proposal.version)
    return (await to_reads(proposals, [proposal]))[0]


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(404), dependencies=WRITE)
async def request_proposal(data: ProposalCreate, proposals: ProposalDep, response: Response) -> ProposalRead:
    """A manager's request for a commercial proposal: client and contact, kind of workwear, number of
    models, markup, deadline. The assistant gets a task due by the deadline."""
    return await _one(proposals, await proposals.create(data), response)


@router.get("", dependencies=READ)
async def list_proposals(
    proposals: ProposalDep,
    page: PageDep,
    status_: Annotated[ProposalStatus | None, Query(alias="status")] = None,
    client_id: QueryId = None,
    below_cost_pending: Annotated[
        bool | None,
        Query(
            description="Only those with (true) or without (false) a line priced below the purchase "
            "price waiting for a head's decision"
        ),
    ] = None,
) -> Page[ProposalRead]:
    """Proposals you may see, newest first."""
    result = await proposals.page(
        status=status_,
        client_id=client_id,
        cursor=page.cursor,
        limit=page.limit,
        below_cost_pending=below_cost_pending,
    )
    return Page(items=await to_reads(proposals, list(result.items)), next_cursor=result.next_cursor)


@router.get("/price-requests", dependencies=READ, operation_id="list_price_requests")
async def price_requests(proposals: ProposalDep, page: PageDep) -> Page[PriceRequestRead]:
    """Supply's queue: the non-standard positions of open proposals waiting for their purchase price,
    the longest waiting first (the overdue ones, past the hours after which the chat is reminded,
    before the rest). Answer each with `POST …/lines/{position}/purchase-price`."""
    result = await proposals.price_requests(page.cursor, page.limit)
    return Page(
        items=[
            PriceRequestRead(
                proposal_id=r.proposal.id,
                proposal_version=r.proposal.version,
                proposal_due_at=r.proposal.due_at,
                client_id=r.proposal.client_id,
                client_name=r.client_name,
                position=r.line.position,
                name=r.line.name,
                description=r.line.description,
                quantity=r.line.quantity,
                unit=r.line.unit,
                has_photo=r.line.photo_key is not None,
                requested_at=r.requested_at,
                reminders=r.line.reminders,
                due_at=r.due_at,
                overdue=r.overdue,
            )
            for r in result.items
        ],
        next_cursor=result.next_cursor,
    )


@router.get("/{proposal_id:int}", dependencies=READ)
async def get_proposal(proposal_id: PathId, proposals: ProposalDep, response: Response) -> ProposalRead:
    """One proposal with its lines, totals and (for staff) purchase prices and margins."""
    return await _one(proposals, await proposals.get(proposal_id), response)


@router.patch("/{proposal_id:int}", responses=problems(409), dependencies=WRITE)
async def update_proposal(
    proposal_id: PathId, data: ProposalUpdate, proposals: ProposalDep, version: IfMatchDep, response: Response
) -> ProposalRead:
    """Change the terms (contact, markup, validity…); a sent proposal gets a new revision."""
    return await _one(proposals, await proposals.update(proposal_id, data, version), response)


@router.post(
    "/{proposal_id:int}/lines",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
    dependencies=WRITE,
    operation_id="add_proposal_line",
)
async def add_line(
    proposal_id: PathId, data: ProposalLineIn, proposals: ProposalDep, version: IfMatchDep, response: Response
) -> ProposalRead:
    """Add a catalogue item or a non-standard position (which asks supply for its price in the chat
    «Нестандартные позиции» unless its purchase price is given)."""
    return await _one(proposals, await proposals.add_line(proposal_id, data, version), response)


@router.patch(
    "/{proposal_id:int}/lines/{position}",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="update_proposal_line",
)
async def update_line(
    proposal_id: PathId,
    position: Position,
    data: ProposalLineUpdate,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Change a line's name, description, quantity or price. A price below the purchase price is
    kept as asked and waits for a head (`below_cost_pending`): until a head approves or rejects it,
    the proposal goes neither to the manager nor to the client."""
    return await _one(proposals, await proposals.update_line(proposal_id, position, data, version), response)


@router.delete(
    "/{proposal_id:int}/lines/{position}",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="remove_proposal_line",
)
async def remove_line(
    proposal_id: PathId, position: Position, proposals: ProposalDep, version: IfMatchDep, response: Response
) -> ProposalRead:
    """Remove a line; the lines after it move up."""
    return await _one(proposals, await proposals.remove_line(proposal_id, position, version), response)


@router.put(
    "/{proposal_id:int}/lines/{position}/photo",
    responses=problems(409),
    dependencies=[*WRITE, PHOTO_BODY],
    operation_id="set_proposal_line_photo",
)
async def set_photo(
    proposal_id: PathId,
    position: Position,
    file: Annotated[UploadFile, File(description="A JPEG, PNG or WebP picture")],
    proposals: ProposalDep,
    settings: SettingsDep,
    version: IfMatchDep,
    response: Response,
    crop_left: Annotated[
        int | None, Form(ge=0, le=100_000, description="The printed square's left edge, px")
    ] = None,
    crop_top: Annotated[
        int | None, Form(ge=0, le=100_000, description="The printed square's top edge, px")
    ] = None,
    crop_side: Annotated[
        int | None, Form(ge=1, le=100_000, description="The printed square's side, px")
    ] = None,
) -> ProposalRead:
    """Upload the line's photo (multipart form field `file`); its type is told by its content. The
    document prints the whole picture in its square, or only the square `crop_left`, `crop_top`,
    `crop_side` (pixels of the picture as shown, turned upright by its EXIF orientation; the three
    together or none). The photo is kept as uploaded either way."""
    content = await file.read(settings.proposals.max_photo_bytes + 1)
    await file.close()
    crop = _crop(crop_left, crop_top, crop_side)
    return await _one(
        proposals, await proposals.set_photo(proposal_id, position, content, version, crop), response
    )


def _crop(left: int | None, top: int | None, side: int | None) -> Crop | None:
    given = {"crop_left": left, "crop_top": top, "crop_side": side}
    if all(v is None for v in given.values()):
        return None
    if left is None or top is None or side is None:
        missing = next(name for name, v in given.items() if v is None)
        raise FieldError(missing, "a crop needs crop_left, crop_top and crop_side together")
    return Crop(left, top, side)


@router.get(
    "/{proposal_id:int}/lines/{position}/photo",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {}}}},
    dependencies=READ,
    operation_id="proposal_line_photo",
)
async def get_photo(
    proposal_id: PathId,
    position: Position,
    proposals: ProposalDep,
    printed: Annotated[
        bool, Query(description="The copy the document prints (its square, as a JPEG)")
    ] = False,
) -> Response:
    """The line's photo as uploaded, or the copy the document prints."""
    content, content_type = await proposals.photo(proposal_id, position, printed)
    extension = content_type.rsplit("/", 1)[-1]
    return file_response(content, content_type, f"proposal-{proposal_id}-{position}.{extension}")


@router.post(
    "/{proposal_id:int}/lines/{position}/purchase-price",
    responses=problems(409),
    dependencies=PRICE,
    operation_id="answer_proposal_price",
)
async def answer_price(
    proposal_id: PathId,
    position: Position,
    data: PurchasePriceAnswer,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Supply's answer to a price request: the purchase price; the line gets the manager's markup and
    the assistant a task."""
    return await _one(proposals, await proposals.answer_price(proposal_id, position, data, version), response)


@router.post(
    "/{proposal_id:int}/lines/{position}/approve-below-cost",
    responses=problems(409),
    dependencies=BELOW_COST,
    operation_id="approve_proposal_below_cost",
)
async def approve_below_cost(
    proposal_id: PathId,
    position: Position,
    data: BelowCostApproval,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """A head approves selling the position below its purchase price, with the reason: the price
    the line waits with, or the head's own `price`. Not on a proposal the head asked for or
    prepares (403); without `price`, a line with no below-cost price waiting is a 409."""
    return await _one(
        proposals, await proposals.approve_below_cost(proposal_id, position, data, version), response
    )


@router.post(
    "/{proposal_id:int}/lines/{position}/reject-below-cost",
    responses=problems(409),
    dependencies=BELOW_COST,
    operation_id="reject_proposal_below_cost",
)
async def reject_below_cost(
    proposal_id: PathId,
    position: Position,
    data: BelowCostRejection,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """A head refuses the below-cost price a line waits with: the line needs a price again, the
    price asked and the reason kept in the history. A line with nothing waiting is a 409."""
    return await _one(
        proposals, await proposals.reject_below_cost(proposal_id, position, data, version), response
    )


@router.get(
    "/{proposal_id:int}/preview",
    response_class=HTMLResponse,
    responses={200: {"content": {"text/html": {}}}},
    dependencies=READ,
    operation_id="proposal_preview",
)
async def preview(proposal_id: PathId, proposals: ProposalDep) -> HTMLResponse:
    """The proposal as an HTML page (photos inlined), as it would print now."""
    return HTMLResponse(await proposals.preview_html(proposal_id), headers=NOSNIFF)


@router.get(
    "/{proposal_id:int}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(503)},
    dependencies=READ,
    operation_id="proposal_pdf",
)
async def pdf(proposal_id: PathId, proposals: ProposalDep) -> Response:
    """The proposal as a PDF, as it would print now."""
    proposal, content = await proposals.pdf(proposal_id)
    return pdf_response(content, f"proposal-{proposal.id}-r{proposal.revision}.pdf")


@router.get("/{proposal_id:int}/documents", dependencies=READ, operation_id="proposal_documents")
async def documents(proposal_id: PathId, proposals: ProposalDep) -> Page[ProposalDocumentRead]:
    """Every revision as it was sent, to the manager and to the client (one page: a proposal has
    a few)."""
    rows = await proposals.documents(proposal_id)
    return Page(items=[ProposalDocumentRead.model_validate(d) for d in rows], next_cursor=None)


@router.get(
    "/{proposal_id:int}/documents/{document_id:int}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(503)},
    dependencies=READ,
    operation_id="proposal_document_pdf",
)
async def document_pdf(proposal_id: PathId, document_id: PathId, proposals: ProposalDep) -> Response:
    """The PDF exactly as it was sent (made again from the kept view until the worker has stored it;
    a 503 with `Retry-After` if the renderer fails meanwhile)."""
    document, content = await proposals.document_pdf(proposal_id, document_id)
    filename = f"proposal-{proposal_id}-r{document.revision}-{document.stage.value}.pdf"
    return pdf_response(content, filename)


@router.get("/{proposal_id:int}/history", dependencies=READ, operation_id="proposal_history")
async def history(
    proposal_id: PathId, proposals: ProposalDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the proposal, oldest first."""
    await proposals.get(proposal_id)
    return await history_page(events, "proposal", proposal_id, page)


@router.post(
    "/{proposal_id:int}/send-to-manager",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="send_proposal_to_manager",
)
async def send_to_manager(
    proposal_id: PathId,
    data: ProposalSendToManager,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Email the priced proposal with its PDF to the manager for checking; a 409
    (`below_cost_pending`, naming the `positions`) while a below-cost price waits for a head."""
    return await _one(proposals, await proposals.send_to_manager(proposal_id, data.note, version), response)


@router.post(
    "/{proposal_id:int}/approve", responses=problems(409), dependencies=WRITE, operation_id="approve_proposal"
)
async def approve(
    proposal_id: PathId,
    data: ProposalComment,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """The manager approves the proposal as sent to them."""
    return await _one(proposals, await proposals.approve(proposal_id, data.comment, version), response)


@router.post(
    "/{proposal_id:int}/send-to-client",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="send_proposal_to_client",
)
async def send_to_client(
    proposal_id: PathId,
    data: ProposalSendToClient,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Email the approved proposal with its PDF to a contact of the client or another address."""
    return await _one(proposals, await proposals.send_to_client(proposal_id, data, version), response)


@router.post(
    "/{proposal_id:int}/accept", responses=problems(409), dependencies=WRITE, operation_id="accept_proposal"
)
async def accept(
    proposal_id: PathId,
    data: ProposalComment,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Record that the client accepted the proposal."""
    return await _one(proposals, await proposals.accept(proposal_id, data.comment, version), response)


@router.post(
    "/{proposal_id:int}/decline", responses=problems(409), dependencies=WRITE, operation_id="decline_proposal"
)
async def decline(
    proposal_id: PathId,
    data: ProposalComment,
    proposals: ProposalDep,
    version: IfMatchDep,
    response: Response,
) -> ProposalRead:
    """Record that the client declined the proposal."""
    return await _one(proposals, await proposals.decline(proposal_id, data.comment, version), response)


@router.post(
    "/{proposal_id:int}/convert", responses=problems(409), dependencies=WRITE, operation_id="convert_proposal"
)
async def convert(
    proposal_id: PathId, proposals: ProposalDep, version: IfMatchDep, response: Response
) -> ProposalRead:
    """Turn the accepted proposal into an order (lines, prices and client carried) and that order's
    invoice at the proposal's prices; `order_id` and `invoice_id` name them. A client whose credit
    stops a new order gets the order held for a head (`invoice_id` stays null until the order is
    accepted and invoiced)."""
    proposal, _, _ = await proposals.convert(proposal_id, version)
    return await _one(proposals, proposal, response)
