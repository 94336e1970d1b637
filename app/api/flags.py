"""Mistakes in documents, flagged by anyone, open until fixed."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Response, status

from app.api.deps import IfMatchDep, PageDep, PathId, UowDep, allowed, set_etag
from app.api.routing import api_router
from app.models.flags import DocumentFlag, DocumentKind, FlagStatus
from app.schemas.common import Page, problems
from app.schemas.flags import FlagCreate, FlagFix, FlagRead
from app.services.directory.flags import FlagService
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1/document-flags", tags=["document flags"])

ANYONE = allowed(Permission.DOCUMENT_FLAGS)


async def flag_service(uow: UowDep) -> FlagService:
    return FlagService(uow)


FlagDep = Annotated[FlagService, Depends(flag_service)]


def _one(flag: DocumentFlag, response: Response) -> FlagRead:
    set_etag(response, flag.version)
    return FlagRead.model_validate(flag)


@router.post("", status_code=status.HTTP_201_CREATED, responses=problems(409), dependencies=ANYONE)
async def flag_document(data: FlagCreate, flags: FlagDep, response: Response) -> FlagRead:
    """Flag a document as wrong, saying what is wrong; it is posted to «Косяки в документах»."""
    return _one(await flags.flag(data.document_kind, data.document_ref, data.description), response)


@router.get("", dependencies=ANYONE, operation_id="list_document_flags")
async def list_flags(
    flags: FlagDep,
    page: PageDep,
    status: FlagStatus | None = None,
    document_kind: DocumentKind | None = None,
    document_ref: Annotated[str | None, Query(max_length=100)] = None,
) -> Page[FlagRead]:
    """Flags, oldest first; `status=open` for what still waits for a fix."""
    result = await flags.page(
        status=status, kind=document_kind, ref=document_ref, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[FlagRead.model_validate(f) for f in result.items], next_cursor=result.next_cursor)


@router.post(
    "/{flag_id:int}/fixed", responses=problems(409), dependencies=ANYONE, operation_id="fix_document_flag"
)
async def fix_flag(
    flag_id: PathId, data: FlagFix, flags: FlagDep, version: IfMatchDep, response: Response
) -> FlagRead:
    """Record the fix (what was done); the chat is told."""
    return _one(await flags.fix(flag_id, data.note, version), response)
