"""Collection cases (process 4, "when a debt is overdue"): the guarantee letter, the escalation,
the negotiation calls, the claim letter, the post, the court; and the cases by stage."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, File, Form, Query, Response, UploadFile, status

from app.api.actions import offered
from app.api.deps import (
    DOCUMENT_BODY,
    STORED_FILE,
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
from app.core.errors import Conflict
from app.models.collection import CaseFileKind, CaseStage, CollectionCase
from app.schemas.collection import (
    CallCreate,
    CallRead,
    CaseClose,
    CaseFileRead,
    CaseRead,
    ClaimEdit,
    ClaimSend,
    CourtDocument,
    CourtUpdate,
    DeliveryReceipt,
    GuaranteeReceived,
    GuaranteeRefused,
    NegotiationDone,
    StageCount,
)
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.services.documents.collection import render_claim_pdf
from app.services.kernel.permissions import Permission
from app.services.receivables.collection import CollectionService
from app.services.receivables.court_archive import CourtArchive

router = api_router(tags=["collection"])
PREFIX = "/api/v1/collection-cases"

READ = allowed(Permission.COLLECTION_READ)
WRITE = allowed(Permission.COLLECTION_WRITE)
CLAIM = allowed(Permission.COLLECTION_CLAIM)
CLOSE = allowed(Permission.COLLECTION_CLOSE)


async def collection_service(uow: UowDep) -> CollectionService:
    return CollectionService(uow)


CollectionDep = Annotated[CollectionService, Depends(collection_service)]


async def court_archive(uow: UowDep, storage: StorageDep, erp: ErpDep, settings: SettingsDep) -> CourtArchive:
    return CourtArchive(uow, storage, erp, settings.company)


CourtArchiveDep = Annotated[CourtArchive, Depends(court_archive)]


async def _read(
    service: CollectionService, case: CollectionCase, response: Response | None = None
) -> CaseRead:
    if response is not None:
        set_etag(response, case.version)
    fields = {k: getattr(case, k) for k in CaseRead.model_fields if hasattr(case, k)}
    debt = await service.case_debt(case.id)
    return CaseRead.model_validate(
        fields
        | {
            "allowed_actions": offered("/api/v1/collection-cases/{case_id}", await service.allowed_now(case)),
            "overdue_debt": debt.debt,
            "days_overdue": service.days_overdue(debt),
            "deadlines": [{"step": step, "due_on": day} for step, day in service.deadlines(case)],
        }
    )


@router.get(PREFIX, responses=problems(404), dependencies=READ, operation_id="list_collection_cases")
async def list_cases(
    service: CollectionDep,
    page: PageDep,
    client_id: QueryId = None,
    stage: Annotated[CaseStage | None, Query()] = None,
) -> Page[CaseRead]:
    """Cases of the clients you may see, newest first. The worker opens a case for a client whose
    debt is overdue and emails the request for a guarantee letter with a sample to fill in."""
    result = await service.page(client_id=client_id, stage=stage, cursor=page.cursor, limit=page.limit)
    return Page(items=[await _read(service, c) for c in result.items], next_cursor=result.next_cursor)


@router.get(f"{PREFIX}/{{case_id:int}}", dependencies=READ, operation_id="get_collection_case")
async def get_case(case_id: PathId, service: CollectionDep, response: Response) -> CaseRead:
    """One case with its stage, the guarantee letter, the claim letter, the post and the court."""
    return await _read(service, await service.get(case_id), response)


@router.get(
    f"{PREFIX}/{{case_id:int}}/history",
    dependencies=allowed(Permission.HISTORY_READ),
    operation_id="collection_case_history",
)
async def case_history(
    case_id: PathId, service: CollectionDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every step of the case."""
    await service.get(case_id)
    return await history_page(events, "collection_case", case_id, page)


@router.post(
    f"{PREFIX}/{{case_id:int}}/attachments",
    status_code=status.HTTP_201_CREATED,
    dependencies=[*WRITE, DOCUMENT_BODY],
    operation_id="attach_collection_file",
)
async def attach_file(
    case_id: PathId,
    kind: Annotated[CaseFileKind, Form()],
    file: Annotated[UploadFile, File(description="A scan: PDF or a picture")],
    service: CollectionDep,
    storage: StorageDep,
    settings: SettingsDep,
) -> CaseFileRead:
    """Keep a scan with the case: the guarantee letter, the delivery receipt, court papers."""
    limit = settings.storage.max_document_bytes
    content = await file.read(limit + 1)
    await file.close()
    row = await service.add_file(case_id, kind, file.filename, content, storage, limit)
    return CaseFileRead.model_validate(row)


