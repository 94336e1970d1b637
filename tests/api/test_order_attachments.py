"""An order keeps the files it came with: checked by content, kept in the file storage, read back."""

from __future__ import annotations

import io
from typing import Any
from urllib.parse import quote

import httpx
import openpyxl
from PIL import Image

from app.models.directory import Role
from tests.support.helpers import problem


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def _xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Модель", "Размер", "Кол-во"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def test_files_the_order_came_with(client: httpx.AsyncClient, app: Any, make_user: Any) -> None:
    assistant = await make_user(Role.ASSISTANT)
    stranger = await make_user(Role.ASSISTANT, department="shop")
    order = await client.post(
        "/api/v1/orders",
        headers=assistant.headers,
        json={"channel": "paper", "raw_text": "Заявка на бланке, скан приложен", "lines": []},
    )
    url = f"/api/v1/orders/{order.json()['id']}/attachments"
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    uploads = [
        ("Скан заявки.pdf", pdf, "application/pdf"),
        ("фото бланка.png", _png(), "image/png"),
        (
            "../../etc/список.xlsx",
            _xlsx(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        ("письмо", "Добрый день! Нужны костюмы, 52-54, рост 182-188.".encode(), "text/plain; charset=utf-8"),
    ]
    for name, content, _ in uploads:
        # The header says nothing useful: the type is told by the content.
        sent = await client.post(
            url, headers=assistant.headers, files={"file": (name, content, "application/octet-stream")}
        )
        assert sent.status_code == 201, sent.text

    listed = (await client.get(url, headers=assistant.headers)).json()["items"]
    assert [(a["filename"], a["content_type"]) for a in listed] == [
        ("Скан заявки.pdf", "application/pdf"),
        ("фото бланка.png", "image/png"),
        ("etc_список.xlsx", uploads[2][2]),  # no path survives
        ("письмо.txt", "text/plain; charset=utf-8"),
    ]
    # Each comes back with the type it was kept with, which the API documents as any type.
    route = app.openapi()["paths"]["/api/v1/orders/{order_id}/attachments/{attachment_id}"]["get"]
    assert list(route["responses"]["200"]["content"]) == ["*/*"]
    for attachment, (_, content, _) in zip(listed, uploads, strict=True):
        back = await client.get(f"{url}/{attachment['id']}", headers=assistant.headers)
        assert back.status_code == 200
        assert back.content == content
        assert back.headers["content-type"] == attachment["content_type"]
        assert back.headers["content-disposition"].endswith(quote(attachment["filename"]))

    # Not a document we take; empty; another department's order.
    problem(
        await client.post(
            url, headers=assistant.headers, files={"file": ("a.exe", b"MZ\x90\x00\x03", "x/y")}
        ),
        422,
        "file",
    )
    problem(
        await client.post(url, headers=assistant.headers, files={"file": ("e.pdf", b"", "application/pdf")}),
        422,
        "file",
    )
    problem(
        await client.post(url, headers=stranger.headers, files={"file": ("s.pdf", pdf, "application/pdf")}),
        404,
    )
    problem(await client.get(f"{url}/{listed[0]['id']}", headers=stranger.headers), 404)
    assert len((await client.get(url, headers=assistant.headers)).json()["items"]) == 4
    history = (
        await client.get(f"/api/v1/orders/{order.json()['id']}/history", headers=assistant.headers)
    ).json()
    assert [e["action"] for e in history["items"]].count("attachment_added") == 4
