"""Requests for credit terms: the dossier, the lawyer's verdict, the head's recommendation,
management's decision."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Query, Response, UploadFile, status

from app.api.actions import offered
from app.api.deps import (
    DOCUMENT_BODY,
    STORED_FILE,
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
    set_etag,
)
from app.api.routing import api_router
from app.models.credit import CreditFileKind, CreditRequest, CreditRequestStatus
from app.schemas.common import Page, problems
from app.schemas.credit import (
    CreditDecision,
    CreditFileRead,
    CreditRecommendation,
    CreditRequestCreate,
    CreditRequestRead,
    CreditVerdict,
)
from app.schemas.events import EventRead
from app.services.kernel.permissions import Permission
from app.services.receivables.credit import CreditService, credit_actions

router = api_router(prefix="/api/v1/credit-requests", tags=["credit"])

READ = allowed(Permission.CLIENTS_READ)


async def credit_service(uow: UowDep) -> CreditService:
    return CreditService(uow)


CreditDep = Annotated[CreditService, Depends(credit_service)]


OWN_REFUSED = frozenset({"recommend", "approve", "reject"})


def _read(request: CreditRequest, response: Response | None = None) -> CreditRequestRead:
    if response is not None:
        set_etag(response, request.version)
    fields = {k: getattr(request, k) for k in CreditRequestRead.model_fields if hasattr(request, k)}
    return CreditRequestRead.model_validate(
        fields
        | {
            "discount_percent": request.discount_basis_points / 100,
            "allowed_actions": offered(
                "/api/v1/credit-requests/{request_id}",
                credit_actions(request.status),
                # Nobody recommends or decides a request they made.
                lambda actor, action: action not in OWN_REFUSED or request.requested_by_id != actor.id,
            ),
        }
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problems(404),
    dependencies=allowed(Permission.CLIENTS_WRITE),
)
async def request_credit_terms(
    data: CreditRequestCreate, credit: CreditDep, response: Response
) -> CreditRequestRead:
    """Ask for a payment deferment, a credit limit and a discount for a client. The client's card
    (purchase frequency, headcount, potential) goes with it; the lawyer gets a task to check the
    counterparty."""
    return _read(await credit.request(data), response)


@router.get("", responses=problems(404), dependencies=READ)
async def list_credit_requests(
    credit: CreditDep,
    page: PageDep,
    client_id: QueryId = None,
    state: Annotated[CreditRequestStatus | None, Query(alias="status")] = None,
) -> Page[CreditRequestRead]:
    """Requests of the clients you may see, newest first."""
    result = await credit.page(client_id=client_id, status=state, cursor=page.cursor, limit=page.limit)
    return Page(items=[_read(r) for r in result.items], next_cursor=result.next_cursor)


@router.get("/{request_id:int}", dependencies=READ)
async def get_credit_request(request_id: PathId, credit: CreditDep, response: Response) -> CreditRequestRead:
    """One request with its verdict and decision."""
    return _read(await credit.get(request_id), response)


@router.post(
    "/{request_id:int}/verdict",
    responses=problems(409),
    dependencies=allowed(Permission.CREDIT_VERDICT),
)
async def credit_verdict(
    request_id: PathId, data: CreditVerdict, credit: CreditDep, version: IfMatchDep, response: Response
) -> CreditRequestRead:
    """The lawyer's verdict on the counterparty's reliability; the department head then
    recommends."""
    return _read(await credit.verdict(request_id, data, version), response)


@router.post(
    "/{request_id:int}/recommend",
    responses=problems(409),
    dependencies=allowed(Permission.CREDIT_RECOMMEND),
)
async def recommend_credit_request(
    request_id: PathId, data: CreditRecommendation, credit: CreditDep, version: IfMatchDep, response: Response
) -> CreditRequestRead:
    """The department head, after the lawyer's verdict, recommends granting the terms or refusing
    them, with the reasons; management gets the task to decide. Nobody recommends their own
    request (403 `own_request`); the head may change the recommendation until management decides."""
    return _read(await credit.recommend(request_id, data, version), response)


@router.post(
    "/{request_id:int}/approve",
    responses=problems(409),
    dependencies=allowed(Permission.CREDIT_TERMS_DECIDE),
)
async def approve_credit_request(
    request_id: PathId, data: CreditDecision, credit: CreditDep, version: IfMatchDep, response: Response
) -> CreditRequestRead:
    """Management (the director, or the roles configured as management) approves after the
    department head's recommendation: the terms are the client's from `effective_from` and are
    written to 1C by the worker. Nobody approves their own request (403 `own_request`)."""
    return _read(await credit.approve(request_id, data, version), response)


@router.post(
    "/{request_id:int}/reject",
    responses=problems(409),
    dependencies=allowed(Permission.CREDIT_TERMS_DECIDE),
)
async def reject_credit_request(
    request_id: PathId, data: CreditDecision, credit: CreditDep, version: IfMatchDep, response: Response
) -> CreditRequestRead:
    """Management refuses, with the reason (at any step before the decision). Nobody refuses their
    own request (403 `own_request`)."""
    return _read(await credit.reject(request_id, data, version), response)


@router.get("/{request_id:int}/history", dependencies=allowed(Permission.HISTORY_READ))
async def credit_request_history(
    request_id: PathId, credit: CreditDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every step of the request."""
    await credit.get(request_id)
    return await history_page(events, "credit_request", request_id, page)


@router.post(
    "/{request_id:int}/attachments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*allowed(Permission.CLIENTS_WRITE), DOCUMENT_BODY],
    operation_id="attach_credit_file",
)
async def attach_credit_file(
    request_id: PathId,
    kind: Annotated[CreditFileKind, Form()],
    file: Annotated[UploadFile, File(description="PDF or a picture")],
    credit: CreditDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> CreditFileRead:
    """Add a document to the request's dossier: the counterparty's card from 1C, the register
    extract, the accounting statements or another paper the lawyer and the head should read."""
    limit = settings.storage.max_document_bytes
    content = await file.read(limit + 1)
    await file.close()
    row = await credit.add_file(request_id, kind, file.filename, content, storage, limit)
    return CreditFileRead.model_validate(row)


@router.get("/{request_id:int}/attachments", dependencies=READ, operation_id="credit_files")
async def credit_files(request_id: PathId, credit: CreditDep) -> Page[CreditFileRead]:
    """The dossier's documents, oldest first (one page: a request has a few)."""
    rows = await credit.files(request_id)
    return Page(items=[CreditFileRead.model_validate(f) for f in rows], next_cursor=None)


@router.get(
    "/{request_id:int}/attachments/{file_id:int}",
    response_class=Response,
    responses=STORED_FILE,
    dependencies=READ,
    operation_id="credit_file",
)
async def credit_file(
    request_id: PathId, file_id: PathId, credit: CreditDep, storage: StorageDep
) -> Response:
    """The document as it was uploaded."""
    row, content = await credit.file_content(request_id, file_id, storage)
    return file_response(content, row.content_type, row.filename)
