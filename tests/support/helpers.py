"""Assertions shared by the API tests."""

from __future__ import annotations

from typing import Any

import httpx


def problem(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    """Assert an RFC 9457 problem of the given status (naming ``field`` if given) and return it."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/problem+json"), response.headers
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["code"]
    assert body["type"]
    if field is not None:
        fields = [e["field"] for e in body.get("errors") or []]
        assert field in fields, (field, body)
    return body


def ok(response: httpx.Response, status: int = 200) -> Any:
    """Assert the answer of one step of a walk (its status) and return its JSON body, if it has one."""
    request = response.request
    assert response.status_code == status, (
        request.method,
        request.url.path,
        response.status_code,
        response.text,
    )
    return response.json() if response.content else None