@router.get(f"{PREFIX}/{{case_id:int}}/attachments", dependencies=READ, operation_id="collection_files")
async def list_files(case_id: PathId, service: CollectionDep) -> Page[CaseFileRead]:
    """The case's scans, oldest first (one page: a case has a few)."""
    rows = await service.files(case_id)
    return Page(items=[CaseFileRead.model_validate(f) for f in rows], next_cursor=None)


@router.get(
    f"{PREFIX}/{{case_id:int}}/attachments/{{file_id:int}}",
    response_class=Response,
    responses=STORED_FILE,
    dependencies=READ,
    operation_id="collection_file",
)
async def get_file(case_id: PathId, file_id: PathId, service: CollectionDep, storage: StorageDep) -> Response:
    """The scan as it was uploaded."""
    row, content = await service.file_content(case_id, file_id, storage)
    return file_response(content, row.content_type, row.filename)


@router.post(
    f"{PREFIX}/{{case_id:int}}/guarantee",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="receive_guarantee_letter",
)
async def receive_guarantee(
    case_id: PathId, data: GuaranteeReceived, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The guarantee letter came: its scan and the promised date (no more than 7 calendar days
    ahead). The worker makes the confirmation call the working day before it, and escalates to the
    department head the day after it if the money has not come."""
    case = await service.receive_guarantee(case_id, data.promised_on, data.file_id, version)
    return await _read(service, case, response)


@router.post(
    f"{PREFIX}/{{case_id:int}}/guarantee-refusal",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="refuse_guarantee_letter",
)
async def refuse_guarantee(
    case_id: PathId, data: GuaranteeRefused, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The client will not give a guarantee letter (or took back its promise): escalated at once."""
    return await _read(service, await service.refuse_guarantee(case_id, data.comment, version), response)


@router.get(f"{PREFIX}/{{case_id:int}}/calls", dependencies=READ, operation_id="collection_calls")
async def list_calls(case_id: PathId, service: CollectionDep) -> Page[CallRead]:
    """The negotiation calls, oldest first (one page: a case's negotiation has a few)."""
    rows = await service.calls(case_id)
    return Page(items=[CallRead.model_validate(c) for c in rows], next_cursor=None)


@router.post(
    f"{PREFIX}/{{case_id:int}}/calls",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),  # adds a call, the case's version is not asked
    dependencies=WRITE,
    operation_id="log_collection_call",
)
async def log_call(case_id: PathId, data: CallCreate, service: CollectionDep) -> CallRead:
    """A negotiation call after the escalation, at one level of the client's people."""
    call = await service.log_call(
        case_id,
        level=data.level,
        contact_id=data.contact_id,
        reached=data.reached,
        result=data.result,
        promised_on=data.promised_on,
    )
    return CallRead.model_validate(call)


