"""Telegram Bot API client: ``sendMessage`` and ``sendDocument`` with Telegram's limits and errors.

Replies are ``{"ok": true, "result": {...}}`` or ``{"ok": false, "error_code", "description",
"parameters": {"retry_after", "migrate_to_chat_id"}}``. Flood control (429) is waited out up to
``max_retries`` times, then reported with ``retry_after`` so the outbox can reschedule; 5xx and
network failures are retried with backoff; other 4xx (bad chat, bot blocked or kicked, bad token)
are permanent. A group upgraded to a supergroup answers with ``migrate_to_chat_id``: the message is
sent once more to the new id (remembered for this client; update the configured chat id).

The bot token is part of every URL, so it never goes into a log line or an error message: httpx's
own request log is filtered, and errors name only the method.
"""

from __future__ import annotations

import asyncio
import json
import logging
import mimetypes
import re
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from app.core.config import TelegramSettings
from app.core.logging import get_logger
from app.services.kernel.ports import ChatError, ChatReceipt

log = get_logger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
ELLIPSIS = "…"
_TOKEN_IN_TEXT = re.compile(r"bot\d+:[A-Za-z0-9_-]+")

Sleep = Callable[[float], Awaitable[None]]


class _RedactBotToken(logging.Filter):
    """Hide ``bot<id>:<secret>`` in records of the ``httpx`` logger (it logs every request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _TOKEN_IN_TEXT.search(message):
            record.msg = _TOKEN_IN_TEXT.sub("bot<redacted>", message)
            record.args = None
        return True


def _install_log_filter() -> None:
    for name in ("httpx", "httpcore"):
        logger = logging.getLogger(name)
        if not any(isinstance(existing, _RedactBotToken) for existing in logger.filters):
            logger.addFilter(_RedactBotToken())


def tg_length(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units (an emoji outside the BMP counts as 2)."""
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _cut(text: str, limit: int) -> tuple[str, str]:
    """Split ``text`` into a head of at most ``limit`` UTF-16 units and the rest, never inside a char."""
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return text[:index], text[index:]
    return text, ""


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Chunks of at most ``limit`` units, cut at line breaks; an over-long line is cut at a space.

    Blank chunks are dropped (Telegram refuses an empty message).
    """
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = line if not current else f"{current}\n{line}"
        if tg_length(candidate) <= limit:
            current = candidate
            continue
        if current:
            chunks.append(current)
            current = ""
        while tg_length(line) > limit:
            head, rest = _cut(line, limit)
            space = head.rfind(" ")
            if space > limit // 2:
                head, rest = head[:space], head[space + 1 :] + rest
            chunks.append(head)
            line = rest
        current = line
    if current:
        chunks.append(current)
    return [chunk for chunk in chunks if chunk.strip()]


def truncate_caption(caption: str, limit: int = MAX_CAPTION) -> str:
    if tg_length(caption) <= limit:
        return caption
    head, _ = _cut(caption, limit - tg_length(ELLIPSIS))
    return head.rstrip() + ELLIPSIS


class TelegramChat:
    """The ``Chat`` port on the Telegram Bot API."""

    def __init__(
        self,
        settings: TelegramSettings,
        *,
        client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 30.0,
        max_wait_seconds: float = 60.0,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if settings.token is None or not settings.token.get_secret_value().strip():
            raise ChatError("Telegram bot token is not configured (set APP_TELEGRAM__TOKEN)", permanent=True)
        self._token = settings.token.get_secret_value().strip()
        self._base_url = settings.base_url.rstrip("/")
        self._max_retries = settings.max_retries
        self._backoff = backoff_seconds
        self._max_backoff = max_backoff_seconds
        self._max_wait = max_wait_seconds
        self._sleep = sleep
        self._owns_client = client is None
        self._client = client or httpx.AsyncClient(
            transport=transport, timeout=httpx.Timeout(settings.timeout_seconds)
        )
        self._migrated: dict[str, str] = {}
        _install_log_filter()

    async def aclose(self) -> None:
        if self._owns_client:
            await self._client.aclose()

    async def __aenter__(self) -> TelegramChat:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()

    # --- the port -----------------------------------------------------------------------------

    async def send_message(self, chat_id: str, text: str) -> ChatReceipt:
        """Send a text; a text over 4096 units goes as several messages. Returns the first one's id."""
        chunks = split_text(text)
        if not chunks:
            raise ChatError("message text is empty", permanent=True)
        receipts: list[ChatReceipt] = []
        for chunk in chunks:

            def request(target: str, chunk: str = chunk) -> dict[str, Any]:
                return {"json": {"chat_id": target, "text": chunk}}

            receipts.append(await self._call("sendMessage", chat_id, request))
        return receipts[0]

    async def send_document(
        self, chat_id: str, filename: str, content: bytes, caption: str | None = None
    ) -> ChatReceipt:
        if not filename:
            raise ChatError("document file name is empty", permanent=True)
        content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"

        def request(target: str) -> dict[str, Any]:
            data = {"chat_id": target}
            if caption:
                data["caption"] = truncate_caption(caption)
            return {"data": data, "files": {"document": (filename, content, content_type)}}

        return await self._call("sendDocument", chat_id, request)

    # --- internals ----------------------------------------------------------------------------

    def _url(self, method: str) -> str:
        return f"{self._base_url}/bot{self._token}/{method}"

    def _delay(self, attempt: int) -> float:
        return float(min(self._max_backoff, self._backoff * (2**attempt)))

    async def _call(self, method: str, chat_id: str, build: Callable[[str], dict[str, Any]]) -> ChatReceipt:
        target = self._migrated.get(chat_id, chat_id)
        attempt = 0
        migrated = False
        while True:
            try:
                response = await self._client.post(self._url(method), **build(target))
            except httpx.HTTPError as exc:
                reason = _TOKEN_IN_TEXT.sub("bot<redacted>", f"{type(exc).__name__}: {exc}")
                if attempt < self._max_retries:
                    log.warning("telegram.network_error", method=method, chat_id=target, reason=reason)
                    await self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise ChatError(f"Telegram {method}: network error: {reason}") from None

            payload = _json(response)
            if payload.get("ok") is True:
                return _receipt(method, payload)

            code = _int(payload.get("error_code")) or response.status_code
            description = str(payload.get("description") or response.reason_phrase or "no description")
            parameters = payload.get("parameters")
            parameters = parameters if isinstance(parameters, dict) else {}

            new_chat = parameters.get("migrate_to_chat_id")
            if new_chat is not None and not migrated:
                log.warning(
                    "telegram.chat_migrated",
                    chat_id=target,
                    new_chat_id=str(new_chat),
                    hint="update the configured chat id",
                )
                self._migrated[chat_id] = str(new_chat)
                target = str(new_chat)
                migrated = True
                continue

            if code == 429:
                retry_after = _float(parameters.get("retry_after"))
                if retry_after is None:
                    retry_after = _float(response.headers.get("Retry-After"))
                wait = retry_after if retry_after is not None else self._delay(attempt)
                if attempt < self._max_retries and wait <= self._max_wait:
                    log.warning("telegram.flood_wait", method=method, chat_id=target, retry_after=wait)
                    await self._sleep(wait)
                    attempt += 1
                    continue
                raise ChatError(f"Telegram {method}: too many requests: {description}", retry_after=wait)

            if code >= 500:
                if attempt < self._max_retries:
                    log.warning("telegram.server_error", method=method, chat_id=target, status=code)
                    await self._sleep(self._delay(attempt))
                    attempt += 1
                    continue
                raise ChatError(f"Telegram {method}: server error {code}: {description}")

            log.warning(
                "telegram.refused", method=method, chat_id=target, status=code, description=description
            )
            raise ChatError(f"Telegram {method}: {code} {description}", permanent=True)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        payload = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return {}
    return payload if isinstance(payload, dict) else {}


def _receipt(method: str, payload: dict[str, Any]) -> ChatReceipt:
    result = payload.get("result")
    message_id = result.get("message_id") if isinstance(result, dict) else None
    if message_id is None:
        raise ChatError(f"Telegram {method}: reply without a message_id")
    return ChatReceipt(message_id=str(message_id))


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _float(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if result >= 0 else None
