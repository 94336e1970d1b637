"""Every request body is held to one bound, and a route that takes files declares its own beside
itself: a spec logo or a signed scan of several megabytes is taken like any document. Past the bound
the answer is 413, by Content-Length or while a chunked body streams in, with a token or without."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from typing import Any

import httpx
from PIL import Image

from app.api.middleware import route_body_limit
from tests.api.test_spec_walk import people, spec_with_approved_invoice
from tests.support.declared import api_routes
from tests.support.helpers import problem

MIB = 1024 * 1024


def noise_png(side: int = 800) -> bytes:
    """A picture that does not compress: about 1.9 MB for 800 × 800."""
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG")
    return out.getvalue()


async def chunks(total: int, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    yield b'{"name": "'
    for _ in range(total // size):
        yield b"a" * size
    yield b'"}'


async def test_a_spec_logo_and_a_signed_scan_over_a_mebibyte_are_taken(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    a = p.assistant.headers
    _, url = await spec_with_approved_invoice(client, app, p, "logo", received_via="in_person")
    picture = noise_png()
    assert 1.5 * MIB < len(picture) < app.state.settings.storage.max_document_bytes
    logo = await client.put(f"{url}/logo", headers=a, files={"file": ("logo.png", picture, "image/png")})
    assert logo.status_code == 200, logo.text
    scan = await client.post(
        f"{url}/signed-scan",
        headers=a,
        data={"signer_id": str(p.supply.id)},
        files={"file": ("скан.png", picture, "image/png")},
    )
    assert scan.status_code == 200, scan.text
    assert (await client.get(f"{url}/signed-file", headers=a)).content == picture


async def test_a_json_body_over_the_bound_is_413_chunked_or_not_with_a_token_or_without(
    client: httpx.AsyncClient, make_user: Any
) -> None:
    from app.models.directory import Role

    head = await make_user(Role.HEAD)
    for headers in ({}, head.headers):
        for content in (chunks(2 * MIB), b'{"name": "' + b"a" * 2 * MIB + b'"}'):
            response = await client.post(
                "/api/v1/clients", content=content, headers={**headers, "Content-Type": "application/json"}
            )
            body = problem(response, 413)
            assert "larger than 1048576 bytes" in body["detail"]


async def test_a_chunked_upload_past_its_routes_own_bound_is_413(
    client: httpx.AsyncClient, app: Any, make_user: Any
) -> None:
    p = await people(make_user)
    _, url = await spec_with_approved_invoice(client, app, p, "logo", received_via="in_person")
    before = (await client.get(url, headers=p.assistant.headers)).json()
    bound = app.state.settings.storage.max_document_bytes + 64 * 1024
    boundary = b"b0undary"

    async def form() -> AsyncIterator[bytes]:
        yield b"--" + boundary + b'\r\nContent-Disposition: form-data; name="file"; filename="l.eps"\r\n\r\n'
        yield b"%!PS-Adobe-3.0 EPSF-3.0\n"
        for _ in range(bound // MIB + 1):
            yield b"%" * MIB
        yield b"\r\n--" + boundary + b"--\r\n"

    response = await client.put(
        f"{url}/logo",
        content=form(),
        headers={**p.assistant.headers, "Content-Type": f"multipart/form-data; boundary={boundary.decode()}"},
    )
    assert str(bound) in problem(response, 413)["detail"]
    after = (await client.get(url, headers=p.assistant.headers)).json()
    assert (after["logo_filename"], after["version"]) == (None, before["version"])


def test_each_upload_route_declares_its_bound_beside_it(app: Any) -> None:
    settings = app.state.settings
    declared = {
        route.operation_id: route_body_limit(route, settings)
        for route in api_routes(app.routes)
        if route_body_limit(route, settings) is not None
    }
    document = settings.storage.max_document_bytes + 64 * 1024
    assert declared == {
        "attach_collection_file": document,
        "attach_credit_file": document,
        "attach_order_file": document,
        "upload_spec_logo": document,
        "upload_signed_spec_scan": document,
        "set_proposal_line_photo": settings.proposals.max_photo_bytes + 64 * 1024,
    }
