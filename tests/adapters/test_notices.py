"""Notices between processes over a real Redis: heard by every listener, forgotten-everything after a
lost connection, and never a reason for a request to wait when Redis is down."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable

from redis.asyncio import Redis

from app.adapters.notices import RedisNotices


async def _until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not heard in time"
        await asyncio.sleep(0.02)


async def test_every_listener_hears_a_notice_and_again_after_losing_its_connection(redis_url: str) -> None:
    namespace = f"pomoshnik:test:{uuid.uuid4().hex}"
    sender = RedisNotices(redis_url, namespace)
    heard = {"a": 0, "b": 0}
    ready = {"a": asyncio.Event(), "b": asyncio.Event()}
    listeners = [
        asyncio.create_task(
            RedisNotices(redis_url, namespace).listen(
                "actors-changed", lambda k=key: heard.__setitem__(k, heard[k] + 1), ready[key]
            )
        )
        for key in heard
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready.values())), 5)
        assert heard == {"a": 1, "b": 1}  # once on subscribing: whatever came before was missed
        assert await sender.publish("actors-changed")
        await _until(lambda: heard == {"a": 2, "b": 2})
        assert await sender.publish("another-topic")
        await asyncio.sleep(0.2)
        assert heard == {"a": 2, "b": 2}

        # Redis drops the listeners' connections: each comes back and forgets once more.
        for event in ready.values():
            event.clear()
        admin = Redis.from_url(redis_url)
        await admin.execute_command("CLIENT", "KILL", "TYPE", "pubsub")
        await admin.aclose()
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in ready.values())), 10)
        assert heard == {"a": 3, "b": 3}
        assert await sender.publish("actors-changed")
        await _until(lambda: heard == {"a": 4, "b": 4})
    finally:
        for task in listeners:
            task.cancel()
        await asyncio.gather(*listeners, return_exceptions=True)
        await sender.aclose()


async def test_without_redis_a_notice_is_dropped_at_once_and_the_listener_waits_for_it() -> None:
    down = RedisNotices("redis://127.0.0.1:1/0", "pomoshnik:test")
    started = time.monotonic()
    assert await down.publish("actors-changed") is False
    assert await down.publish("actors-changed") is False  # not tried again for a few seconds
    assert time.monotonic() - started < 2
    heard: list[int] = []
    listening = asyncio.create_task(down.listen("actors-changed", lambda: heard.append(1)))
    await asyncio.sleep(0.3)
    assert not listening.done()  # still trying, quietly
    assert heard == []
    listening.cancel()
    await asyncio.gather(listening, return_exceptions=True)
    assert listening.cancelled()
    await down.aclose()
