"""Login and personal API tokens."""

from __future__ import annotations

from datetime import timedelta

from fastapi import Depends, Request, status
from fastapi.responses import JSONResponse

from app.api.deps import ActorDep, AuthDep, PasswordHashingDep, PathId, SettingsDep, allowed, public
from app.api.problems import http_problem
from app.api.routing import api_router
from app.core.security import address_key
from app.schemas.common import Page, problems
from app.schemas.directory import (
    EmployeeRead,
    LoginRequest,
    MeRead,
    PersonalTokenCreate,
    PersonalTokenCreated,
    PersonalTokenRead,
    TokenResponse,
)
from app.services.kernel.permissions import Permission, permissions_of

router = api_router(prefix="/api/v1/auth", tags=["auth"])


@router.post(
    "/token",
    response_model=TokenResponse,
    responses=problems(401, 429),
    dependencies=[Depends(public("the login itself"))],
)
async def login(
    data: LoginRequest, request: Request, auth: AuthDep, settings: SettingsDep, hashing: PasswordHashingDep
) -> TokenResponse | JSONResponse:
    """Exchange an email and password for a bearer token (a login session).

    Failed logins are limited per account and per source address (`APP_AUTH__LOGIN_FAILURES` in
    `APP_AUTH__LOGIN_WINDOW_SECONDS`): the next attempts are answered 429 with `Retry-After`, even
    with the right password, for a lock-out that doubles each time in a row. A login that finds
    every password check of the server busy is answered 429 (`Retry-After: 1`) at once."""
    ttl = timedelta(minutes=settings.auth.session_ttl_minutes)
    outcome = await auth.login(
        data.email,
        data.password.get_secret_value(),
        ttl,
        address=address_key(request.client.host if request.client else None),
        hashing=hashing,
        limits=settings.auth,
    )
    if outcome.token is None or outcome.row is None:
        # Returned, not raised: the failure is counted (the unit of work commits it).
        return http_problem(401, outcome.refused, request.url.path)
    return TokenResponse(access_token=outcome.token, expires_at=outcome.row.expires_at)


@router.get("/me", dependencies=allowed(Permission.TOKENS_OWN), operation_id="get_me")
async def me(actor: ActorDep) -> MeRead:
    """Who the token belongs to, with the permissions its roles grant."""
    read = EmployeeRead.model_validate(actor)
    return MeRead(**read.model_dump(), permissions=sorted(permissions_of(actor.role_set)))


@router.get("/tokens", dependencies=allowed(Permission.TOKENS_OWN))
async def list_tokens(actor: ActorDep, auth: AuthDep) -> Page[PersonalTokenRead]:
    """Your tokens (sessions and personal), newest first, without their secrets (one page: a person
    holds a few)."""
    rows = await auth.list_tokens(actor.id)
    return Page(items=[PersonalTokenRead.model_validate(t) for t in rows], next_cursor=None)


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    responses=problems(409),
    dependencies=allowed(Permission.TOKENS_OWN),
)
async def create_token(
    data: PersonalTokenCreate, actor: ActorDep, auth: AuthDep, settings: SettingsDep
) -> PersonalTokenCreated:
    """A personal API token for scripts; the secret is shown only in this response."""
    token, row = await auth.create_personal(actor.id, data, settings.auth.personal_token_max_days)
    return PersonalTokenCreated.model_validate(
        {**PersonalTokenRead.model_validate(row).model_dump(), "token": token}
    )


@router.delete(
    "/tokens/{token_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems(409),
    dependencies=allowed(Permission.TOKENS_OWN),
)
async def revoke_token(token_id: PathId, actor: ActorDep, auth: AuthDep) -> None:
    """Revoke one of your tokens; it stops working at once."""
    await auth.revoke(actor.id, token_id)
