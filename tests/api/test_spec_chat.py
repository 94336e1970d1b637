"""The workshop answers in its Telegram chat: «Принято» in reply to the posted spec accepts it, any
other reply is kept as the workshop's remark — only from a workshop employee known by chat handle."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.core.config import ChatChannelSettings, Settings, TelegramSettings
from app.models.directory import Role
from app.models.outbox import OutboundMessage
from app.worker.jobs import deliver_outbound
from tests.api.test_spec_walk import people, png, spec_with_approved_invoice
from tests.conftest import RecordingQueue

SECRET = "tg-hook-Secret_2"
LOGO_CHAT = -1009876543210
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
_ids = itertools.count(910_000_001)


@pytest.fixture(autouse=True)
def _workshop_chat_on_telegram(settings: Settings) -> None:
    settings.chat.channels["workshop_logos"] = ChatChannelSettings(
        title="Логотипы.ЩЦ", chat_id=str(LOGO_CHAT)
    )
    settings.telegram = TelegramSettings(webhook_secret=SecretStr(SECRET))


def reply(text: str, username: str, to: int) -> dict[str, Any]:
    return {
        "update_id": next(_ids),
        "message": {
            "message_id": next(_ids) % 100_000,
            "date": 1796108400,
            "chat": {"id": LOGO_CHAT, "title": "Логотипы.ЩЦ", "type": "supergroup"},
            "from": {
                "id": 5560000 + len(username),
                "is_bot": False,
                "first_name": "Мастер",
                "username": username,
            },
            "text": text,
            "reply_to_message": {
                "message_id": to,
                "date": 1796108000,
                "chat": {"id": LOGO_CHAT, "type": "supergroup"},
                "from": {"id": 7000001, "is_bot": True, "first_name": "Pomoshnik"},
            },
        },
    }


async def test_the_workshop_accepts_and_remarks_in_its_chat(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> None:
    p = await people(make_user)
    await make_user(Role.WAREHOUSE, department="warehouse", chat_handle="@sklad_ivanov")
    a = p.assistant.headers
    order, url = await spec_with_approved_invoice(client, app, p, "logo", received_via="in_person")
    await client.put(f"{url}/logo", headers=a, files={"file": ("logo.png", png())})
    await client.post(f"{url}/sign", headers=p.supply.headers)
    sent = await client.post(f"{url}/send", headers=a, json={})
    assert sent.status_code == 200, sent.text
    for function, args, _ in list(queue.jobs):
        if function == "deliver_outbound":
            await deliver_outbound({"app": job_ctx}, *args)
    async with job_ctx.session_factory() as session:
        post = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.channel == "workshop_logos")
        )
    assert post is not None
    assert post.external_id is not None
    to = int(post.external_id)
    hook = "/webhooks/telegram"

    # The warehouse keeper's «Принято» is not the workshop's; a reply to another post names nothing.
    for body, reason in (
        (reply("Принято", "sklad_ivanov", to), "may not accept for the workshop"),
        (reply("Принято", "master_shc", to + 999), "cannot tell"),
    ):
        answered = await client.post(hook, json=body, headers=HEADERS)
        assert answered.json()["outcome"].startswith("ignored:"), answered.text
        assert reason in answered.json()["outcome"]
    assert (await client.get(url, headers=a)).json()["status"] == "sent_to_workshop"

    # A remark first (kept), then «Принято» (accepted, once).
    remark = await client.post(
        hook, json=reply("Нитки белые есть, синих ждём", "master_shc", to), headers=HEADERS
    )
    assert remark.json()["outcome"].startswith("done:"), remark.text
    accepted = await client.post(hook, json=reply("Принято!", "master_shc", to), headers=HEADERS)
    assert accepted.json()["outcome"].startswith("done:"), accepted.text
    again = await client.post(hook, json=reply("принято", "master_shc", to), headers=HEADERS)
    assert "not waiting" in again.json()["outcome"]
    spec = (await client.get(url, headers=a)).json()
    assert spec["status"] == "accepted_by_workshop"
    assert spec["workshop_accepted_by_id"] == p.workshop.id
    assert [(f["text"], f["via"], f["by"]) for f in spec["workshop_feedback"]] == [
        ("Нитки белые есть, синих ждём", "chat", p.workshop.id)
    ]
    status = (await client.get(f"/api/v1/orders/{order['id']}", headers=a)).json()["status"]
    assert status == "waiting_for_supply"
