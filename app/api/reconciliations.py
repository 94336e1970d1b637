"""Reconciliation acts (акты сверки) and a client's ledger of settlements."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.actions import offered
from app.api.deps import (
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
from app.models.reconciliations import ActStatus, ReconciliationAct
from app.schemas.common import IsoDate, Page, problems
from app.schemas.events import EventRead
from app.schemas.reconciliations import (
    ActCreate,
    ActDiscrepancy,
    ActRead,
    ActSend,
    ActSign,
    LedgerEntryRead,
    LedgerRead,
)
from app.services.kernel.permissions import Permission
from app.services.receivables.reconciliations import ReconciliationService, act_actions

router = api_router(prefix="/api/v1", tags=["reconciliation"])

READ = allowed(Permission.CLIENTS_READ)
WRITE = allowed(Permission.RECONCILIATION_WRITE)


async def reconciliation_service(uow: UowDep, settings: SettingsDep) -> ReconciliationService:
    return ReconciliationService(uow, settings.company)


ReconciliationDep = Annotated[ReconciliationService, Depends(reconciliation_service)]


def _read(act: ReconciliationAct, response: Response | None = None) -> ActRead:
    if response is not None:
        set_etag(response, act.version)
    fields = {k: getattr(act, k) for k in ActRead.model_fields if hasattr(act, k)}
    return ActRead.model_validate(
        fields | {"allowed_actions": offered("/api/v1/reconciliation-acts/{act_id}", act_actions(act.status))}
    )


@router.get("/clients/{client_id:int}/ledger", dependencies=allowed(Permission.PAYMENTS_READ))
async def client_ledger(
    client_id: PathId,
    acts: ReconciliationDep,
    date_from: Annotated[
        IsoDate | None, Query(description="First day; the quarter's first by default")
    ] = None,
    date_to: Annotated[IsoDate | None, Query(description="Last day, inclusive; today by default")] = None,
) -> LedgerRead:
    """The client's settlements for a period (at most three years): the opening balance, each approved
    invoice (debit) and payment (credit) with the balance after it, the turnover and the closing
    balance. A positive balance is owed to us."""
    ledger = await acts.ledger(client_id, date_from, date_to)
    return LedgerRead(
        client_id=ledger.client_id,
        date_from=ledger.start,
        date_to=ledger.end,
        opening_balance=ledger.opening,
        entries=[
            LedgerEntryRead(
                on=e.on,
                kind="invoice" if e.kind == "invoice" else "payment",
                document_id=e.document_id,
                number=e.number,
                debit=e.debit,
                credit=e.credit,
                balance=e.balance,
            )
            for e in ledger.entries
        ],
        debit_total=ledger.debit_total,
        credit_total=ledger.credit_total,
        closing_balance=ledger.closing,
        in_favour_of="company" if ledger.closing > 0 else "client" if ledger.closing < 0 else None,
    )


@router.post(
    "/reconciliation-acts",
    status_code=status.HTTP_201_CREATED,
    responses=problems(404, 409),
    dependencies=WRITE,
)
async def create_reconciliation_act(data: ActCreate, acts: ReconciliationDep, response: Response) -> ActRead:
    """An act for any period (the regular ones are made by the worker): generated from the ledger and
    e-mailed with its PDF to `email`, or to the client's contact (the chief accountant first). With
    no address known it stays a draft to send later."""
    return _read(await acts.create(data), response)


@router.get("/reconciliation-acts", responses=problems(404), dependencies=READ)
async def list_reconciliation_acts(
    acts: ReconciliationDep,
    page: PageDep,
    client_id: QueryId = None,
    state: Annotated[ActStatus | None, Query(alias="status")] = None,
) -> Page[ActRead]:
    """Acts of the clients you may see, newest first."""
    result = await acts.page(client_id=client_id, status=state, cursor=page.cursor, limit=page.limit)
    return Page(items=[_read(a) for a in result.items], next_cursor=result.next_cursor)


@router.get("/reconciliation-acts/{act_id:int}", dependencies=READ)
async def get_reconciliation_act(act_id: PathId, acts: ReconciliationDep, response: Response) -> ActRead:
    """One act with its totals and state."""
    return _read(await acts.get(act_id), response)


@router.get(
    "/reconciliation-acts/{act_id:int}/pdf",
    response_class=Response,
    responses={
        200: {"content": {"application/pdf": {}}, "description": "The act as last generated"},
        **problems(503),
    },
    dependencies=READ,
)
async def reconciliation_act_pdf(act_id: PathId, acts: ReconciliationDep) -> Response:
    """The act as a PDF («Акт сверки взаимных расчётов»), as it was last generated."""
    act, pdf = await acts.pdf(act_id)
    filename = f"reconciliation-act-{act.id}-r{act.revision}.pdf"
    return pdf_response(pdf, filename)


@router.post("/reconciliation-acts/{act_id:int}/send", responses=problems(409), dependencies=WRITE)
async def send_reconciliation_act(
    act_id: PathId, data: ActSend, acts: ReconciliationDep, version: IfMatchDep, response: Response
) -> ActRead:
    """E-mail a draft act, or send it again after a discrepancy (made again from the ledger as it is
    now, as a new revision). The e-mail goes out once, by the worker."""
    return _read(await acts.send(act_id, data, version), response)


@router.post("/reconciliation-acts/{act_id:int}/sign", responses=problems(409), dependencies=WRITE)
async def sign_reconciliation_act(
    act_id: PathId, data: ActSign, acts: ReconciliationDep, version: IfMatchDep, response: Response
) -> ActRead:
    """The client signed the act: an acknowledgement of the debt it shows, so the limitation period
    of each unpaid invoice up to the period's end starts again from `signed_on` (art. 203 of the
    Civil Code)."""
    return _read(await acts.sign(act_id, data, version), response)


@router.post("/reconciliation-acts/{act_id:int}/discrepancy", responses=problems(409), dependencies=WRITE)
async def reconciliation_act_discrepancy(
    act_id: PathId, data: ActDiscrepancy, acts: ReconciliationDep, version: IfMatchDep, response: Response
) -> ActRead:
    """The client's figures differ: the notes are kept and the assistant gets a task to settle them."""
    return _read(await acts.discrepancy(act_id, data, version), response)


@router.get("/reconciliation-acts/{act_id:int}/history", dependencies=allowed(Permission.HISTORY_READ))
async def reconciliation_act_history(
    act_id: PathId, acts: ReconciliationDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every step of the act."""
    await acts.get(act_id)
    return await history_page(events, "reconciliation_act", act_id, page)
