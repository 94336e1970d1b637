"""An attachment over the configured size: refused by the service (422) or, beyond the bound of
any request body, before it is read (413); nothing is kept either way."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.core.config import Settings
from app.models.directory import Role
from tests.support.helpers import problem

LIMIT = 64 * 1024


@pytest.fixture(autouse=True)
def _small_documents(settings: Settings) -> None:
    settings.storage.max_document_bytes = LIMIT


async def test_too_large_attachments_are_refused(client: httpx.AsyncClient, make_user: Any) -> None:
    assistant = await make_user(Role.ASSISTANT)
    order = await client.post(
        "/api/v1/orders", headers=assistant.headers, json={"channel": "paper", "lines": []}
    )
    url = f"/api/v1/orders/{order.json()['id']}/attachments"
    text = "Заявка\n".encode() * 10_000  # 13 bytes a line, ~130 KB of text
    over = text[: LIMIT + 10]
    refused = problem(
        await client.post(url, headers=assistant.headers, files={"file": ("a.txt", over)}), 422, "file"
    )
    assert refused["errors"][0]["code"] == "file_too_large"
    huge = text * 10  # over the 1 MiB every request body is held to
    problem(await client.post(url, headers=assistant.headers, files={"file": ("b.txt", huge)}), 413)
    fits = await client.post(
        url, headers=assistant.headers, files={"file": ("c.txt", text[: LIMIT - LIMIT % 13])}
    )
    assert fits.status_code == 201, fits.text
    assert [a["filename"] for a in (await client.get(url, headers=assistant.headers)).json()["items"]] == [
        "c.txt"
    ]
