"""The worker makes the documents it sends in the same render processes as the API: a render process
that dies while the worker makes a message's attachment leaves the message to be tried again (nothing
is sent, the job does not fail), and the next attempt sends it with its document."""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

import httpx
from sqlalchemy import select

from app.models.directory import Role
from app.models.outbox import OutboundMessage, OutboundStatus
from app.services.kernel.rendering import Renderer
from app.services.seed import inn10
from app.worker.jobs import deliver_outbound
from tests.support.crash import segfault
from tests.support.pdf import pdf_text
from tests.support.receivables import add_invoice


async def test_an_attachment_whose_render_process_dies_is_sent_on_the_next_attempt(
    client: httpx.AsyncClient, make_user: Any, session_factory: Any, job_ctx: Any, smtp: Any
) -> None:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    card = await client.post(
        "/api/v1/clients",
        headers=head.headers,
        json={
            "name": "АО «Северная верфь»",
            "inn": inn10("352811303"),
            "kpp": "352801001",
            "assistant_id": assistant.id,
        },
    )
    assert card.status_code == 201, card.text
    await add_invoice(
        session_factory,
        card.json()["id"],
        issued_on=date(2026, 10, 5),
        due_on=date(2026, 10, 15),
        total="1200.50",
    )
    made = await client.post(
        "/api/v1/reconciliation-acts",
        headers=assistant.headers,
        json={
            "client_id": card.json()["id"],
            "date_from": "2026-10-01",
            "date_to": "2026-11-30",
            "email": "buh@verf.example.ru",
        },
    )
    assert made.status_code == 201, made.text
    async with session_factory() as session:
        message_id = await session.scalar(
            select(OutboundMessage.id).where(OutboundMessage.dedupe_key.startswith("reconciliation-act:"))
        )
    assert message_id is not None

    crashing = Renderer(processes=1, call=segfault)
    try:
        assert (
            await deliver_outbound({"app": dataclasses.replace(job_ctx, renderer=crashing)}, message_id)
            == "retry"
        )
    finally:
        crashing.shutdown()
    handler, _ = smtp
    assert handler.received == []
    async with session_factory() as session:
        message = await session.get(OutboundMessage, message_id)
        assert message is not None
        assert (message.status, message.attempts) == (OutboundStatus.PENDING, 1)
        assert "renderer" in (message.last_error or "")

    assert await deliver_outbound({"app": job_ctx}, message_id) == "sent"
    (mail,) = handler.received
    (attachment,) = list(mail.parsed().iter_attachments())
    assert "АО «Северная верфь»" in pdf_text(attachment.get_content())
