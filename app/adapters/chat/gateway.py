"""The chat registry: a channel key names an adapter and a chat; ``personal`` goes to a person."""

from __future__ import annotations

import httpx

from app.adapters.chat.stub import StubChat
from app.adapters.chat.telegram import TelegramChat
from app.core.config import Settings
from app.services.kernel.ports import Chat, ChatError, ChatReceipt

PERSONAL = "personal"


class ChatRouter:
    """The ``ChatGateway`` port over the configured chat adapters.

    ``post(channel, recipient, text)``: for ``personal`` the message goes to ``recipient`` (an
    employee's chat handle or id) through ``chat.personal_adapter``; for a configured channel it goes
    to that channel's chat, and ``recipient`` is not used for routing. The stub's chat id defaults to
    the channel key. The Telegram client is built on first use only.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        telegram_client: httpx.AsyncClient | None = None,
        telegram_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._telegram_client = telegram_client
        self._telegram_transport = telegram_transport
        self._stub: StubChat | None = None
        self._telegram: TelegramChat | None = None

    def channels(self) -> dict[str, str]:
        return {key: channel.title for key, channel in self._settings.chat.channels.items()}

    async def post(self, channel: str, recipient: str, text: str) -> ChatReceipt:
        adapter, chat_id = self.route(channel, recipient)
        return await self.adapter(adapter).send_message(chat_id, text)

    async def post_document(
        self, channel: str, recipient: str, filename: str, content: bytes, caption: str | None = None
    ) -> ChatReceipt:
        """Same routing as ``post``, for a file (an invoice in Excel to «Заявки на склад», a scan)."""
        adapter, chat_id = self.route(channel, recipient)
        return await self.adapter(adapter).send_document(chat_id, filename, content, caption)

    def route(self, channel: str, recipient: str) -> tuple[str, str]:
        """(adapter name, chat id) for a channel, or a permanent ``ChatError``."""
        if channel == PERSONAL:
            chat_id = recipient.strip()
            if not chat_id:
                raise ChatError("personal message without a recipient chat handle", permanent=True)
            return self._settings.chat.personal_adapter, chat_id
        configured = self._settings.chat.channels.get(channel)
        if configured is None:
            raise ChatError(f"unknown chat channel {channel!r}", permanent=True)
        chat_id = configured.chat_id.strip()
        if not chat_id:
            if configured.adapter != "stub":
                raise ChatError(
                    f"chat channel {channel!r} ({configured.title}) has no chat_id configured "
                    f"(set APP_CHAT__CHANNELS__{channel.upper()}__CHAT_ID)",
                    permanent=True,
                )
            chat_id = channel
        return configured.adapter, chat_id

    def adapter(self, name: str) -> Chat:
        if name == "stub":
            if self._stub is None:
                self._stub = StubChat(self._settings.chat.stub_dir)
            return self._stub
        if name == "telegram":
            if self._telegram is None:
                # Raises a permanent ChatError with a clear message when no token is configured.
                self._telegram = TelegramChat(
                    self._settings.telegram,
                    client=self._telegram_client,
                    transport=self._telegram_transport,
                )
            return self._telegram
        raise ChatError(f"unknown chat adapter {name!r}", permanent=True)

    async def aclose(self) -> None:
        if self._telegram is not None:
            telegram, self._telegram = self._telegram, None
            await telegram.aclose()

    async def __aenter__(self) -> ChatRouter:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.aclose()
