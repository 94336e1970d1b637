"""Clients (counterparties) and their contacts."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.deps import (
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    QueryId,
    QueryIds,
    UowDep,
    allowed,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.models.clients import Client, Potential, PurchaseFrequency
from app.schemas.clients import (
    ClientCreate,
    ClientRead,
    ClientUpdate,
    ContactCreate,
    ContractTerms,
    CreditTerms,
)
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.services.directory.clients import ClientService
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1/clients", tags=["clients"])

READ = allowed(Permission.CLIENTS_READ)
WRITE = allowed(Permission.CLIENTS_WRITE)


async def client_service(uow: UowDep) -> ClientService:
    return ClientService(uow)


ClientDep = Annotated[ClientService, Depends(client_service)]


def _read(client: Client, response: Response) -> ClientRead:
    set_etag(response, client.version)
    return ClientRead.model_validate(client)


@router.get("", dependencies=READ)
async def list_clients(
    clients: ClientDep,
    page: PageDep,
    q: Annotated[
        str | None, Query(max_length=300, description="Part of the name, or the start of the INN")
    ] = None,
    inn: Annotated[str | None, Query(pattern=r"^\d{10}(\d{2})?$")] = None,
    id: QueryIds = None,
    manager_id: QueryId = None,
    assistant_id: QueryId = None,
    potential: Potential | None = None,
    purchase_frequency: PurchaseFrequency | None = None,
) -> Page[ClientRead]:
    """Clients you may see (your department's, or all for lawyers, accountants and heads), by name.
    With `id`, only those of the ids given that you may see (a list's rows named in one request)."""
    result = await clients.page(
        q=q,
        inn=inn,
        ids=id,
        manager_id=manager_id,
        assistant_id=assistant_id,
        potential=potential,
        purchase_frequency=purchase_frequency,
        cursor=page.cursor,
        limit=page.limit,
    )
    return Page(items=[ClientRead.model_validate(c) for c in result.items], next_cursor=result.next_cursor)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_client(data: ClientCreate, clients: ClientDep, response: Response) -> ClientRead:
    """Add a client with its contacts. The INN's checksum is verified; INN+KPP must be unique."""
    return _read(await clients.create(data), response)


@router.get("/{client_id:int}", dependencies=READ)
async def get_client(client_id: PathId, clients: ClientDep, response: Response) -> ClientRead:
    """One client with its contacts."""
    return _read(await clients.get(client_id), response)


@router.patch("/{client_id:int}", responses=problems(409), dependencies=WRITE)
async def update_client(
    client_id: PathId, data: ClientUpdate, clients: ClientDep, version: IfMatchDep, response: Response
) -> ClientRead:
    """Change the client's card. Send `If-Match` with the ETag you read."""
    return _read(await clients.update(client_id, data, version), response)


@router.put(
    "/{client_id:int}/credit-terms",
    dependencies=allowed(Permission.CREDIT_TERMS_DECIDE),
    operation_id="set_client_credit_terms",
)
async def set_credit_terms(
    client_id: PathId, data: CreditTerms, clients: ClientDep, version: IfMatchDep, response: Response
) -> ClientRead:
    """The payment deferment, credit limit and discount granted by management (the director, or
    the roles configured as management), from a date: invoices issued from then are due after the
    deferment (moved to the next working day when it ends on a day off)."""
    return _read(await clients.set_credit_terms(client_id, data, version), response)


@router.put(
    "/{client_id:int}/contract-terms",
    dependencies=allowed(Permission.CONTRACT_TERMS_WRITE),
    operation_id="set_client_contract_terms",
)
async def set_contract_terms(
    client_id: PathId, data: ContractTerms, clients: ClientDep, version: IfMatchDep, response: Response
) -> ClientRead:
    """The supply contract (number, date) and its penalty for late payment, set by the lawyer or a
    head: a percent of the overdue sum a day, optionally capped at a percent of it. A claim letter
    then charges that penalty (art. 330) instead of the interest of art. 395 (art. 395 p. 4)."""
    return _read(await clients.set_contract_terms(client_id, data, version), response)


@router.post(
    "/{client_id:int}/contacts",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
    dependencies=WRITE,
    operation_id="add_client_contact",
)
async def add_contact(
    client_id: PathId, data: ContactCreate, clients: ClientDep, version: IfMatchDep, response: Response
) -> ClientRead:
    """Add a contact person (buyer … director) to the client."""
    return _read(await clients.add_contact(client_id, data, version), response)


@router.put(
    "/{client_id:int}/contacts/{contact_id:int}", dependencies=WRITE, operation_id="replace_client_contact"
)
async def replace_contact(
    client_id: PathId,
    contact_id: PathId,
    data: ContactCreate,
    clients: ClientDep,
    version: IfMatchDep,
    response: Response,
) -> ClientRead:
    """Replace a contact person's details."""
    return _read(await clients.replace_contact(client_id, contact_id, data, version), response)


@router.delete(
    "/{client_id:int}/contacts/{contact_id:int}", dependencies=WRITE, operation_id="remove_client_contact"
)
async def remove_contact(
    client_id: PathId, contact_id: PathId, clients: ClientDep, version: IfMatchDep, response: Response
) -> ClientRead:
    """Remove a contact person."""
    return _read(await clients.remove_contact(client_id, contact_id, version), response)


@router.get("/{client_id:int}/history", dependencies=allowed(Permission.HISTORY_READ))
async def client_history(
    client_id: PathId, clients: ClientDep, events: HistoryDep, page: PageDep
) -> Page[EventRead]:
    """Every change of the client, oldest first."""
    await clients.get(client_id)
    return await history_page(events, "client", client_id, page)
