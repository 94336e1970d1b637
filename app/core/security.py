"""Password and token primitives. Passwords: argon2. API tokens: random, stored as SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import secrets
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from app.core.errors import TooManyRequests

T = TypeVar("T")

TOKEN_PREFIX = "pmk_"
_password_hash = PasswordHash((Argon2Hasher(),))
# Verifying against a fixed hash when the user does not exist keeps the timing the same.
_DUMMY_HASH = _password_hash.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _password_hash.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _password_hash.verify(password, _DUMMY_HASH)
        return False
    return bool(_password_hash.verify(password, password_hash))


async def hash_password_off_loop(password: str) -> str:
    """argon2 is deliberately slow (tens of ms): keep it off the event loop."""
    return await asyncio.to_thread(hash_password, password)


class PasswordHashing:
    """At most ``size`` argon2 runs at once in this process, on threads of their own; a run asked
    for while all are busy is refused at once (429) instead of queueing without bound: each run
    holds about 64 MiB and a core for tens of milliseconds.

    A slot is taken before the run is submitted and given back when the run ends or is cancelled
    before it starts (the future's callback), not when its caller stops waiting: a client that
    hangs up does not free a slot whose hash is still running."""

    def __init__(self, size: int) -> None:
        self.size = size
        # Public so that a test can hold every slot.
        self.slots = threading.BoundedSemaphore(size)
        self._executor = ThreadPoolExecutor(max_workers=size, thread_name_prefix="argon2")

    async def verify(self, password: str, password_hash: str | None) -> bool:
        return await self._run(verify_password, password, password_hash)

    async def hash(self, password: str) -> str:
        return await self._run(hash_password, password)

    async def _run(self, function: Callable[..., T], *args: object) -> T:
        if not self.slots.acquire(blocking=False):
            raise TooManyRequests(
                "too many logins are being checked at once; try again in a second", retry_after=1
            )
        try:
            future: Future[T] = self._executor.submit(function, *args)
        except BaseException:
            self.slots.release()
            raise
        future.add_done_callback(lambda _: self.slots.release())
        return await asyncio.wrap_future(future)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)


def address_key(host: str | None) -> str:
    """The source address a limit counts: an IPv4 address, or the /64 network of an IPv6 one (one
    machine commonly has a whole /64 to pick from)."""
    if not host:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:64]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    # Tokens carry 256 bits of entropy, so a fast hash is enough and keeps lookups indexable.
    return hashlib.sha256(token.encode()).hexdigest()


def constant_time_equals(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
