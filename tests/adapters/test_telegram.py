"""TelegramChat against a local fake of the Bot API speaking the real reply shapes."""

from __future__ import annotations

import hashlib
import logging
import os
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from pydantic import SecretStr

from app.adapters.chat.telegram import MAX_CAPTION, TelegramChat, split_text, tg_length, truncate_caption
from app.core.config import TelegramSettings
from app.services.kernel.ports import ChatError
from tests.adapters.servers import FakeBotApi, LoopbackServer, free_port

TOKEN = "7000000001:AAH-fake_Token_for_tests_0123456789"


@pytest.fixture(scope="module")
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    fake = FakeBotApi(token=TOKEN)
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url


@pytest.fixture
def fake(bot_api: tuple[FakeBotApi, str]) -> FakeBotApi:
    bot_api[0].reset()
    return bot_api[0]


@pytest.fixture
async def chat(bot_api: tuple[FakeBotApi, str]) -> AsyncIterator[TelegramChat]:
    settings = TelegramSettings(token=SecretStr(TOKEN), base_url=bot_api[1], timeout_seconds=5, max_retries=2)
    client = TelegramChat(settings, backoff_seconds=0.01)
    yield client
    await client.aclose()


async def test_send_message_returns_the_message_id(chat: TelegramChat, fake: FakeBotApi) -> None:
    receipt = await chat.send_message("-1001234567890", "Счёт №125 принят складом")

    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert (request.method, request.chat_id, request.text) == (
        "sendMessage",
        "-1001234567890",
        "Счёт №125 принят складом",
    )
    assert receipt.message_id == str(fake.next_message_id)


async def test_a_long_text_is_split_at_line_boundaries(chat: TelegramChat, fake: FakeBotApi) -> None:
    lines = [f"Строка {n:03d}: костюм рабочий летний, 48-50/170-176 — 12 шт." for n in range(100)]
    text = "\n".join(lines)
    assert 5000 < len(text) < 8192

    receipt = await chat.send_message("-100555", text)

    texts = [r.text or "" for r in fake.requests]
    assert len(texts) == 2
    assert all(1 <= tg_length(t) <= 4096 for t in texts)
    # Cut between lines: every part is made of whole lines, and nothing is lost or reordered.
    assert "\n".join(texts).split("\n") == lines
    assert receipt.message_id == str(fake.next_message_id - 1)


def test_split_text_handles_a_single_over_long_line_and_astral_chars() -> None:
    word_line = ("слово " * 1000).strip()  # 5999 chars, no line breaks
    parts = split_text(word_line)
    assert len(parts) == 2
    assert all(tg_length(p) <= 4096 for p in parts)
    assert " ".join(parts) == word_line

    emoji = "🧥" * 3000  # 6000 UTF-16 units
    parts = split_text(emoji)
    assert [tg_length(p) for p in parts] == [4096, 1904]
    assert "".join(parts) == emoji
    assert split_text("\n\n  \n") == []


def test_caption_is_truncated_safely() -> None:
    caption = "Счёт на оплату " + "🦺" * 600
    short = truncate_caption(caption)
    assert tg_length(short) <= MAX_CAPTION
    assert short.endswith("…")
    assert caption.startswith(short[:-1])
    assert truncate_caption("коротко") == "коротко"


async def test_document_arrives_intact(chat: TelegramChat, fake: FakeBotApi) -> None:
    content = os.urandom(200_000) + b"\r\n--not-a-boundary\r\n\r\n" + bytes(range(256))
    caption = "Счёт 125 для склада " + "я" * 1100

    receipt = await chat.send_document("-100777", "Счёт 125.xlsx", content, caption)

    assert len(fake.requests) == 1
    request = fake.requests[0]
    assert request.method == "sendDocument"
    assert request.chat_id == "-100777"
    assert request.filename == "Счёт 125.xlsx"
    assert request.document is not None
    assert hashlib.sha256(request.document).hexdigest() == hashlib.sha256(content).hexdigest()
    assert request.caption is not None
    assert tg_length(request.caption) <= 1024
    assert request.caption.startswith("Счёт 125 для склада")
    assert receipt.message_id == str(fake.next_message_id)


async def test_flood_control_waits_retry_after_then_succeeds(chat: TelegramChat, fake: FakeBotApi) -> None:
    fake.fail_once(429, "Too Many Requests: retry after 1", retry_after=1)
    started = time.monotonic()

    receipt = await chat.send_message("-100888", "Нестандартная позиция: жилет с логотипом")

    assert time.monotonic() - started >= 0.95
    assert len(fake.requests) == 2
    assert fake.requests[1].at - fake.requests[0].at >= 0.95
    assert receipt.message_id == str(fake.next_message_id)


async def test_flood_control_exhausted_reports_retry_after(
    bot_api: tuple[FakeBotApi, str], fake: FakeBotApi
) -> None:
    settings = TelegramSettings(token=SecretStr(TOKEN), base_url=bot_api[1], max_retries=0)
    fake.fail_once(429, "Too Many Requests: retry after 7", retry_after=7)
    async with TelegramChat(settings) as chat:
        with pytest.raises(ChatError) as caught:
            await chat.send_message("-100888", "текст")
    assert caught.value.retry_after == 7
    assert not caught.value.permanent
    assert len(fake.requests) == 1


