"""Inbound webhooks from outside systems. Each has its own secret in the URL instead of a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import JSONResponse

from app.api.deps import SettingsDep, UowDep, public
from app.api.problems import http_problem
from app.schemas.common import problems
from app.schemas.orders import WebhookAccepted
from app.services.intake import AmoCrmIntake

router = APIRouter(prefix="/webhooks", tags=["webhooks"])


@router.post(
    "/amocrm/{token}",
    response_model=WebhookAccepted,
    responses=problems(403, 413, 415, 422),
    dependencies=[Depends(public("amoCRM cannot send a bearer token: the secret is in the URL"))],
    operation_id="amocrm_webhook",
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
    uow: UowDep,
    settings: SettingsDep,
    token: Annotated[str, Path(max_length=200)],
) -> JSONResponse:
    """What amoCRM sends (form-encoded, `leads[add][0][id]=…`, `account[id]=…`). The delivery is
    stored and answered at once; the orders are made by a job (one order per lead, however often
    it is delivered). A wrong secret or account is refused and the delivery kept as rejected."""
    body = await request.body()
    verdict = await AmoCrmIntake(uow, settings.amocrm).receive(
        token, body, request.headers.get("content-type")
    )
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
