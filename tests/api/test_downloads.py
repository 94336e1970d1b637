"""Every file the API gives back says its type is final (nosniff); a stored upload goes as an
attachment, never shown in our origin (an uploaded "logo" that is really an HTML page or an SVG
with a script would otherwise run as a page of ours). PDFs we render may be shown inline.

The downloads are read from the committed OpenAPI document (a GET whose 200 is not JSON), so a new
one is walked too; the resources are the ones the 404/409 walks make (``world``).
"""

from __future__ import annotations

from typing import Any

import httpx

from app.models.directory import Role
from app.services.kernel.unit_of_work import UnitOfWork
from tests.api.test_declared_problems import SPEC, Operation, everyone, request_args, world

__all__ = ["everyone"]  # the fixture, shared

# What stores the file a download of an upload gives back, and the path parameter its answer names.
UPLOADS: dict[str, tuple[str, str | None]] = {
    "order_attachment_file": ("attach_order_file", "attachment_id"),
    "collection_file": ("attach_collection_file", "file_id"),
    "credit_file": ("attach_credit_file", "file_id"),
    "proposal_line_photo": ("set_proposal_line_photo", None),
    "spec_logo": ("upload_spec_logo", None),
    "spec_signed_file": ("upload_signed_spec_scan", None),
}
# Files that arrive by e-mail, not through an upload: tests/api/test_inbound_emails.py checks them.
RECEIVED = {"get_inbound_email_raw", "get_inbound_email_part"}
# The steps that bring a resource to where it takes the upload.
BEFORE = {"upload_signed_spec_scan": ["send_spec_invoice_to_manager", "spec_invoice_checked"]}


def _operations() -> dict[str, Operation]:
    return {
        spec["operationId"]: Operation(method.upper(), path, spec)
        for path, methods in SPEC["paths"].items()
        for method, spec in methods.items()
    }


def _downloads() -> list[Operation]:
    return [
        op
        for op in _operations().values()
        if op.method == "GET"
        and op.path.startswith("/api/")
        and "application/json" not in op.spec["responses"]["200"].get("content", {})
    ]


def _stored(op: Operation) -> bool:
    """The route gives back a file as it was uploaded (any type, or a picture)."""
    types = op.spec["responses"]["200"].get("content", {})
    return "*/*" in types or any(t.startswith("image/") for t in types)


async def test_every_download_is_nosniff_and_an_upload_is_an_attachment(
    client: httpx.AsyncClient, app: Any, everyone: Any, uow: UnitOfWork, make_user: Any
) -> None:
    ids = await world(client, app, uow, everyone, await make_user(Role.MANAGER))
    operations = _operations()
    downloads = _downloads()
    stored = {op.id for op in downloads if _stored(op)}
    assert stored == set(UPLOADS) | RECEIVED, "name the upload of each stored file here"
    own: dict[str, dict[str, Any]] = {}  # each download's own ids (two name their file `file_id`)
    for download_id, (upload_id, named) in UPLOADS.items():
        for step in BEFORE.get(upload_id, []):
            op = operations[step]
            done = await client.request(
                op.method, op.url(**ids), headers=everyone.headers, **request_args(op)
            )
            assert done.status_code == 200, (step, done.text)
        upload = operations[upload_id]
        args = request_args(upload)
        if "signer_id" in args.get("data", {}):
            args["data"]["signer_id"] = everyone.id
        response = await client.request(upload.method, upload.url(**ids), headers=everyone.headers, **args)
        assert response.status_code in (200, 201), (upload_id, response.text)
        if named is not None:
            own[download_id] = {named: response.json()["id"]}
    reached = set()
    for op in downloads:
        response = await client.get(
            op.url(**(ids | own.get(op.id, {}))), headers=everyone.headers, params=request_args(op)["params"]
        )
        if response.status_code != 200:
            continue  # a document the state of the world does not have yet
        reached.add(op.id)
        assert response.headers.get("x-content-type-options") == "nosniff", (op.id, response.headers)
        if op.id in stored:
            disposition = response.headers.get("content-disposition", "")
            assert disposition.startswith("attachment;"), (op.id, disposition)
    assert stored - RECEIVED <= reached, sorted(stored - RECEIVED - reached)
    assert len(reached) >= 14, sorted(reached)
