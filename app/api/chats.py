"""The registry of work chats and the outbound message log."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query

from app.api.deps import PageDep, SettingsDep, UowDep, allowed
from app.api.routing import api_router
from app.models.outbox import OutboundKind, OutboundStatus
from app.schemas.common import Page
from app.schemas.outbox import ChannelRead, OutboundRead
from app.services.kernel.outbox import OutboxService
from app.services.kernel.permissions import Permission

router = api_router(prefix="/api/v1", tags=["chats"])

READ = allowed(Permission.CHATS_READ)


async def outbox_service(uow: UowDep) -> OutboxService:
    return OutboxService(uow)


OutboxDep = Annotated[OutboxService, Depends(outbox_service)]


@router.get("/chats", dependencies=READ)
async def list_chats(settings: SettingsDep) -> Page[ChannelRead]:
    """The department's work chats, with the adapter each is routed through (one page: the
    configured few)."""
    items = [
        ChannelRead(key=key, title=channel.title, adapter=channel.adapter)
        for key, channel in settings.chat.channels.items()
    ]
    return Page(items=items, next_cursor=None)


@router.get("/outbound", dependencies=READ)
async def list_outbound(
    outbox: OutboxDep,
    page: PageDep,
    kind: OutboundKind | None = None,
    channel: Annotated[str | None, Query(max_length=100)] = None,
    status: OutboundStatus | None = None,
) -> Page[OutboundRead]:
    """Chat posts and emails the service sent or is about to send, newest first, with delivery state:
    those about a subject you may read (an order, an invoice, a debt's case… of your department, as
    your role reads them), and the work chats' posts about nothing else.

    A message is `pending`, then `sending` (committed before the outside call), then `sent` (committed
    as soon as the mail server or the chat has taken it) or back to `pending` with a later attempt,
    or `failed` for good. Delivery is at least once: a worker that dies between the server taking a
    message and that commit leaves it `sending`, and it is sent again (an email with the same
    Message-ID) once the claim is older than the stuck-claim limit."""
    result = await outbox.page(
        kind=kind, channel=channel, status=status, cursor=page.cursor, limit=page.limit
    )
    return Page(items=[OutboundRead.model_validate(m) for m in result.items], next_cursor=result.next_cursor)
