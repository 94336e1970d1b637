"""The regulation's "useful" section: links, terms and abbreviations."""

from __future__ import annotations

from fastapi import Depends, Response, status

from app.api.deps import IfMatchDep, PageDep, PathId, SettingsDep, UowDep, allow, history_page, set_etag
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

READ = [Depends(allow(Permission.REFERENCE_READ))]
WRITE = [Depends(allow(Permission.REFERENCE_WRITE))]


@router.get("", dependencies=READ)
async def get_reference(uow: UowDep) -> Reference:
    """Links (chats, the daily report, 1C training, the company site, the learning platform) and terms."""
    service = ReferenceService(uow)
    return Reference(
        links=[LinkRead.model_validate(x) for x in await service.links()],
        terms=[TermRead.model_validate(x) for x in await service.terms()],
    )


@router.get("/company", dependencies=READ)
async def get_company(uow: UowDep, settings: SettingsDep) -> CompanyRead:
    """The company's time zone, currency and today's date there, with whether it is a working day:
    what a client needs to show dates and times as the department lives them."""
    today, working, next_working = ReferenceService(uow).today()
    return CompanyRead(
        name=settings.company.name,
        time_zone=settings.company.timezone,
        currency="RUB",
        today=today,
        working_day=working,
        next_working_day=next_working,
    )


@router.post("/links", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_link(data: LinkCreate, uow: UowDep, response: Response) -> LinkRead:
    """Add a link (admin)."""
    link = await ReferenceService(uow).create_link(data)
    set_etag(response, link.version)
    return LinkRead.model_validate(link)


@router.patch("/links/{link_id:int}", responses=problems(409), dependencies=WRITE)
async def update_link(
    link_id: PathId, data: LinkUpdate, uow: UowDep, version: IfMatchDep, response: Response
) -> LinkRead:
    """Change a link (admin)."""
    link = await ReferenceService(uow).update_link(link_id, data, version)
    set_etag(response, link.version)
    return LinkRead.model_validate(link)


@router.delete("/links/{link_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE)
async def delete_link(link_id: PathId, uow: UowDep, version: IfMatchDep) -> None:
    """Remove a link (admin)."""
    await ReferenceService(uow).delete_link(link_id, version)


@router.get("/links/{link_id:int}/history", dependencies=READ)
async def link_history(link_id: PathId, uow: UowDep, page: PageDep) -> Page[EventRead]:
    """Every change of the link (kept after it is deleted)."""
    history = await history_page(uow, "reference_link", link_id, page)
    if not history.items and page.cursor is None:
        raise NotFound("link", link_id)  # never created: a deleted one still has its history
    return history


@router.post("/terms", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=WRITE)
async def create_term(data: TermCreate, uow: UowDep, response: Response) -> TermRead:
    """Add a term or an abbreviation (admin)."""
    term = await ReferenceService(uow).create_term(data)
    set_etag(response, term.version)
    return TermRead.model_validate(term)


@router.patch("/terms/{term_id:int}", responses=problems(409), dependencies=WRITE)
async def update_term(
    term_id: PathId, data: TermUpdate, uow: UowDep, version: IfMatchDep, response: Response
) -> TermRead:
    """Change a term (admin)."""
    term = await ReferenceService(uow).update_term(term_id, data, version)
    set_etag(response, term.version)
    return TermRead.model_validate(term)


@router.delete("/terms/{term_id:int}", status_code=status.HTTP_204_NO_CONTENT, dependencies=WRITE)
async def delete_term(term_id: PathId, uow: UowDep, version: IfMatchDep) -> None:
    """Remove a term (admin)."""
    await ReferenceService(uow).delete_term(term_id, version)


@router.get("/terms/{term_id:int}/history", dependencies=READ)
async def term_history(term_id: PathId, uow: UowDep, page: PageDep) -> Page[EventRead]:
    """Every change of the term (kept after it is deleted)."""
    history = await history_page(uow, "reference_term", term_id, page)
    if not history.items and page.cursor is None:
        raise NotFound("term", term_id)  # never created: a deleted one still has its history
    return history
