"""Chat adapters: a file-backed stub, the Telegram Bot API client, and the channel router."""

from __future__ import annotations

import httpx

from app.adapters.chat.gateway import PERSONAL, ChatRouter
from app.adapters.chat.stub import StubChat, safe_name
from app.adapters.chat.telegram import TelegramChat, split_text, truncate_caption
from app.core.config import Settings

__all__ = [
    "PERSONAL",
    "ChatRouter",
    "StubChat",
    "TelegramChat",
    "build_chat_gateway",
    "safe_name",
    "split_text",
    "truncate_caption",
]


def build_chat_gateway(
    settings: Settings,
    *,
    telegram_client: httpx.AsyncClient | None = None,
    telegram_transport: httpx.AsyncBaseTransport | None = None,
) -> ChatRouter:
    """The chat router for the configured channels; close it with ``await router.aclose()``."""
    return ChatRouter(settings, telegram_client=telegram_client, telegram_transport=telegram_transport)
