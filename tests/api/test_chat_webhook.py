"""The warehouse answers «Принято» in its Telegram chat: the Bot API's webhook update, as Telegram
sends it, accepts the order — only from a warehouse employee known by their chat handle."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from app.core.config import ChatChannelSettings, Settings, TelegramSettings
from app.models.directory import Role
from app.models.events import Event
from app.models.invoices import Invoice
from app.models.orders import WebhookDelivery
from app.worker.jobs import deliver_outbound
from tests.api.test_fulfilment import _approved_order
from tests.conftest import RecordingQueue
from tests.support.helpers import problem

SECRET = "tg-hook-Secret_1"
WAREHOUSE_CHAT = -1001234567890
HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
_update_ids = itertools.count(900_000_001)


@pytest.fixture(autouse=True)
def _warehouse_chat_on_telegram(settings: Settings) -> None:
    settings.chat.channels["warehouse_orders"] = ChatChannelSettings(
        title="Заявки на склад", chat_id=str(WAREHOUSE_CHAT)
    )
    settings.telegram = TelegramSettings(webhook_secret=SecretStr(SECRET))


def update(text: str, *, username: str | None, reply_to: int | None = None, user_id: int = 5550001) -> dict:
    message: dict[str, Any] = {
        "message_id": 1000 + next(_update_ids) % 1000,
        "date": 1796108400,
        "chat": {"id": WAREHOUSE_CHAT, "title": "Заявки на склад", "type": "supergroup"},
        "from": {"id": user_id, "is_bot": False, "first_name": "Пётр", "username": username},
        "text": text,
    }
    if reply_to is not None:
        message["reply_to_message"] = {
            "message_id": reply_to,
            "date": 1796108000,
            "chat": {"id": WAREHOUSE_CHAT, "type": "supergroup"},
            "from": {"id": 7000001, "is_bot": True, "first_name": "Pomoshnik"},
        }
    return {"update_id": next(_update_ids), "message": message}


async def _sent_to_warehouse(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> tuple[dict, Any, str]:
    head = await make_user(Role.HEAD)
    assistant = await make_user(Role.ASSISTANT)
    order, _, _ = await _approved_order(client, app, assistant, head)
    url = f"/api/v1/orders/{order['id']}"
    await client.post(f"{url}/fulfil", headers=assistant.headers)
    sent = await client.post(f"{url}/send-to-warehouse", headers=assistant.headers)
    assert sent.json()["status"] == "sent_to_warehouse", sent.text
    function, args, _ = queue.jobs[-1]
    assert function == "deliver_outbound"
    assert await deliver_outbound({"app": job_ctx}, *args) == "sent"
    from app.models.outbox import OutboundMessage

    async with job_ctx.session_factory() as session:
        post = await session.scalar(
            select(OutboundMessage).where(OutboundMessage.channel == "warehouse_orders")
        )
    assert post is not None
    assert post.external_id is not None
    return order, assistant, post.external_id


async def test_a_reply_принято_accepts_the_order(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> None:
    keeper = await make_user(Role.WAREHOUSE, department="warehouse", chat_handle="@sklad_petrov")
    stranger_assistant = await make_user(Role.ASSISTANT, chat_handle="@pomoshnitsa")
    order, assistant, post_id = await _sent_to_warehouse(client, app, make_user, job_ctx, queue)
    hook = "/webhooks/telegram"
    reply = int(post_id)

    # Not every «Принято» counts: a stranger, an employee without the right, another post.
    for body, reason in (
        (update("Принято", username="someone_else", reply_to=reply, user_id=42), "not an employee"),
        (update("Принято", username="pomoshnitsa", reply_to=reply), "may not accept"),
        (update("Принято", username="sklad_petrov", reply_to=reply + 999), "cannot tell"),
        (update("Посмотрю позже", username="sklad_petrov", reply_to=reply), "not an answer"),
        (update("Не принято: нет места", username="sklad_petrov", reply_to=reply), "not an answer"),
    ):
        answered = await client.post(hook, json=body, headers=HEADERS)
        assert answered.status_code == 200, answered.text
        assert answered.json()["outcome"].startswith("ignored:")
        assert reason in answered.json()["outcome"]
    status = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()["status"]
    assert status == "sent_to_warehouse"

    answered = await client.post(
        hook, json=update("Принято!", username="sklad_petrov", reply_to=reply), headers=HEADERS
    )
    assert answered.status_code == 200, answered.text
    assert answered.json()["outcome"].startswith("done:")
    after = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()
    assert after["status"] == "waiting_for_supply"  # one line is procured

    # Telegram delivers the update again: nothing moves twice.
    again = await client.post(
        hook, json=update("Принято", username="sklad_petrov", reply_to=reply), headers=HEADERS
    )
    assert "not waiting" in again.json()["outcome"]
    async with job_ctx.session_factory() as session:
        accepted = (
            await session.scalars(
                select(Event).where(Event.entity_type == "order", Event.action == "warehouse_accept")
            )
        ).all()
        assert [(e.actor_id, (e.after or {}).get("via")) for e in accepted] == [(keeper.id, "chat")]
        kept = (
            await session.scalars(select(WebhookDelivery).where(WebhookDelivery.source == "telegram"))
        ).all()
        assert len(kept) == 7
        assert [d.order_ids for d in kept if d.order_ids] == [[order["id"]]]
    assert stranger_assistant.id != keeper.id


async def test_the_invoice_number_names_the_order_without_a_reply(
    client: httpx.AsyncClient, app: Any, make_user: Any, job_ctx: Any, queue: RecordingQueue
) -> None:
    await make_user(Role.WAREHOUSE, department="warehouse", chat_handle="5550001")
    order, assistant, _ = await _sent_to_warehouse(client, app, make_user, job_ctx, queue)
    async with job_ctx.session_factory() as session:
        number = await session.scalar(select(Invoice.number).where(Invoice.order_id == order["id"]))
    answered = await client.post(
        "/webhooks/telegram",
        json=update(f"Счёт {number} принят", username=None),
        headers=HEADERS,
    )
    assert answered.json()["outcome"].startswith("done:"), answered.text
    status = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()["status"]
    assert status == "waiting_for_supply"


@pytest.mark.parametrize(
    ("text", "accepts"),
    [
        ("Не можем принять, нет места", False),
        ("Принять не можем", False),
        ("принятие невозможно", False),
        ("Принято", True),
        ("принято 👍", True),
        ("Приняли, собираем", True),
    ],
)
async def test_only_a_real_принято_accepts_the_only_order_waiting(
    client: httpx.AsyncClient,
    app: Any,
    make_user: Any,
    job_ctx: Any,
    queue: RecordingQueue,
    text: str,
    accepts: bool,
) -> None:
    # No reply and no invoice number: the message answers the only order waiting, if it accepts.
    await make_user(Role.WAREHOUSE, department="warehouse", chat_handle="@sklad_petrov")
    order, assistant, _ = await _sent_to_warehouse(client, app, make_user, job_ctx, queue)
    answered = await client.post(
        "/webhooks/telegram", json=update(text, username="sklad_petrov"), headers=HEADERS
    )
    assert answered.status_code == 200, answered.text
    outcome = answered.json()["outcome"]
    assert outcome.startswith("done:") if accepts else outcome == "ignored: not an answer we act on"
    status = (await client.get(f"/api/v1/orders/{order['id']}", headers=assistant.headers)).json()["status"]
    assert status == ("waiting_for_supply" if accepts else "sent_to_warehouse")


async def test_a_wrong_secret_or_body_is_refused_and_kept(client: httpx.AsyncClient, job_ctx: Any) -> None:
    body = update("Принято", username="x")
    problem(await client.post("/webhooks/telegram", json=body), 403)
    problem(
        await client.post(
            "/webhooks/telegram", json=body, headers={"X-Telegram-Bot-Api-Secret-Token": "bad"}
        ),
        403,
    )
    malformed = await client.post("/webhooks/telegram", content=b"{not json", headers=HEADERS)
    problem(malformed, 422, "body")
    problem(await client.post("/webhooks/telegram", json={"message": {}}, headers=HEADERS), 422, "body")
    # A NUL byte (PostgreSQL keeps none in text) is kept replaced, not a server error.
    problem(await client.post("/webhooks/telegram", content=b"\x00", headers=HEADERS), 422, "body")
    async with job_ctx.session_factory() as session:
        kept = (await session.scalars(select(WebhookDelivery))).all()
    assert [d.status for d in kept] == ["rejected"] * 5
    assert kept[-1].body == "\ufffd"
