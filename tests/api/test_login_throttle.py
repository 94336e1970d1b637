"""Login is throttled: failed logins per account and per source address lock both out for a while
(429 with Retry-After, even with the right password, doubling each time in a row), every lock-out is
logged, and the password checks running at once are bounded (the rest 429 at once)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from structlog.testing import capture_logs

from app.core.clock import FixedClock
from app.core.config import Settings
from app.models.directory import LoginCounter, Role
from app.worker.context import JobContext
from app.worker.jobs import sweep
from tests.support.helpers import problem

PASSWORD = "correct horse battery"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
async def elsewhere(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    """A caller from another address than the test client's."""
    transport = httpx.ASGITransport(app=app, client=("2001:db8:1:2::7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


async def login(http: httpx.AsyncClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return await http.post(TOKEN, json={"email": email, "password": password})


async def fail(http: httpx.AsyncClient, email: str, times: int) -> None:
    for _ in range(times):
        problem(await login(http, email, "wrong password"), 401)


async def test_eleven_wrong_passwords_then_the_right_one_is_429(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    with capture_logs() as logs:
        await fail(client, user.email, 10)
    assert [e for e in logs if e["event"] == "auth.locked_out"] == [
        {
            "event": "auth.locked_out",
            "log_level": "warning",
            "kind": "account",
            "who": user.email,
            "failures": 10,
            "lockout": 1,
            "seconds": 60,
        },
        {
            "event": "auth.locked_out",
            "log_level": "warning",
            "kind": "address",
            "who": "127.0.0.1",
            "failures": 10,
            "lockout": 1,
            "seconds": 60,
        },
    ]
    problem(await login(client, user.email, "wrong password"), 429)
    locked = await login(client, user.email)
    assert problem(locked, 429)["code"] == "too_many_requests"
    assert locked.headers["Retry-After"] == "60"


async def test_another_account_from_another_address_is_not_blocked(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, make_user: Any
) -> None:
    victim = await make_user(Role.MANAGER, password=PASSWORD)
    other = await make_user(Role.MANAGER, password=PASSWORD)
    await fail(client, victim.email, 10)
    assert (await login(elsewhere, other.email)).status_code == 200
    # The locked account is locked from any address, and the locked address for any account.
    problem(await login(elsewhere, victim.email), 429)
    problem(await login(client, other.email), 429)


async def test_an_unknown_account_is_counted_like_a_known_one(
    client: httpx.AsyncClient, elsewhere: httpx.AsyncClient, make_user: Any
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    await fail(elsewhere, "ghost@example.com", 10)
    problem(await login(elsewhere, "ghost@example.com", "wrong password"), 429)
    problem(await login(elsewhere, user.email), 429)  # the address
    assert (await login(client, user.email)).status_code == 200


async def test_after_the_lockout_login_works_and_the_next_lockout_is_twice_as_long(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    await fail(client, user.email, 10)
    problem(await login(client, user.email), 429)
    clock.advance(timedelta(seconds=60))
    await fail(client, user.email, 10)
    clock.advance(timedelta(seconds=61))
    locked = await login(client, user.email)
    assert locked.headers["Retry-After"] == "59"  # 120 s from the second lock-out
    clock.advance(timedelta(seconds=59))
    assert (await login(client, user.email)).status_code == 200


async def test_failures_spread_beyond_the_window_do_not_lock(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    for _ in range(3):
        await fail(client, user.email, 9)
        clock.advance(timedelta(seconds=61))
    assert (await login(client, user.email)).status_code == 200


async def test_busy_password_checks_answer_429_at_once(
    client: httpx.AsyncClient, app: Any, make_user: Any, settings: Settings
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    hashing = app.state.password_hashing
    assert hashing.size == settings.auth.max_concurrent_hashing
    for _ in range(hashing.size):
        assert hashing.slots.acquire(blocking=False)
    try:
        busy = await login(client, user.email)
        problem(busy, 429)
        assert busy.headers["Retry-After"] == "1"
    finally:
        for _ in range(hashing.size):
            hashing.slots.release()
    assert (await login(client, user.email)).status_code == 200


async def test_the_sweep_forgets_counters_with_nothing_left_in_them(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock, job_ctx: JobContext
) -> None:
    user = await make_user(Role.MANAGER, password=PASSWORD)
    await fail(client, user.email, 10)
    assert (await sweep({"app": job_ctx}))["login_counters_pruned"] == 0
    clock.advance(timedelta(hours=1, seconds=1))
    assert (await sweep({"app": job_ctx}))["login_counters_pruned"] == 2
    async with job_ctx.session_factory() as session:
        assert await session.scalar(select(func.count()).select_from(LoginCounter)) == 0