async def test_a_long_flood_wait_is_not_slept_through(
    bot_api: tuple[FakeBotApi, str], fake: FakeBotApi
) -> None:
    settings = TelegramSettings(token=SecretStr(TOKEN), base_url=bot_api[1], max_retries=3)
    fake.fail_once(429, "Too Many Requests: retry after 3600", retry_after=3600)
    async with TelegramChat(settings, max_wait_seconds=30) as chat:
        with pytest.raises(ChatError) as caught:
            await chat.send_message("-100888", "текст")
    assert caught.value.retry_after == 3600
    assert len(fake.requests) == 1


async def test_chat_not_found_is_permanent_and_not_retried(chat: TelegramChat, fake: FakeBotApi) -> None:
    fake.missing_chats.add("-100404")
    with pytest.raises(ChatError) as caught:
        await chat.send_message("-100404", "Доставка: забрать у склада")
    assert caught.value.permanent
    assert "chat not found" in str(caught.value)
    assert len(fake.requests) == 1


async def test_bot_blocked_is_permanent(chat: TelegramChat, fake: FakeBotApi) -> None:
    fake.fail_once(403, "Forbidden: bot was blocked by the user")
    with pytest.raises(ChatError) as caught:
        await chat.send_document("12345", "a.pdf", b"%PDF-1.7")
    assert caught.value.permanent
    assert len(fake.requests) == 1


async def test_server_error_is_retried(chat: TelegramChat, fake: FakeBotApi) -> None:
    fake.fail_once(502, "Bad Gateway")
    receipt = await chat.send_message("-100999", "Швейный цех: ТЗ отправлено")
    assert len(fake.requests) == 2
    assert receipt.message_id == str(fake.next_message_id)


async def test_server_errors_exhausting_retries_are_transient(chat: TelegramChat, fake: FakeBotApi) -> None:
    for _ in range(3):
        fake.fail_once(500, "Internal Server Error")
    with pytest.raises(ChatError) as caught:
        await chat.send_message("-100999", "текст")
    assert not caught.value.permanent
    assert caught.value.retry_after is None
    assert len(fake.requests) == 3  # the first try and max_retries=2 more


async def test_group_migrated_to_supergroup_is_followed(chat: TelegramChat, fake: FakeBotApi) -> None:
    fake.migrations["-4001"] = -1009876543210
    receipt = await chat.send_message("-4001", "Логотипы: макет согласован")
    assert [r.chat_id for r in fake.requests] == ["-4001", "-1009876543210"]
    assert receipt.message_id == str(fake.next_message_id)

    # The new id is remembered: the next message goes there directly.
    await chat.send_document("-4001", "logo.png", b"\x89PNG\r\n")
    assert fake.requests[-1].chat_id == "-1009876543210"
    assert len(fake.requests) == 3


async def test_network_error_is_transient() -> None:
    settings = TelegramSettings(
        token=SecretStr(TOKEN), base_url=f"http://127.0.0.1:{free_port()}", max_retries=1, timeout_seconds=2
    )
    async with TelegramChat(settings, backoff_seconds=0.01) as chat:
        with pytest.raises(ChatError) as caught:
            await chat.send_message("-1", "текст")
    assert not caught.value.permanent
    assert TOKEN not in str(caught.value)


async def test_the_token_never_reaches_the_logs(
    chat: TelegramChat, fake: FakeBotApi, caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.fail_once(500, "Internal Server Error")
    fake.missing_chats.add("-2")
    await chat.send_message("-1", "текст")
    with pytest.raises(ChatError):
        await chat.send_message("-2", "текст")

    assert "HTTP Request" in caplog.text  # httpx logged the requests ...
    assert "bot<redacted>" in caplog.text  # ... with the token hidden
    secret = TOKEN.split(":")[1]
    assert secret not in caplog.text
    captured = capsys.readouterr()
    assert secret not in captured.out + captured.err


async def test_wrong_token_is_permanent(bot_api: tuple[FakeBotApi, str], fake: FakeBotApi) -> None:
    settings = TelegramSettings(token=SecretStr("1:wrong"), base_url=bot_api[1])
    async with TelegramChat(settings) as chat:
        with pytest.raises(ChatError) as caught:
            await chat.send_message("-1", "текст")
    assert caught.value.permanent
    assert "wrong" not in str(caught.value)


def test_missing_token_is_a_clear_permanent_error() -> None:
    with pytest.raises(ChatError, match="token is not configured") as caught:
        TelegramChat(TelegramSettings())
    assert caught.value.permanent


async def test_empty_text_is_refused_without_a_request(chat: TelegramChat, fake: FakeBotApi) -> None:
    with pytest.raises(ChatError) as caught:
        await chat.send_message("-1", " \n ")
    assert caught.value.permanent
    assert fake.requests == []
