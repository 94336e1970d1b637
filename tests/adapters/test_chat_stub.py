"""StubChat files and the channel router."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.adapters.chat import ChatRouter, StubChat, build_chat_gateway, safe_name
from app.core.config import ChatChannelSettings, ChatSettings, Settings, TelegramSettings
from app.services.kernel.ports import ChatError
from tests.adapters.servers import FakeBotApi, LoopbackServer

TOKEN = "7000000002:AAE-router_token_for_tests"


async def test_messages_written_by_one_instance_are_read_by_another(tmp_path: Path) -> None:
    writer = StubChat(tmp_path)
    first = await writer.send_message("-1001234567890", "Заявка на склад: счёт №125")
    second = await writer.send_document("-1001234567890", "Счёт 125.xlsx", b"PK\x03\x04 excel", "Для склада")
    other = await StubChat(tmp_path).send_message("@ivanova", "Личное сообщение")

    assert (first.message_id, second.message_id, other.message_id) == ("1", "2", "1")

    reader = StubChat(tmp_path)
    messages = reader.read("-1001234567890")
    assert [m["message_id"] for m in messages] == [1, 2]
    assert messages[0]["text"] == "Заявка на склад: счёт №125"
    document = messages[1]
    assert document["filename"] == "Счёт 125.xlsx"
    assert document["size"] == len(b"PK\x03\x04 excel")
    assert document["sha256"] == hashlib.sha256(b"PK\x03\x04 excel").hexdigest()
    assert document["caption"] == "Для склада"
    assert reader.document_content(document) == b"PK\x03\x04 excel"
    assert all(m["time"] for m in messages)

    everything = reader.read_all()
    assert set(everything) == {"-1001234567890", "@ivanova"}
    assert everything["@ivanova"][0]["text"] == "Личное сообщение"
    assert reader.read("nobody") == []


async def test_message_ids_keep_increasing_across_instances(tmp_path: Path) -> None:
    for n in range(1, 6):
        receipt = await StubChat(tmp_path).send_message("delivery", f"Рейс {n}")
        assert receipt.message_id == str(n)
    # A torn last line (a writer that died mid-write) does not break the next id.
    with StubChat(tmp_path).path_for("delivery").open("ab") as handle:
        handle.write(b'{"message_id": 6, "te')
    assert (await StubChat(tmp_path).send_message("delivery", "после сбоя")).message_id == "6"
    assert [m["message_id"] for m in StubChat(tmp_path).read("delivery")] == [1, 2, 3, 4, 5, 6]


def test_safe_names(tmp_path: Path) -> None:
    ids = [
        "-1001234567890",
        "document_errors",
        "../../etc/passwd",
        "Иванов И.И.",
        "a/b",
        "a_b",
        "",
        ".",
        "@x y",
    ]
    names = [safe_name(chat_id) for chat_id in ids]
    assert names[0] == "-1001234567890"
    assert names[1] == "document_errors"
    assert len(set(names)) == len(names)
    for name in names:
        assert name
        assert "/" not in name
        assert not name.startswith(".")
        assert (tmp_path / f"{name}.jsonl").parent == tmp_path
    assert safe_name("a" * 500) != safe_name("a" * 501)
    assert len(safe_name("a" * 500)) < 120


async def test_odd_chat_ids_stay_apart(tmp_path: Path) -> None:
    chat = StubChat(tmp_path)
    await chat.send_message("a/b", "one")
    await chat.send_message("a_b", "two")
    await chat.send_message("../../escape", "three")
    assert [m["text"] for m in chat.read("a/b")] == ["one"]
    assert [m["text"] for m in chat.read("a_b")] == ["two"]
    assert {p.parent for p in await asyncio.to_thread(lambda: list(tmp_path.rglob("*.jsonl")))} == {tmp_path}


async def test_empty_text_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ChatError) as caught:
        await StubChat(tmp_path).send_message("x", "   ")
    assert caught.value.permanent


# --- the router ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bot_api() -> Iterator[tuple[FakeBotApi, str]]:
    fake = FakeBotApi(token=TOKEN)
    with LoopbackServer(fake.app()) as server:
        yield fake, server.url


def settings_for(tmp_path: Path, base_url: str = "http://127.0.0.1:9", token: str | None = TOKEN) -> Settings:
    channels = {
        "warehouse_orders": ChatChannelSettings(title="Заявки на склад"),
        "delivery": ChatChannelSettings(title="Доставка", chat_id="-100delivery"),
        "workshop": ChatChannelSettings(title="Швейный цех", adapter="telegram", chat_id="-1002000000001"),
        "amo_service": ChatChannelSettings(title="Сервис в AMO", adapter="telegram"),
    }
    return Settings(
        chat=ChatSettings(channels=channels, personal_adapter="stub", stub_dir=tmp_path),
        telegram=TelegramSettings(token=SecretStr(token) if token else None, base_url=base_url),
    )


async def test_router_routes_channels_and_personal_messages(
    tmp_path: Path, bot_api: tuple[FakeBotApi, str]
) -> None:
    fake, url = bot_api
    fake.reset()
    async with build_chat_gateway(settings_for(tmp_path, url)) as router:
        assert router.channels() == {
            "warehouse_orders": "Заявки на склад",
            "delivery": "Доставка",
            "workshop": "Швейный цех",
            "amo_service": "Сервис в AMO",
        }
        await router.post("warehouse_orders", "", "Счёт №125 на сборку")
        await router.post("delivery", "ignored", "Отвезти в ТК")
        await router.post("personal", "@petrov", "Срок задачи наступил")
        receipt = await router.post("workshop", "", "ТЗ на логотипы")

    stub = StubChat(tmp_path)
    assert [m["text"] for m in stub.read("warehouse_orders")] == ["Счёт №125 на сборку"]
    assert [m["text"] for m in stub.read("-100delivery")] == ["Отвезти в ТК"]
    assert [m["text"] for m in stub.read("@petrov")] == ["Срок задачи наступил"]
    assert [(r.chat_id, r.text) for r in fake.requests] == [("-1002000000001", "ТЗ на логотипы")]
    assert receipt.message_id == str(fake.next_message_id)


async def test_router_refusals_are_permanent(tmp_path: Path) -> None:
    router = ChatRouter(settings_for(tmp_path, token=None))
    try:
        for channel, recipient, message in [
            ("no_such_channel", "", "unknown chat channel"),
            ("personal", " ", "without a recipient"),
            ("amo_service", "", "no chat_id configured"),
            ("workshop", "", "token is not configured"),
        ]:
            with pytest.raises(ChatError, match=message) as caught:
                await router.post(channel, recipient, "текст")
            assert caught.value.permanent
    finally:
        await router.aclose()
    assert not await asyncio.to_thread(lambda: list(tmp_path.glob("*.jsonl")))
