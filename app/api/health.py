"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import text

from app.api.deps import public
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.receivables.rates import KeyRateService

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    checks: dict[str, str]


@router.get("/healthz", dependencies=[Depends(public("liveness probe"))])
async def healthz() -> Health:
    """The process is up (says nothing of its dependencies)."""
    return Health(status="ok")


async def _check_db(request: Request) -> str:
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=2)
        return "ok"
    except Exception as exc:  # readiness reports any failure instead of raising it
        return f"unavailable: {type(exc).__name__}"


async def _check_redis(request: Request) -> str:
    queue = request.app.state.queue
    return "ok" if await queue.ping() else "unavailable"


async def _check_key_rates(request: Request) -> str:
    """Whether the key-rate table was refreshed recently (penalties would use old rates otherwise)."""
    state = request.app.state
    try:
        async with state.session_factory() as session:
            uow = UnitOfWork(session=session, clock=state.clock, calendar=state.calendar)
            stale_after = timedelta(days=state.settings.rates.stale_after_days)
            staleness = await asyncio.wait_for(KeyRateService(uow).staleness(stale_after), timeout=2)
        return staleness.detail
    except Exception as exc:  # readiness reports any failure instead of raising it
        return f"unavailable: {type(exc).__name__}"


async def _check_onec(request: Request) -> str:
    """Whether 1C answers (an adapter without ``ping``, the in-memory stub, always does)."""
    ping = getattr(request.app.state.erp, "ping", None)
    if ping is None:
        return "ok"
    try:
        await asyncio.wait_for(ping(), timeout=2)
        return "ok"
    except Exception as exc:  # readiness reports any failure instead of raising it
        return f"unavailable: {type(exc).__name__}"


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency is down"}},
    dependencies=[Depends(public("readiness probe"))],
)
async def readyz(request: Request) -> Any:
    """Ready when the database answers. Redis, the key-rate table and 1C are reported too: without
    Redis the API keeps working, a key-rate table with no refresh for `APP_RATES__STALE_AFTER_DAYS`
    days says `stale` (penalties still compute, on the rates it has), and without 1C orders are
    still taken while the jobs that need it wait and retry; any of them makes the status
    `degraded`."""
    db, redis, key_rates, onec = await asyncio.gather(
        _check_db(request), _check_redis(request), _check_key_rates(request), _check_onec(request)
    )
    checks = {"database": db, "redis": redis, "key_rates": key_rates, "1c": onec}
    ready = db == "ok"
    healthy = ready and redis == "ok" and key_rates == "ok" and onec == "ok"
    body = Readiness(status="ok" if healthy else ("degraded" if ready else "unavailable"), checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


@router.get(
    "/metrics",
    response_class=Response,
    responses={200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text format"}},
    dependencies=[Depends(public("scraped by Prometheus on the internal network"))],
)
async def metrics(request: Request) -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
