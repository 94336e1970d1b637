from __future__ import annotations

import httpx

from app.models.directory import Role
from tests.support.helpers import problem


async def test_health_and_auth(client: httpx.AsyncClient, make_user) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    problem(await client.get("/api/v1/clients"), 401)
    user = await make_user(Role.ASSISTANT)
    response = await client.get("/api/v1/auth/me", headers=user.headers)
    assert response.status_code == 200, response.text
    assert response.json()["roles"] == ["assistant"]
