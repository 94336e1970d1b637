"""The regulation's "useful" section: links, terms and abbreviations."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Response, status

from app.api.deps import (
    HistoryDep,
    IfMatchDep,
    PageDep,
    PathId,
    SettingsDep,
    UowDep,
    allowed,
    history_page,
    set_etag,
)
from app.api.routing import api_router
from app.core.errors import NotFound
from app.schemas.common import Page, problems
from app.schemas.events import EventRead
from app.schemas.reference import (
    CompanyRead,
    LinkCreate,
    LinkRead,
    LinkUpdate,
    Reference,
    TermCreate,
    TermRead,
    TermUpdate,
)
from app.services.directory.reference import ReferenceService
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1/reference", tags=["reference"])

READ = allowed(Permission.REFERENCE_READ)
WRITE = allowed(Permission.REFERENCE_WRITE)


async def reference_service(uow: UowDep) -> ReferenceService:
    return ReferenceService(uow)


ReferenceDep = Annotated[ReferenceService, Depends(reference_service)]


@router.get("", dependencies=READ)
async def get_reference(reference: ReferenceDep) -> Reference:
    """Links (chats, the daily report, 1C training, the company site, the learning platform) and terms."""
    return Reference(
        links=[LinkRead.model_validate(x) for x in await reference.links()],
        terms=[TermRead.model_validate(x) for x in await reference.terms()],
    )


@router.get("/company", dependencies=READ)
async def get_company(reference: ReferenceDep, settings: SettingsDep) -> CompanyRead:
    """The company's time zone, currency and today's date there, with whether it is a working day:
    what a client needs to show dates and times as the department lives them."""
    today, working, next_working = reference.today()
    return CompanyRead(
        name=settings.company.name,
        time_zone=settings.company.timezone,
        currency="RUB",
        today=today,
        working_day=working,
        next_working_day=next_working,
    )


@router.post("/links", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_link(data: LinkCreate, reference: ReferenceDep, response: Response) -> LinkRead:
    """Add a link (admin)."""
    link = await reference.create_link(data)
    set_etag(response, link.version)
    return LinkRead.model_validate(link)


@router.patch("/links/{link_id:int}", responses=problems(409), dependencies=WRITE)
async def update_link(
    link_id: PathId, data: LinkUpdate, reference: ReferenceDep, version: IfMatchDep, response: Response
) -> LinkRead:
    """Change a link (admin)."""
    link = await reference.update_link(link_id, data, version)
    set_etag(response, link.version)
    return LinkRead.model_validate(link)


@router.delete("/links/{link_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE)
async def delete_link(link_id: PathId, reference: ReferenceDep, version: IfMatchDep) -> None:
    """Remove a link (admin)."""
    await reference.delete_link(link_id, version)


@router.get("/links/{link_id:int}/history", dependencies=READ)
async def link_history(link_id: PathId, events: HistoryDep, page: PageDep) -> Page[EventRead]:
    """Every change of the link (kept after it is deleted)."""
    history = await history_page(events, "reference_link", link_id, page)
    if not history.items and page.cursor is None:
        raise NotFound("link", link_id)  # never created: a deleted one still has its history
    return history


@router.post("/terms", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_term(data: TermCreate, reference: ReferenceDep, response: Response) -> TermRead:
    """Add a term or an abbreviation (admin)."""
    term = await reference.create_term(data)
    set_etag(response, term.version)
    return TermRead.model_validate(term)


@router.patch("/terms/{term_id:int}", responses=problems(409), dependencies=WRITE)
async def update_term(
    term_id: PathId, data: TermUpdate, reference: ReferenceDep, version: IfMatchDep, response: Response
) -> TermRead:
    """Change a term (admin)."""
    term = await reference.update_term(term_id, data, version)
    set_etag(response, term.version)
    return TermRead.model_validate(term)


@router.delete("/terms/{term_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE)
async def delete_term(term_id: PathId, reference: ReferenceDep, version: IfMatchDep) -> None:
    """Remove a term (admin)."""
    await reference.delete_term(term_id, version)


@router.get("/terms/{term_id:int}/history", dependencies=READ)
async def term_history(term_id: PathId, events: HistoryDep, page: PageDep) -> Page[EventRead]:
    """Every change of the term (kept after it is deleted)."""
    history = await history_page(events, "reference_term", term_id, page)
    if not history.items and page.cursor is None:
        raise NotFound("term", term_id)  # never created: a deleted one still has its history
    return history
