"""Specifications for the sewing workshop: intake, the invoice check, the documents, the signature of
supply, the workshop chat and its «принято», the goods ready and the shipping documents."""

from __future__ import annotations

from typing import Annotated, Any

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
    SettingsDep,
    StorageDep,
    UowDep,
    allowed,
    file_response,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.core.db import MAX_ID
from app.models.specs import Spec, SpecKind, SpecStatus
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.orders import OrderCancel
from app.schemas.specs import SpecCreate, SpecFeedbackIn, SpecRead, SpecSend, SpecUpdate, WorkshopFeedback
from app.services.kernel.permissions import Permission
from app.services.specs.service import SpecService

router = api_router(prefix="/api/v1/specs", tags=["specs"])

READ = allowed(Permission.SPECS_READ)
WRITE = allowed(Permission.SPECS_WRITE)
PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The document as printed"}
}


async def spec_service(uow: UowDep, erp: ErpDep, storage: StorageDep, settings: SettingsDep) -> SpecService:
    return SpecService(
        uow,
        erp,
        storage,
        settings.company,
        settings.storage.max_document_bytes,
    )


SpecDep = Annotated[SpecService, Depends(spec_service)]


async def _read(specs: SpecService, spec: Spec, response: Response | None = None) -> SpecRead:
    if response is not None:
        set_etag(response, spec.version)
    order, invoice = await specs.context(spec)
    fields = {k: getattr(spec, k) for k in SpecRead.model_fields if hasattr(spec, k)}
    return SpecRead.model_validate(
        fields
        | {
            "invoice_id": invoice.id if invoice else None,
            "invoice_number": invoice.number if invoice else None,
            "invoice_status": invoice.status.value if invoice else None,
            "order_status": order.status,
            "signature_current": spec.signed_key is not None and spec.signed_revision == spec.revision,
            "workshop_feedback": [WorkshopFeedback.model_validate(x) for x in spec.workshop_feedback],
            "allowed_actions": offered(
                "/api/v1/specs/{spec_id}", await specs.allowed_now(spec, order, invoice)
            ),
        }
    )


def _file(filename: str, content_type: str, content: bytes, disposition: str = "attachment") -> Response:
    return file_response(content, content_type, filename, disposition)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(404, 409), dependencies=WRITE)
async def create_spec(data: SpecCreate, specs: SpecDep, response: Response) -> SpecRead:
    """Take a spec a manager brought in person or by email, for an accepted or invoiced order:
    logo application, tailoring to measurements or manufacturing, each with its own fields. Every
    line of the order's invoice is then procured separately (the requisition book)."""
    return await _read(specs, await specs.create(data), response)


@router.get("", dependencies=READ)
async def list_specs(
    specs: SpecDep,
    page: PageDep,
    kind: SpecKind | None = None,
    state: Annotated[SpecStatus | None, Query(alias="status")] = None,
) -> Page[SpecRead]:
    """Specs you may see, newest first."""
    result = await specs.page(status=state, kind=kind, cursor=page.cursor, limit=page.limit)
    return Page(items=[await _read(specs, s) for s in result.items], next_cursor=result.next_cursor)


@router.get("/{spec_id:int}", dependencies=READ)
async def get_spec(spec_id: PathId, specs: SpecDep, response: Response) -> SpecRead:
    """One spec with its signature, its workshop chat and the workshop's remarks."""
    return await _read(specs, await specs.get(spec_id), response)


