"""Password and token primitives. Passwords: argon2. API tokens: random, stored as SHA-256."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

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


async def verify_password_off_loop(password: str, password_hash: str | None) -> bool:
    return await asyncio.to_thread(verify_password, password, password_hash)


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
