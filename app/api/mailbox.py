"""The e-mails taken from the shared mailbox: what each became, its files, a failure taken again."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Response

from app.api.actions import offered
from app.api.deps import (
    STORED_FILE,
    ErpDep,
    PageDep,
    PathId,
    QueryId,
    SettingsDep,
    StorageDep,
    UowDep,
    allowed,
    file_response,
)
from app.api.routing import api_router
from app.core.errors import NotFound
from app.models.mailbox import InboundEmail, InboundKind
from app.models.outbox import MessageAbout
from app.schemas.common import IsoDate, Page, problems
from app.schemas.mailbox import (
    InboundDocument,
    InboundEmailDetail,
    InboundEmailRead,
    InboundHeader,
    InboundPart,
)
from app.services.kernel.permissions import Permission
from app.services.mailbox import MailboxService
from app.services.mailbox.inbox import InboundFilter, InboxService, retryable

router = api_router(prefix="/api/v1/inbound-emails", tags=["mailbox"])
ITEM = "/api/v1/inbound-emails/{email_id}"

READ = allowed(Permission.ORDERS_READ)
WRITE = allowed(Permission.ORDERS_WRITE)


async def inbox_service(uow: UowDep, erp: ErpDep, storage: StorageDep, settings: SettingsDep) -> InboxService:
    return InboxService(
        MailboxService(uow, settings.mailbox, storage, erp, settings.storage.max_document_bytes)
    )


InboxDep = Annotated[InboxService, Depends(inbox_service)]


@router.get("", dependencies=READ)
async def list_inbound_emails(
    inbox: InboxDep,
    page: PageDep,
    kind: Annotated[
        InboundKind | None,
        Query(
            description="What it became: order, reply, auto_reply, bounce, mailing_list, duplicate, failed"
        ),
    ] = None,
    sender: Annotated[
        str | None, Query(min_length=1, max_length=254, description="Part of the sender's address")
    ] = None,
    received_from: Annotated[
        IsoDate | None, Query(description="Taken on or after this day (the company's time zone)")
    ] = None,
    received_to: Annotated[
        IsoDate | None, Query(description="Taken on or before this day (the company's time zone)")
    ] = None,
    about: Annotated[
        MessageAbout | None, Query(description="The kind of document it answers (with `about_id`)")
    ] = None,
    about_id: Annotated[QueryId, Query(description="The document it answers (needs `about`)")] = None,
    order_id: Annotated[QueryId, Query(description="The order it made")] = None,
) -> Page[InboundEmailRead]:
    """E-mails taken from the shared mailbox, newest first, narrowed by every filter given and to
    the letters the caller may read. A `received_to` before `received_from`, or an `about_id`
    without `about`, is a 422.

    Each letter is read by whoever sees what it led to or answers: its order, the document it
    answers or bounced from, that document's client, or the client it came from (a contact's
    address is its sender); one tied to none of them (an unknown sender's auto-reply, a mailing
    list, a failure) only by those who see every order."""
    filters = InboundFilter(
        kind=kind,
        sender=sender,
        received_from=received_from,
        received_to=received_to,
        about=about,
        about_id=about_id,
        order_id=order_id,
    )
    result = await inbox.page(filters, cursor=page.cursor, limit=page.limit)
    return Page(
        items=[InboundEmailRead.model_validate(row) for row in result.items], next_cursor=result.next_cursor
    )


async def _detail(inbox: InboxService, row: InboundEmail) -> InboundEmailDetail:
    document = await inbox.document(row)
    parts = [
        InboundPart(
            index=index,
            filename=part.get("filename"),
            content_type=part.get("content_type"),
            size=part.get("size"),
            problem=part.get("problem"),
            downloadable=bool(part.get("key")),
        )
        for index, part in enumerate(row.parts or [])
    ]
    return InboundEmailDetail(
        **InboundEmailRead.model_validate(row).model_dump(),
        text=row.text,
        headers=[InboundHeader(name=n, value=v) for n, v in await inbox.headers(row)],
        parts=parts,
        document=InboundDocument(
            about=document.about, id=document.id, title=document.title, order_id=document.order_id
        )
        if document
        else None,
        raw_available=row.raw_key is not None,
        allowed_actions=offered(ITEM, ["retry"] if retryable(row) else []),
    )


@router.get("/{email_id:int}", dependencies=READ)
async def get_inbound_email(email_id: PathId, inbox: InboxDep) -> InboundEmailDetail:
    """One e-mail: the headers that matter, its new text without the quoted history, its parts
    (each downloadable), the order, document and task it led to, or why it failed.

    Each letter is read by whoever sees what it led to or answers: its order, the document it
    answers or bounced from, that document's client, or the client it came from (a contact's
    address is its sender); one tied to none of them (an unknown sender's auto-reply, a mailing
    list, a failure) only by those who see every order.

    A letter the caller may not read is a 404, the same as one that does not exist."""
    return await _detail(inbox, await inbox.get(email_id))


@router.get("/{email_id:int}/raw", response_class=Response, responses=STORED_FILE, dependencies=READ)
async def get_inbound_email_raw(email_id: PathId, inbox: InboxDep) -> Response:
    """The message as it came (RFC 5322, `.eml`); 404 when it was never fetched (too large) or
    the caller may not read the letter."""
    row = await inbox.get(email_id)
    stored = await inbox.raw(row)
    if stored is None:
        raise NotFound("raw message of inbound e-mail", email_id)
    return file_response(stored.content, "message/rfc822", f"письмо-{row.id}.eml")


@router.get(
    "/{email_id:int}/parts/{index:int}", response_class=Response, responses=STORED_FILE, dependencies=READ
)
async def get_inbound_email_part(
    email_id: PathId, index: Annotated[int, Path(ge=0, le=1000)], inbox: InboxDep
) -> Response:
    """An attachment of the message as it was kept; 404 when the caller may not read the letter."""
    part, stored = await inbox.part(await inbox.get(email_id), index)
    return file_response(stored.content, stored.content_type, str(part.get("filename") or "вложение"))


@router.post("/{email_id:int}/retry", responses=problems(409), dependencies=WRITE)
async def retry_inbound_email(email_id: PathId, inbox: InboxDep) -> InboundEmailDetail:
    """Take a failed message again from the copy kept as it came: it becomes what it would have
    become on arrival. 409 when it is not a failure, was never fetched (too large: only the
    mailbox has it), or still cannot be read; then nothing changes. 404 when the caller may not
    read the letter (a failure tied to nothing: only those who see every order)."""
    return await _detail(inbox, await inbox.retry(email_id))
