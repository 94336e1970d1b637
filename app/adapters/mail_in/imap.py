"""The shared mailbox over IMAP with aioimaplib: select, list what is not taken, fetch without
marking read (BODY.PEEK), mark what was taken with a keyword (and move it, when configured), and
wait for new mail with IDLE where the server has it.

Every failure (refused connection, a NO or BAD answer, a broken connection, a timeout) is a
``MailboxError``: the reader stops this run and the next run starts again from what is recorded.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from typing import Any

import aioimaplib

from app.core.config import MailboxSettings
from app.services.kernel.ports import MailboxError, MailboxFolder

_UIDVALIDITY = re.compile(rb"\[UIDVALIDITY (\d+)\]")
_FETCH_SIZE = re.compile(rb"UID (\d+) RFC822\.SIZE (\d+)|RFC822\.SIZE (\d+) UID (\d+)")
_FETCH_UID = re.compile(rb"FETCH \(.*UID (\d+)")
SIZES_PER_COMMAND = 100
_ERRORS = (aioimaplib.AioImapException, OSError, asyncio.TimeoutError, ssl.SSLError)


def _ok(response: Any, what: str) -> Any:
    if response.result != "OK":
        detail = b" ".join(bytes(line) for line in response.lines[-1:]).decode(errors="replace")
        raise MailboxError(f"{what}: {response.result} {detail}"[:500])
    return response


def _quoted(folder: str) -> str:
    # A folder's name as an IMAP quoted string (Cyrillic names are the caller's modified UTF-7).
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


class ImapSession:
    def __init__(
        self, client: aioimaplib.IMAP4, settings: MailboxSettings, lost: asyncio.Future[None]
    ) -> None:
        self._client = client
        self._settings = settings
        self._lost = lost

    async def _call(self, what: str, call: Any) -> Any:
        # aioimaplib leaves a command waiting for its timeout when the connection is gone: the
        # command races the connection's end, so a dropped connection fails the run at once.
        command = asyncio.ensure_future(call)
        try:
            done, _ = await asyncio.wait(
                {command, self._lost},
                timeout=self._settings.timeout_seconds,
                return_when=asyncio.FIRST_COMPLETED,
            )
        except BaseException:
            command.cancel()
            raise
        if command not in done:
            command.cancel()
            reason = "the connection was closed" if self._lost.done() else "no answer in time"
            raise MailboxError(f"{what}: {reason}")
        try:
            return _ok(command.result(), what)
        except _ERRORS as exc:
            raise MailboxError(f"{what}: {type(exc).__name__}: {exc}"[:500]) from exc

    async def open(self, folder: str, keyword: str) -> MailboxFolder:
        selected = await self._call(f"SELECT {folder}", self._client.select(_quoted(folder)))
        validity = next(
            (int(m.group(1)) for line in selected.lines if (m := _UIDVALIDITY.search(bytes(line)))), 0
        )
        found = await self._call(
            "UID SEARCH", self._client.uid_search("UNKEYWORD", keyword, "UNDELETED", charset=None)
        )
        uids = sorted(
            int(token) for line in found.lines[:-1] for token in bytes(line).split() if token.isdigit()
        )
        return MailboxFolder(folder, validity, uids)

    async def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        sizes: dict[int, int] = {}
        # aioimaplib reads an answer's lines by recursion, one level a line: a thousand lines in one
        # answer overflow Python's stack. A hundred UIDs a command stay far below.
        for start in range(0, len(uids), SIZES_PER_COMMAND):
            chunk = uids[start : start + SIZES_PER_COMMAND]
            answer = await self._call(
                "UID FETCH RFC822.SIZE",
                self._client.uid("FETCH", ",".join(map(str, chunk)), "(UID RFC822.SIZE)"),
            )
            for line in answer.lines:
                match = _FETCH_SIZE.search(bytes(line))
                if match:
                    if match.group(1):
                        sizes[int(match.group(1))] = int(match.group(2))
                    else:
                        sizes[int(match.group(4))] = int(match.group(3))
        return sizes

    async def fetch(self, uid: int) -> bytes | None:
        answer = await self._call(
            "UID FETCH BODY.PEEK[]", self._client.uid("FETCH", str(uid), "(UID BODY.PEEK[])")
        )
        lines = answer.lines
        for index, line in enumerate(lines):
            if isinstance(line, bytearray) and index > 0 and f"UID {uid}".encode() in bytes(lines[index - 1]):
                return bytes(line)
        for line in lines:  # a server that names the UID after the literal
            if isinstance(line, bytearray):
                return bytes(line)
        return None

    async def fetch_many(self, uids: Sequence[int]) -> dict[int, bytes]:
        """The whole messages of ``uids`` in one command (one round trip), not marking them read;
        a message gone meanwhile is left out."""
        if not uids:
            return {}
        answer = await self._call(
            "UID FETCH BODY.PEEK[]",
            self._client.uid("FETCH", ",".join(map(str, uids)), "(UID BODY.PEEK[])"),
        )
        found: dict[int, bytes] = {}
        previous: bytes = b""
        for line in answer.lines:
            if isinstance(line, bytearray):
                match = _FETCH_UID.search(previous)
                if match:
                    found[int(match.group(1))] = bytes(line)
            else:
                previous = bytes(line)
        wanted = set(uids)
        return {uid: raw for uid, raw in found.items() if uid in wanted}

    async def mark(self, uids: Sequence[int], keyword: str, move_to: str | None) -> None:
        if not uids:
            return
        uid_set = ",".join(map(str, uids))
        await self._call("UID STORE", self._client.uid("STORE", uid_set, "+FLAGS.SILENT", f"({keyword})"))
        if move_to:
            if "MOVE" in self._client.protocol.capabilities:
                await self._call("UID MOVE", self._client.uid("MOVE", uid_set, _quoted(move_to)))
            else:
                await self._call("UID COPY", self._client.uid("COPY", uid_set, _quoted(move_to)))
                await self._call(
                    "UID STORE", self._client.uid("STORE", uid_set, "+FLAGS.SILENT", r"(\Deleted)")
                )

    async def wait(self, seconds: float) -> bool:
        if seconds <= 0:
            return False
        if "IDLE" not in self._client.protocol.capabilities:
            await asyncio.sleep(seconds)
            return True  # a poll: look again
        try:
            idle = await self._client.idle_start(timeout=seconds)
            pushed = await self._client.wait_server_push(timeout=seconds)
            self._client.idle_done()
            await asyncio.wait_for(idle, self._settings.timeout_seconds)
        except TimeoutError:
            if self._client.has_pending_idle():
                self._client.idle_done()
            return False
        except _ERRORS as exc:
            raise MailboxError(f"IDLE: {type(exc).__name__}: {exc}"[:500]) from exc
        return any(b"EXISTS" in bytes(line) for line in (pushed if isinstance(pushed, list) else []))

    async def close(self) -> None:
        if self._lost.done():
            return
        try:
            await asyncio.wait_for(self._client.logout(), 5)
        except (*_ERRORS, MailboxError):
            pass


class ImapMailbox:
    """The ``Mailbox`` port over IMAP (TLS on 993, or plain for a local server)."""

    def __init__(self, settings: MailboxSettings) -> None:
        self.settings = settings

    @asynccontextmanager
    async def connect(self) -> AsyncIterator[ImapSession]:
        settings = self.settings
        lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def connection_lost(_: Exception | None) -> None:
            if not lost.done():
                lost.set_result(None)

        try:
            client = aioimaplib.IMAP4(
                settings.host,
                settings.port,
                timeout=settings.timeout_seconds,
                conn_lost_cb=connection_lost,
                # IMAP4_SSL takes no connection-lost callback: the TLS context is given here instead.
                ssl_context=ssl.create_default_context() if settings.tls else None,
            )
            await client.wait_hello_from_server()
            _ok(
                await client.login(settings.username, settings.password.get_secret_value()),
                f"LOGIN {settings.username}",
            )
        except _ERRORS as exc:
            raise MailboxError(
                f"cannot log in to {settings.host}:{settings.port}: {type(exc).__name__}: {exc}"
            ) from exc
        session = ImapSession(client, settings, lost)
        try:
            yield session
        finally:
            await session.close()