@router.post(
    f"{PREFIX}/{{case_id:int}}/negotiation-done",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="finish_collection_negotiation",
)
async def finish_negotiation(
    case_id: PathId, data: NegotiationDone, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The negotiations are over: 2 working days of waiting, then the lawyer is asked for the claim."""
    return await _read(service, await service.finish_negotiation(case_id, data.comment, version), response)


@router.patch(
    f"{PREFIX}/{{case_id:int}}/claim",
    responses=problems(409),
    dependencies=CLAIM,
    operation_id="edit_claim_letter",
)
async def edit_claim(
    case_id: PathId, data: ClaimEdit, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The lawyer edits the worker's draft (the text, the contract it rests on) before approving."""
    return await _read(
        service, await service.edit_claim(case_id, data.text, data.contract, version), response
    )


@router.get(
    f"{PREFIX}/{{case_id:int}}/claim.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}, **problems(409, 503)},
    dependencies=READ,
    operation_id="claim_letter_pdf",
)
async def claim_pdf(case_id: PathId, service: CollectionDep, uow: UowDep, storage: StorageDep) -> Response:
    """The claim letter: as it was sent (the kept bytes) once sent, else a preview of the draft."""
    case = await service.get(case_id)
    content: bytes | None = None
    if case.claim_pdf_key is not None and case.claim_pdf_stored_at is not None:
        stored = await storage.get(case.claim_pdf_key)
        content = stored.content if stored is not None else None
    if content is None:
        if case.claim_view is None or case.claim_text is None:
            raise Conflict("the claim letter's draft is not ready yet")
        content = await uow.renderer.render(render_claim_pdf, case.claim_view, case.claim_text)
    return pdf_response(content, f"claim-{case.id}.pdf")


@router.post(
    f"{PREFIX}/{{case_id:int}}/claim/approve",
    responses=problems(409),
    dependencies=CLAIM,
    operation_id="approve_claim_letter",
)
async def approve_claim(
    case_id: PathId, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The lawyer approves the claim letter; the assistant sends it the same day."""
    return await _read(service, await service.approve_claim(case_id, version), response)


@router.post(
    f"{PREFIX}/{{case_id:int}}/claim/send",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="send_claim_letter",
)
async def send_claim(
    case_id: PathId, data: ClaimSend, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """Record the approved claim as sent: the registered letter's postal identifier (14 digits,
    check digit verified) and the email with the PDF, which the worker sends once. A second call
    changes nothing (409). The email goes out at least once: only a worker that dies between the
    mail server's acceptance of it and the record of that (one database write) leaves it to be sent
    again, with the same Message-ID."""
    case = await service.send_claim(case_id, data.tracking_number, data.email, version)
    return await _read(service, case, response)


@router.post(
    f"{PREFIX}/{{case_id:int}}/delivery-receipt",
    responses=problems(409),
    dependencies=WRITE,
    operation_id="record_delivery_receipt",
)
async def delivery_receipt(
    case_id: PathId, data: DeliveryReceipt, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The delivery receipt (уведомление о вручении) is back: its scan is kept with the case."""
    return await _read(service, await service.record_delivery(case_id, data.file_id, version), response)


@router.post(
    f"{PREFIX}/{{case_id:int}}/court",
    responses=problems(409),
    dependencies=CLAIM,
    operation_id="record_court_stage",
)
async def court(
    case_id: PathId, data: CourtUpdate, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """The lawyer records the court: the case number when filed, then hearings, the judgment and
    the enforcement. A checkpoint with the department head is made twice a week."""
    changes = data.model_dump(exclude_none=True, mode="json")
    return await _read(service, await service.court(case_id, changes, version), response)


@router.get(
    f"{PREFIX}/{{case_id:int}}/court-package", dependencies=READ, operation_id="collection_court_package"
)
async def court_package(case_id: PathId, service: CollectionDep) -> Page[CourtDocument]:
    """The documents for the lawyer: the claim and its calculation, the proof of sending with the
    tracking history, the delivery receipt and other scans, the invoices (one page: the package
    is whole)."""
    rows = await service.court_package(case_id)
    return Page(items=[CourtDocument.model_validate(d) for d in rows], next_cursor=None)


@router.get(
    f"{PREFIX}/{{case_id:int}}/court-package.zip",
    response_class=Response,
    responses={
        200: {"content": {"application/zip": {}}, "description": "The documents and their index"},
        **problems(409),
    },
    dependencies=READ,
    operation_id="collection_court_package_zip",
)
async def court_package_zip(case_id: PathId, archive: CourtArchiveDep) -> Response:
    """The court package in one archive: the index (опись), the claim letter as it was sent, the
    tracking history as a table, the scans, and the invoices printed. 409 when a document's
    content is missing from storage."""
    filename, content = await archive.build(case_id)
    return file_response(content, "application/zip", filename)


@router.post(
    f"{PREFIX}/{{case_id:int}}/close",
    responses=problems(409),
    dependencies=CLOSE,
    operation_id="close_collection_case",
)
async def close(
    case_id: PathId, data: CaseClose, service: CollectionDep, version: IfMatchDep, response: Response
) -> CaseRead:
    """A head closes the case as settled or written off (a payment of the whole overdue debt closes
    it as paid by itself)."""
    return await _read(service, await service.close(case_id, data.reason, data.comment, version), response)


@router.get(
    "/api/v1/reports/collection-cases-by-stage", dependencies=READ, operation_id="collection_cases_by_stage"
)
async def cases_by_stage(service: CollectionDep) -> Page[StageCount]:
    """How many cases are at each stage, and the overdue debt of the open ones (computed in SQL;
    one page: a row per stage)."""
    rows = await service.by_stage()
    items = [StageCount(stage=stage, cases=count, overdue_debt=debt) for stage, count, debt in rows]
    return Page(items=items, next_cursor=None)
