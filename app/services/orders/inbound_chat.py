"""Replies in the work chats, as the Telegram Bot API delivers them to our webhook.

Telegram posts one ``Update`` (JSON) per request and sends the ``secret_token`` given to
``setWebhook`` in the ``X-Telegram-Bot-Api-Secret-Token`` header. Every update is stored as a raw
delivery first. A message is read as an answer to one of our posts: it replies to it
(``reply_to_message``), or, in «Заявки на склад», names the invoice or is the only one possible.
What the answer does depends on the post: the warehouse's «Принято» accepts the order.

Only employees known by their chat handle (``@username`` or the numeric Telegram id) act through
the chat, and only within their permissions; anything else is kept and ignored, with the reason.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.core.config import Settings
from app.core.security import constant_time_equals
from app.models.directory import Employee
from app.models.invoices import Invoice
from app.models.orders import DeliveryStatus, Order, OrderStatus, WebhookDelivery
from app.models.outbox import OutboundKind, OutboundMessage
from app.services.kernel.common import storable
from app.services.kernel.permissions import Permission, has
from app.services.kernel.ports import Erp
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.orders.refused_deliveries import RefusedDeliveries
from app.services.orders.warehouse import CHANNEL as WAREHOUSE_CHANNEL
from app.services.orders.warehouse import WarehouseService
from app.services.specs.service import CHANNELS, SpecService

SOURCE = "telegram"
WORKSHOP_CHANNELS = frozenset(CHANNELS.values())
# «Принято», «принят», «Приняли!», «ok, принято в работу» — a whole word of the done deed; not
# «принять» or «принятие», which a refusal uses as readily («Принять не можем»).
_ACCEPTED = re.compile(r"(?<![а-яё])(?:принят[оаы]?|принял[иа]?)(?![а-яё])", re.IGNORECASE)
# …but any negation or refusal says the opposite: «не принято», «не примем», «отказ», «нет места».
_REFUSED = re.compile(
    r"(?<![а-яё])(?:не|нету?|нельзя|невозможн[а-яё]*|отка[зж][а-яё]*)(?![а-яё])", re.IGNORECASE
)
_NUMBER = re.compile(r"\d{1,20}(?:-\d{1,20})?")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class TgUser(_Strict):
    id: int
    is_bot: bool = False
    username: str | None = None
    first_name: str = ""


class TgChat(_Strict):
    id: int
    title: str | None = None


class TgMessage(_Strict):
    message_id: int
    chat: TgChat
    sender: TgUser | None = Field(default=None, alias="from")
    text: str | None = None
    caption: str | None = None
    reply_to_message: TgReply | None = None


class TgReply(_Strict):
    message_id: int


class TgUpdate(_Strict):
    update_id: int
    message: TgMessage | None = None
    channel_post: TgMessage | None = None


TgMessage.model_rebuild()


@dataclass(frozen=True)
class ChatVerdict:
    delivery: WebhookDelivery
    rejected: str | None
    status: int
    outcome: str


Handler = Callable[["InboundChatService", Employee, dict[str, Any]], Awaitable[str]]


class InboundChatService:
    def __init__(self, uow: UnitOfWork, settings: Settings, erp: Erp) -> None:
        self.uow = uow
        self.settings = settings
        self.erp = erp

    async def receive(
        self, secret: str | None, body: bytes, content_type: str | None, address: str = "unknown"
    ) -> ChatVerdict:
        """Judge the update and store it: a refused one (wrong secret, not an Update) with only the
        beginning of its body — unless its address had too many refused lately (429, nothing
        stored); a good one whole, with what was done with it."""
        text = storable(body.decode("utf-8", errors="replace"))
        now = self.uow.clock.now()
        delivery = WebhookDelivery(
            source=SOURCE,
            received_at=now,
            content_type=(content_type or "")[:200],
            body=text,
            body_length=len(body),
            source_address=address,
            status=DeliveryStatus.REJECTED,
            attempts=1,
            order_ids=[],
            processed_at=now,
        )
        expected = self.settings.telegram.webhook_secret
        update: TgUpdate | None = None
        if expected is None or not constant_time_equals(secret or "", expected.get_secret_value()):
            reason, status = "wrong or missing X-Telegram-Bot-Api-Secret-Token", 403
        else:
            try:
                update = TgUpdate.model_validate(json.loads(text))
            except (ValueError, ValidationError) as exc:
                reason, status = f"not a Telegram Update: {str(exc)[:300]}", 422
        if update is None:
            refusals = RefusedDeliveries(self.uow, self.settings.webhooks)
            await refusals.check_limit(address)
            delivery.body, delivery.reason = refusals.excerpt(body), refusals.reason(reason)
            self.uow.session.add(delivery)
            await self.uow.session.flush()
            return ChatVerdict(delivery, delivery.reason, status, "rejected")
        self.uow.session.add(delivery)
        delivery.status = DeliveryStatus.PROCESSED
        outcome, order_ids = await self._handle(update)
        delivery.reason = storable(outcome)
        delivery.order_ids = order_ids
        await self.uow.session.flush()
        return ChatVerdict(delivery, None, 200, outcome)

    async def _handle(self, update: TgUpdate) -> tuple[str, list[int]]:
        message = update.message or update.channel_post
        if message is None:
            return "ignored: no message in the update", []
        words = message.text or message.caption or ""
        channel = self._channel(message.chat.id)
        if channel is None:
            return f"ignored: chat {message.chat.id} is not a configured work chat", []
        accepted = bool(_ACCEPTED.search(words)) and not _REFUSED.search(words)
        if not accepted and channel not in WORKSHOP_CHANNELS:
            return "ignored: not an answer we act on", []
        target = await self._target(channel, message, words)
        if target is None:
            return "ignored: cannot tell which post this answers", []
        kind, payload = target
        if not accepted:
            # Any other reply to a spec in a workshop chat is the workshop's remark on it.
            if kind != "workshop_accept" or not words.strip():
                return "ignored: not an answer we act on", []
            kind, payload = "workshop_feedback", payload | {"text": words.strip()[:4000]}
        handler = _HANDLERS.get(kind)
        if handler is None:
            return f"ignored: a post of kind {kind!r} takes no answer", []
        employee = await self._sender(message.sender)
        if employee is None:
            who = message.sender.username or message.sender.id if message.sender else "unknown"
            return f"ignored: sender {who} is not an employee with this chat handle", []
        self.uow.actor = employee
        outcome = await handler(self, employee, payload)
        order_id = payload.get("order_id")
        return outcome, [order_id] if isinstance(order_id, int) and outcome.startswith("done") else []

    def _channel(self, chat_id: int) -> str | None:
        for key, channel in self.settings.chat.channels.items():
            if channel.chat_id.strip() == str(chat_id) or (
                not channel.chat_id.strip() and key == str(chat_id)
            ):
                return key
        return None

    async def _sender(self, sender: TgUser | None) -> Employee | None:
        if sender is None or sender.is_bot:
            return None
        handles = [str(sender.id)]
        if sender.username:
            handles += [sender.username, "@" + sender.username]
        employee: Employee | None = await self.uow.session.scalar(
            select(Employee)
            .options(selectinload(Employee.roles))
            .where(Employee.is_active.is_(True), Employee.chat_handle.in_(handles))
            .order_by(Employee.id)
            .limit(1)
        )
        return employee

    async def _target(
        self, channel: str, message: TgMessage, words: str
    ) -> tuple[str, dict[str, Any]] | None:
        """(kind, payload) of the post answered: the one replied to, else — in the warehouse
        chat — the order whose invoice number the message names, else the only order waiting."""
        if message.reply_to_message is not None:
            post: OutboundMessage | None = await self.uow.session.scalar(
                select(OutboundMessage).where(
                    OutboundMessage.kind == OutboundKind.CHAT,
                    OutboundMessage.channel == channel,
                    OutboundMessage.external_id == str(message.reply_to_message.message_id),
                )
            )
            if post is None:
                return None
            reply = post.payload.get("reply")
            if isinstance(reply, dict) and isinstance(reply.get("kind"), str):
                return reply["kind"], reply
            document = post.payload.get("document")  # posts made before replies were declared
            if isinstance(document, dict) and document.get("kind") == "warehouse_xlsx":
                return "warehouse_accept", {"order_id": document.get("order_id")}
            return None
        if channel != WAREHOUSE_CHANNEL:
            return None
        waiting = select(Order.id).where(Order.status == OrderStatus.SENT_TO_WAREHOUSE)
        numbers = _NUMBER.findall(words)
        if numbers:
            waiting = waiting.join(Invoice, Invoice.order_id == Order.id).where(
                or_(*[Invoice.number == n for n in numbers])
            )
        found = list((await self.uow.session.scalars(waiting.limit(2))).all())
        if len(found) != 1:
            return None
        return "warehouse_accept", {"order_id": found[0]}


async def _warehouse_accept(service: InboundChatService, employee: Employee, payload: dict[str, Any]) -> str:
    order_id = payload.get("order_id")
    if not isinstance(order_id, int):
        return "ignored: the post names no order"
    if not has(employee, Permission.WAREHOUSE_ACCEPT):
        return f"ignored: {employee.full_name} may not accept for the warehouse"
    accepted = await WarehouseService(service.uow, service.erp).accept_from_chat(order_id)
    return (
        f"done: order {order_id} accepted by the warehouse"
        if accepted
        else (f"ignored: order {order_id} is not waiting for the warehouse")
    )


def _specs(service: InboundChatService) -> SpecService:
    settings = service.settings
    return SpecService(service.uow, service.erp, None, settings.company, settings.storage.max_document_bytes)


async def _workshop_accept(service: InboundChatService, employee: Employee, payload: dict[str, Any]) -> str:
    spec_id = payload.get("spec_id")
    if not isinstance(spec_id, int):
        return "ignored: the post names no spec"
    if not has(employee, Permission.SPECS_WORKSHOP):
        return f"ignored: {employee.full_name} may not accept for the workshop"
    accepted = await _specs(service).accept_from_chat(spec_id)
    return (
        f"done: spec {spec_id} accepted by the workshop"
        if accepted
        else f"ignored: spec {spec_id} is not waiting for the workshop"
    )


async def _workshop_feedback(service: InboundChatService, employee: Employee, payload: dict[str, Any]) -> str:
    spec_id, text = payload.get("spec_id"), payload.get("text")
    if not isinstance(spec_id, int) or not isinstance(text, str):
        return "ignored: the post names no spec"
    if not has(employee, Permission.SPECS_WORKSHOP):
        return f"ignored: {employee.full_name} does not speak for the workshop"
    kept = await _specs(service).feedback_from_chat(spec_id, text)
    return (
        f"done: workshop remark kept on spec {spec_id}" if kept else f"ignored: spec {spec_id} was not sent"
    )


_HANDLERS: dict[str, Handler] = {
    "warehouse_accept": _warehouse_accept,
    "workshop_accept": _workshop_accept,
    "workshop_feedback": _workshop_feedback,
}
