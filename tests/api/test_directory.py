"""Directory, login, personal tokens, idempotent creates and optimistic concurrency."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from app.core.clock import FixedClock
from app.core.config import RedisSettings, Settings
from app.main import Overrides, create_app
from app.models.directory import ApiToken, Role
from tests.support.helpers import problem


def _employee(department_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "full_name": "Орлова Мария Степановна",
        "initials": "ОМС",
        "department_id": department_id,
        "position": "Помощник менеджера",
        "roles": ["assistant"],
        "email": "orlova@example.com",
        "phone": "8 (921) 555-12-34",
        "chat_handle": "orlova_ms",
        "password": "correct horse battery",
    } | extra


async def test_admin_adds_an_employee_who_logs_in(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    created = await client.post(
        "/api/v1/employees", headers=admin.headers, json=_employee(admin.department_id)
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["phone"] == "+79215551234"
    assert body["roles"] == ["assistant"]
    assert created.headers["etag"] == '"1"'
    assert "password" not in body
    assert "password_hash" not in body

    login = await client.post(
        "/api/v1/auth/token", json={"email": "Orlova@Example.com", "password": "correct horse battery"}
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["email"] == "orlova@example.com"
    assert "clients:read" in me.json()["permissions"]
    assert "directory:write" not in me.json()["permissions"]

    wrong = await client.post("/api/v1/auth/token", json={"email": "orlova@example.com", "password": "nope"})
    problem(wrong, 401)
    unknown = await client.post("/api/v1/auth/token", json={"email": "ghost@example.com", "password": "nope"})
    assert problem(unknown, 401)["detail"] == problem(wrong, 401)["detail"]


async def test_only_admin_writes_the_directory(client: httpx.AsyncClient, make_user: Any) -> None:
    head = await make_user(Role.HEAD)
    response = await client.post(
        "/api/v1/employees", headers=head.headers, json=_employee(head.department_id)
    )
    assert problem(response, 403)["code"] == "forbidden"
    listing = await client.get("/api/v1/employees", headers=head.headers)
    assert listing.status_code == 200
    assert listing.json()["items"][0]["id"] == head.id


async def test_bad_employee_input_names_the_field_and_writes_nothing(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    admin = await make_user(Role.ADMIN)
    dept = admin.department_id
    cases = [
        (_employee(dept, roles=["janitor"]), "roles.0"),
        (_employee(dept, roles=[]), "roles"),
        (_employee(dept, roles=["manager", "manager"]), "roles"),
        (_employee(dept, email="not-an-email"), "email"),
        (_employee(dept, phone="12"), "phone"),
        (_employee(dept, initials="abc"), "initials"),
        (_employee(dept, full_name="Я" * 10_000), "full_name"),
        (_employee(99999), "department_id"),
        (_employee(dept, password="short"), "password"),
        (_employee(dept, salary=100), "salary"),
        (_employee(dept, email=admin.email), "email"),
    ]
    for payload, field in cases:
        problem(await client.post("/api/v1/employees", headers=admin.headers, json=payload), 422, field)
    listing = await client.get("/api/v1/employees", headers=admin.headers)
    assert [e["id"] for e in listing.json()["items"]] == [admin.id]

    malformed = await client.post(
        "/api/v1/employees",
        headers=admin.headers | {"Content-Type": "application/json"},
        content=b"{not json",
    )
    problem(malformed, 422)


async def test_personal_tokens_expire_and_revoke(
    client: httpx.AsyncClient, make_user: Any, clock: FixedClock
) -> None:
    user = await make_user(Role.MANAGER)
    created = await client.post(
        "/api/v1/auth/tokens", headers=user.headers, json={"name": "script", "expires_in_days": 2}
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.get("/api/v1/auth/me", headers=headers)).status_code == 200

    tokens = (await client.get("/api/v1/auth/tokens", headers=user.headers)).json()["items"]
    assert {t["name"] for t in tokens} == {"cli", "script"}
    assert all("token" not in t for t in tokens)

    clock.advance(timedelta(days=3))
    problem(await client.get("/api/v1/auth/me", headers=headers), 401)
    clock.advance(timedelta(days=-3))

    revoke = await client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=user.headers)
    assert revoke.status_code == 204
    problem(await client.get("/api/v1/auth/me", headers=headers), 401)
    problem(await client.delete(f"/api/v1/auth/tokens/{created.json()['id']}", headers=user.headers), 409)

    other = await make_user(Role.MANAGER)
    own_token_id = tokens[0]["id"]
    problem(await client.delete(f"/api/v1/auth/tokens/{own_token_id}", headers=other.headers), 404)


async def test_deactivating_revokes_every_token(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    user = await make_user(Role.ASSISTANT)
    assert (await client.get("/api/v1/auth/me", headers=user.headers)).status_code == 200
    response = await client.patch(
        f"/api/v1/employees/{user.id}", headers=admin.headers, json={"is_active": False}
    )
    assert response.status_code == 200, response.text
    problem(await client.get("/api/v1/auth/me", headers=user.headers), 401)


async def test_if_match_guards_updates(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    dept = await client.post(
        "/api/v1/departments", headers=admin.headers, json={"code": "sales", "name": "Отдел продаж"}
    )
    assert dept.status_code == 201, dept.text
    url = f"/api/v1/departments/{dept.json()['id']}"
    ok = await client.patch(
        url, headers=admin.headers | {"If-Match": '"1"'}, json={"name": "Отдел активных продаж"}
    )
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'
    stale = await client.patch(url, headers=admin.headers | {"If-Match": '"1"'}, json={"name": "Другое"})
    problem(stale, 412)
    problem(
        await client.patch(url, headers=admin.headers | {"If-Match": "garbage"}, json={"name": "Другое"}), 412
    )
    assert (await client.get(url, headers=admin.headers)).json()["name"] == "Отдел активных продаж"
    history = (await client.get(f"{url}/history", headers=admin.headers)).json()["items"]
    assert [e["action"] for e in history] == ["created", "updated"]
    assert history[1]["before"] == {"name": "Отдел продаж"}
    assert history[1]["after"] == {"name": "Отдел активных продаж"}
    assert history[1]["actor_id"] == admin.id
    problem(
        await client.post(
            "/api/v1/departments",
            headers=admin.headers,
            json={"code": "sales2", "name": "Отдел активных продаж"},
        ),
        422,
        "name",
    )
    problem(
        await client.post(
            "/api/v1/departments", headers=admin.headers, json={"code": "Продажи", "name": "X"}
        ),
        422,
        "code",
    )


async def test_parallel_updates_with_the_same_if_match_one_wins(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    admin = await make_user(Role.ADMIN)
    dept = (
        await client.post(
            "/api/v1/departments", headers=admin.headers, json={"code": "race", "name": "Гонка"}
        )
    ).json()
    url = f"/api/v1/departments/{dept['id']}"
    results = await asyncio.gather(
        *[
            client.patch(url, headers=admin.headers | {"If-Match": '"1"'}, json={"name": f"Гонка {i}"})
            for i in range(8)
        ]
    )
    statuses = sorted(r.status_code for r in results)
    assert statuses.count(200) == 1, [r.text for r in results]
    assert set(statuses) <= {200, 409, 412}
    final = (await client.get(url, headers=admin.headers)).json()
    assert final["version"] == 2


async def test_idempotency_key_replays_and_refuses_reuse(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    headers = admin.headers | {"Idempotency-Key": "create-dept-1"}
    payload = {"code": "logistics", "name": "Логистика"}
    first = await client.post("/api/v1/departments", headers=headers, json=payload)
    second = await client.post("/api/v1/departments", headers=headers, json=payload)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["etag"] == first.headers["etag"]
    listing = (await client.get("/api/v1/departments", headers=admin.headers)).json()["items"]
    assert sum(d["code"] == "logistics" for d in listing) == 1

    reused = await client.post(
        "/api/v1/departments", headers=headers, json={"code": "other", "name": "Другой"}
    )
    assert problem(reused, 422, "Idempotency-Key")["code"] == "idempotency_key_reused"

    # Keys are per caller: another user's identical key is a new request.
    admin2 = await make_user(Role.ADMIN)
    third = await client.post(
        "/api/v1/departments",
        headers=admin2.headers | {"Idempotency-Key": "create-dept-1"},
        json={"code": "logistics2", "name": "Логистика 2"},
    )
    assert third.status_code == 201


async def test_oversized_body_is_413(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    response = await client.post(
        "/api/v1/departments", headers=admin.headers, json={"code": "big", "name": "x" * 2_000_000}
    )
    problem(response, 413)


async def test_pagination_of_employees(client: httpx.AsyncClient, make_user: Any) -> None:
    admin = await make_user(Role.ADMIN)
    for _ in range(4):
        await make_user(Role.ASSISTANT)
    seen: list[int] = []
    cursor = None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/employees", headers=admin.headers, params=params)).json()
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5
    assert seen == sorted(set(seen))
    assert (
        len(
            (
                await client.get("/api/v1/employees", headers=admin.headers, params={"role": "assistant"})
            ).json()["items"]
        )
        == 4
    )
    problem(
        await client.get("/api/v1/employees", headers=admin.headers, params={"limit": 5000}),
        422,
        "query.limit",
    )
    problem(
        await client.get("/api/v1/employees", headers=admin.headers, params={"cursor": "!!"}), 422, "cursor"
    )


async def _patch_employee(client: httpx.AsyncClient, admin: Any, employee_id: int, **changes: Any) -> None:
    """Change an employee as an admin would: read its ETag, then PATCH with it."""
    url = f"/api/v1/employees/{employee_id}"
    version = (await client.get(url, headers=admin.headers)).headers["ETag"]
    changed = await client.patch(url, headers=admin.headers | {"If-Match": version}, json=changes)
    assert changed.status_code == 200, changed.text


async def test_a_role_change_applies_to_the_next_request(client: httpx.AsyncClient, make_user: Any) -> None:
    """Who a token is, is remembered a few seconds; a change through this process forgets it."""
    admin = await make_user(Role.ADMIN)
    user = await make_user(Role.MANAGER)
    assert (await client.get("/api/v1/auth/me", headers=user.headers)).json()["roles"] == ["manager"]
    await _patch_employee(client, admin, user.id, roles=["assistant"])
    assert (await client.get("/api/v1/auth/me", headers=user.headers)).json()["roles"] == ["assistant"]


async def test_a_token_revoked_by_another_process_is_refused_within_the_cache_time(
    settings: Settings, session_factory: Any, clock: FixedClock, queue: Any, make_user: Any
) -> None:
    settings.auth.actor_cache_seconds = 0.3
    app = create_app(settings, Overrides(clock=clock, queue=queue))
    user = await make_user(Role.MANAGER)
    try:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            assert (await client.get("/api/v1/auth/me", headers=user.headers)).status_code == 200
            # Another process (the CLI, another worker) revokes it: this one has not heard.
            async with session_factory() as session:
                await session.execute(update(ApiToken).values(revoked_at=clock.now()))
                await session.commit()
            assert (await client.get("/api/v1/auth/me", headers=user.headers)).status_code == 200
            await asyncio.sleep(0.35)
            problem(await client.get("/api/v1/auth/me", headers=user.headers), 401)
    finally:
        await app.state.engine.dispose()


async def test_a_change_through_another_process_applies_at_once_when_redis_carries_the_notice(
    settings: Settings, clock: FixedClock, queue: Any, make_user: Any, redis_url: str
) -> None:
    """Two API processes (two apps here) on one database and one Redis, each remembering tokens for
    a minute: what one changes, the other applies to its next request."""
    settings.auth.actor_cache_seconds = 60
    settings.redis = RedisSettings(url=redis_url, queue_name=f"pomoshnik:test:{uuid.uuid4().hex}")
    one, other = (create_app(settings, Overrides(clock=clock, queue=queue)) for _ in range(2))
    admin = await make_user(Role.ADMIN)
    user = await make_user(Role.MANAGER)
    try:
        async with (
            one.router.lifespan_context(one),
            other.router.lifespan_context(other),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=one), base_url="http://one") as first,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=other), base_url="http://other") as second,
        ):
            await asyncio.wait_for(other.state.notices_heard.wait(), 10)
            assert (await second.get("/api/v1/auth/me", headers=user.headers)).json()["roles"] == ["manager"]

            async def me_on_the_other() -> httpx.Response:
                deadline = asyncio.get_running_loop().time() + 5
                while True:
                    me = await second.get("/api/v1/auth/me", headers=user.headers)
                    if me.status_code != 200 or me.json()["roles"] != ["manager"]:
                        return me
                    assert asyncio.get_running_loop().time() < deadline, "the other process did not hear"
                    await asyncio.sleep(0.02)

            await _patch_employee(first, admin, user.id, roles=["assistant"])
            assert (await me_on_the_other()).json()["roles"] == ["assistant"]

            await _patch_employee(first, admin, user.id, is_active=False)
            deadline = asyncio.get_running_loop().time() + 5
            while (await second.get("/api/v1/auth/me", headers=user.headers)).status_code == 200:
                assert asyncio.get_running_loop().time() < deadline, "a disabled employee still let in"
                await asyncio.sleep(0.02)
            problem(await second.get("/api/v1/auth/me", headers=user.headers), 401)
    finally:
        for app in (one, other):
            await app.state.engine.dispose()
