"""Putting messages into the local IMAP server (IMAP APPEND) and looking at what the reader left."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aioimaplib

from app.devimap import LocalImap

_folders = itertools.count(1)


@asynccontextmanager
async def imap_client(server: LocalImap) -> AsyncIterator[aioimaplib.IMAP4]:
    client = aioimaplib.IMAP4(server.host, server.port, timeout=10)
    await client.wait_hello_from_server()
    assert (await client.login(server.username, server.password)).result == "OK"
    try:
        yield client
    finally:
        await client.logout()


async def new_folder(server: LocalImap) -> str:
    """A folder of its own for one test: the tests share one server."""
    name = f"t{next(_folders)}"
    async with imap_client(server) as client:
        assert (await client.create(name)).result == "OK"
    return name


async def append(server: LocalImap, folder: str, *messages: bytes) -> None:
    async with imap_client(server) as client:
        for raw in messages:
            response = await client.append(raw, mailbox=folder)
            assert response.result == "OK", response


async def not_taken(server: LocalImap, folder: str, keyword: str = "Pomoshnik") -> list[int]:
    """The UIDs in ``folder`` still without the reader's keyword."""
    async with imap_client(server) as client:
        assert (await client.select(folder)).result == "OK"
        found = await client.uid_search("UNKEYWORD", keyword, charset=None)
    return [int(t) for line in found.lines[:-1] for t in bytes(line).split() if t.isdigit()]
