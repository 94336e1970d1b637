"""Inbound webhooks from outside systems. Each has its own secret in the URL instead of a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import ErpDep, SettingsDep, UowDep, public
from app.api.problems import http_problem
from app.api.routing import api_router
from app.core.security import address_key
from app.schemas.common import problems
from app.schemas.orders import ChatUpdateHandled, WebhookAccepted
from app.services.orders.inbound_chat import InboundChatService
from app.services.orders.intake import AmoCrmIntake

router = api_router(prefix="/webhooks", tags=["webhooks"])


async def amocrm_intake(uow: UowDep, settings: SettingsDep) -> AmoCrmIntake:
    return AmoCrmIntake(uow, settings.amocrm, settings.webhooks)


AmoCrmIntakeDep = Annotated[AmoCrmIntake, Depends(amocrm_intake)]


async def inbound_chat_service(uow: UowDep, settings: SettingsDep, erp: ErpDep) -> InboundChatService:
    return InboundChatService(uow, settings, erp)


InboundChatDep = Annotated[InboundChatService, Depends(inbound_chat_service)]


def _address(request: Request) -> str:
    """Where the delivery came from (behind a trusted proxy, what it forwarded)."""
    return address_key(request.client.host if request.client else None)


@router.post(
    "/amocrm/{token}",
    response_model=WebhookAccepted,
    responses=problems(403, 413, 415, 429),
    dependencies=[Depends(public("amoCRM cannot send a bearer token: the secret is in the URL"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "additionalProperties": {"type": "string"}},
                    "example": "leads[add][0][id]=31000101&leads[add][0][status_id]=61000001"
                    "&leads[add][0][pipeline_id]=7001001&account[id]=29001234&account[subdomain]=example",
                }
            },
        }
    },
)
async def amocrm_webhook(
    request: Request,
    intake: AmoCrmIntakeDep,
    # One path segment, as the route matches it: a secret that is empty or holds a slash names no
    # route at all (404 before this operation), so the schema says what can reach it.
    token: Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[^/]+$")],
) -> JSONResponse:
    """What amoCRM sends (form-encoded, `leads[add][0][id]=…`, `account[id]=…`). The delivery is
    stored and answered at once; the orders are made by a job (one order per lead, however often
    it is delivered). A wrong secret or account is refused and the delivery kept as rejected, with
    only the beginning of its body; an address with too many refused lately gets 429 (Retry-After)
    and nothing is kept."""
    body = await request.body()
    verdict = await intake.receive(token, body, request.headers.get("content-type"), _address(request))
    if verdict.rejected is not None:
        # Returned, not raised: the rejected delivery is kept (the unit of work commits it).
        errors = (
            [{"field": "body", "reason": verdict.rejected, "code": "malformed"}]
            if verdict.status == 422
            else None
        )
        return http_problem(verdict.status, verdict.rejected, request.url.path, errors=errors)
    accepted = WebhookAccepted(delivery_id=verdict.delivery.id, status=verdict.delivery.status.value)
    return JSONResponse(accepted.model_dump())


@router.post(
    "/telegram",
    response_model=ChatUpdateHandled,
    responses=problems(403, 413, 429),
    dependencies=[Depends(public("Telegram authenticates with the secret_token header it was given"))],
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {"type": "object", "description": "A Telegram Bot API Update"},
                    "example": {
                        "update_id": 900000001,
                        "message": {
                            "message_id": 77,
                            "date": 1796108400,
                            "chat": {"id": -1001234567890, "type": "supergroup"},
                            "from": {"id": 5550001, "is_bot": False, "username": "sklad_petrov"},
                            "text": "Принято",
                            "reply_to_message": {"message_id": 75},
                        },
                    },
                }
            },
        }
    },
)
async def telegram_webhook(
    request: Request,
    inbound_chat: InboundChatDep,
    secret: Annotated[
        str | None, Header(alias="X-Telegram-Bot-Api-Secret-Token", max_length=256, include_in_schema=False)
    ] = None,
) -> JSONResponse:
    """Messages of the work chats (set with `setWebhook(url, secret_token=…)`). The warehouse's
    «Принято» — a reply to the posted invoice, or naming its number — accepts the order when the
    sender is a warehouse employee known by their chat handle. Every update is kept with what was
    done with it; anything not understood is answered 200 and ignored, so Telegram does not retry.
    A refused update (wrong secret, not an Update) keeps only the beginning of its body; an address
    with too many refused lately gets 429 (Retry-After) and nothing is kept."""
    body = await request.body()
    verdict = await inbound_chat.receive(secret, body, request.headers.get("content-type"), _address(request))
    if verdict.rejected is not None:
        errors = (
            [{"field": "body", "reason": verdict.rejected, "code": "malformed"}]
            if verdict.status == 422
            else None
        )
        return http_problem(verdict.status, verdict.rejected, request.url.path, errors=errors)
    handled = ChatUpdateHandled(delivery_id=verdict.delivery.id, outcome=verdict.outcome)
    return JSONResponse(handled.model_dump())
