"""Notices between the service's processes over Redis publish/subscribe.

A notice carries no data: it says that something every process keeps for a while (who a bearer
token is) has changed, and each listener forgets its copy. Nothing depends on a notice arriving:
what is kept also expires on its own, and a listener that lost its connection forgets everything
once it is back, since it cannot know what it missed. Sending never blocks a request for long: when
Redis is down the notice is dropped and the next one is tried a few seconds later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from redis.asyncio import Redis

from app.adapters.redis_backoff import Backoff, close_quietly
from app.core.logging import get_logger

log = get_logger(__name__)

CONNECT_TIMEOUT = 1.0
RETRY_AFTER_FAILURE = 5.0
LISTEN_BACKOFF = (0.5, 1.0, 2.0, 5.0)


class RedisNotices:
    def __init__(self, url: str, namespace: str) -> None:
        self.url = url
        self.namespace = namespace
        self._client: Redis | None = None
        self.backoff = Backoff(RETRY_AFTER_FAILURE)

    def channel(self, topic: str) -> str:
        return f"{self.namespace}:notice:{topic}"

    def _connect(self) -> Redis:
        client: Redis = Redis.from_url(
            self.url, socket_connect_timeout=CONNECT_TIMEOUT, socket_timeout=CONNECT_TIMEOUT
        )
        return client

    async def publish(self, topic: str) -> bool:
        if self.backoff.waiting:
            return False
        if self._client is None:
            self._client = self._connect()
        try:
            await self._client.publish(self.channel(topic), b"")
        except Exception as exc:  # redis raises its own connection and timeout errors
            self.backoff.failed("notice.not_sent", exc, topic=topic)
            client, self._client = self._client, None
            await close_quietly(client)
            return False
        return True

    async def listen(self, topic: str, heard: Callable[[], None], ready: asyncio.Event | None = None) -> None:
        """Call ``heard`` for every notice of ``topic``, and once more each time the subscription
        is (re)established, for whatever was missed meanwhile; runs until cancelled. ``ready`` is
        set once subscribed."""
        failures = 0
        while True:
            client = self._connect()
            try:
                async with client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel(topic))
                    heard()  # anything published while not subscribed was missed
                    failures = 0
                    if ready is not None:
                        ready.set()
                    while True:
                        message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=30.0)
                        if message is not None:
                            heard()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the connection went (or never came): try again, later and later
                if ready is not None:
                    ready.clear()
                delay = LISTEN_BACKOFF[min(failures, len(LISTEN_BACKOFF) - 1)]
                failures += 1
                if failures == 1:
                    log.warning("notice.listen_lost", topic=topic, error=type(exc).__name__)
                await asyncio.sleep(delay)
            finally:
                await close_quietly(client)

    async def aclose(self) -> None:
        client, self._client = self._client, None
        await close_quietly(client)