@router.patch("/{spec_id:int}", responses=problems(409), dependencies=WRITE)
async def update_spec(
    spec_id: PathId, data: SpecUpdate, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """Change the details (the kind stays): the next revision, which supply must sign again."""
    return await _read(specs, await specs.update(spec_id, data, version), response)


@router.put("/{spec_id:int}/logo", responses=problems(409), dependencies=[*WRITE, DOCUMENT_BODY])
async def upload_spec_logo(
    spec_id: PathId,
    file: Annotated[UploadFile, File(description="PDF, SVG, EPS, JPEG, PNG or WebP")],
    specs: SpecDep,
    settings: SettingsDep,
    version: IfMatchDep,
    response: Response,
) -> SpecRead:
    """The logo file of a logo spec (multipart form field `file`; the type is told by the content).
    A new logo makes a new revision; with `If-Match`, only over the version you read."""
    content = await file.read(settings.storage.max_document_bytes + 1)
    await file.close()
    return await _read(specs, await specs.upload_logo(spec_id, file.filename, content, version), response)


@router.get("/{spec_id:int}/logo", response_class=Response, responses=STORED_FILE, dependencies=READ)
async def spec_logo(spec_id: PathId, specs: SpecDep) -> Response:
    """The logo file as uploaded."""
    return _file(*(await specs.logo(spec_id)))


@router.post("/{spec_id:int}/invoice-to-manager", responses=problems(409), dependencies=WRITE)
async def send_spec_invoice_to_manager(
    spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """Email the order's invoice (PDF attached) to its manager to check."""
    return await _read(specs, await specs.send_invoice_to_manager(spec_id, version), response)


@router.post("/{spec_id:int}/invoice-checked", responses=problems(409), dependencies=WRITE)
async def spec_invoice_checked(
    spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """The manager checked the invoice: it may now go to the client for approval, and supply gets
    a task to check and sign the spec."""
    return await _read(specs, await specs.invoice_checked(spec_id, version), response)


@router.get(
    "/{spec_id:int}/pdf", response_class=Response, responses={**PDF, **problems(503)}, dependencies=READ
)
async def spec_pdf(spec_id: PathId, specs: SpecDep) -> Response:
    """The spec as it prints now: two copies in one file, one for supply and one kept."""
    spec, pdf = await specs.pdf(spec_id)
    return _file(f"ТЗ_{spec.id}_ред{spec.revision}.pdf", "application/pdf", pdf, "inline")


@router.get(
    "/{spec_id:int}/requisition-extract",
    response_class=Response,
    responses={**PDF, **problems(409, 503)},
    dependencies=READ,
)
async def spec_requisition_extract(spec_id: PathId, specs: SpecDep) -> Response:
    """The requisition-book extract for the spec (one copy)."""
    spec, pdf = await specs.extract_pdf(spec_id)
    return _file(f"Выписка_книга_заявок_ТЗ_{spec.id}.pdf", "application/pdf", pdf, "inline")


@router.post("/{spec_id:int}/sign", responses=problems(409, 503), dependencies=allowed(Permission.SPECS_SIGN))
async def sign_spec(spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response) -> SpecRead:
    """Supply signs the spec as it stands: who, when and which revision are kept, with the signed
    PDF the workshop will get."""
    return await _read(specs, await specs.sign(spec_id, version), response)


@router.post("/{spec_id:int}/signed-scan", responses=problems(409), dependencies=[*WRITE, DOCUMENT_BODY])
async def upload_signed_spec_scan(
    spec_id: PathId,
    signer_id: Annotated[int, Form(ge=1, le=MAX_ID, description="The supply employee who signed the paper")],
    file: Annotated[UploadFile, File(description="The scan: PDF, JPEG, PNG or WebP")],
    specs: SpecDep,
    settings: SettingsDep,
    version: IfMatchDep,
    response: Response,
) -> SpecRead:
    """Instead of a signature in the system: the scan of the paper copy supply signed. It is kept
    and is what the workshop gets."""
    content = await file.read(settings.storage.max_document_bytes + 1)
    await file.close()
    spec = await specs.upload_signed_scan(spec_id, signer_id, file.filename, content, version)
    return await _read(specs, spec, response)


@router.get("/{spec_id:int}/signed-file", response_class=Response, responses=STORED_FILE, dependencies=READ)
async def spec_signed_file(spec_id: PathId, specs: SpecDep) -> Response:
    """The signed spec as kept (the PDF signed in the system, or the scan)."""
    return _file(*(await specs.signed_file(spec_id)))


@router.post("/{spec_id:int}/send", responses=problems(409), dependencies=WRITE)
async def send_spec_to_workshop(
    spec_id: PathId, data: SpecSend, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """Post the signed spec to its workshop chat («Логотипы.ЩЦ» for a logo, «Тех. задание швейный
    цех» for the rest). Refused when it is not signed for its current revision or the client has
    not approved the invoice."""
    return await _read(specs, await specs.send(spec_id, data.note, version), response)


@router.post(
    "/{spec_id:int}/workshop-accepted",
    responses=problems(409),
    dependencies=allowed(Permission.SPECS_WORKSHOP),
)
async def spec_workshop_accepted(
    spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """The workshop's «принято» (it may also answer so in its chat)."""
    return await _read(specs, await specs.workshop_accept(spec_id, version), response)


@router.post(
    "/{spec_id:int}/workshop-feedback",
    responses=problems(409),
    dependencies=allowed(Permission.SPECS_WORKSHOP),
)
async def spec_workshop_feedback(
    spec_id: PathId, data: SpecFeedbackIn, specs: SpecDep, response: Response
) -> SpecRead:
    """A remark of the workshop on the spec, kept with who and when."""
    return await _read(specs, await specs.add_feedback(spec_id, data.text), response)


@router.post(
    "/{spec_id:int}/goods-ready",
    responses=problems(409),
    dependencies=allowed(Permission.SPECS_GOODS_READY),
)
async def spec_goods_ready(
    spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """The warehouse reports the goods ready: the order is ready (the assistant gets the call to the
    client) and the receipt is posted in 1C by the worker."""
    return await _read(specs, await specs.goods_ready(spec_id, version), response)


@router.post("/{spec_id:int}/shipping-documents", responses=problems(409), dependencies=WRITE)
async def issue_spec_shipping_documents(
    spec_id: PathId, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """Have the shipping documents (УПД) made in 1C, once the receipt is posted there. Delivery is
    then agreed on the order, and the client's feedback on it closes the spec."""
    return await _read(specs, await specs.issue_documents(spec_id, version), response)


@router.post("/{spec_id:int}/cancel", responses=problems(409), dependencies=WRITE)
async def cancel_spec(
    spec_id: PathId, data: OrderCancel, specs: SpecDep, version: IfMatchDep, response: Response
) -> SpecRead:
    """Cancel a spec that has not gone to the workshop."""
    return await _read(specs, await specs.cancel(spec_id, data.reason, version), response)


@router.get("/{spec_id:int}/history", dependencies=allowed(Permission.SPECS_READ))
async def spec_history(spec_id: PathId, specs: SpecDep, page: PageDep, events: HistoryDep) -> Page[EventRead]:
    """Every step of the spec."""
    await specs.get(spec_id)
    return await history_page(events, "spec", spec_id, page)
