"""The reader's run: for each folder, take every message not yet taken, each in its own unit of
work, then mark it on the server; then wait for new mail (IDLE) until the run's time is up.

Nothing is lost and nothing is taken twice, whatever breaks when: a message is recorded (unique by
folder, UIDVALIDITY and UID) before it is marked on the server, so a connection dropped before the
record leaves it unmarked and unrecorded (the next run takes it), and one dropped after the record
leaves it recorded but unmarked (the next run only marks it). A second reader racing for the same
message loses on the unique key and only marks it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.core.config import MailboxSettings
from app.core.logging import get_logger
from app.services.kernel.ports import Erp, Mailbox, MailboxSession, Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.mailbox.service import Folder, MailboxService

log = get_logger(__name__)

# Messages recorded before they are marked on the server together.
MARK_EVERY = 50
UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]


@dataclass
class ReadReport:
    taken: int = 0  # recorded by this run
    marked: int = 0  # marked on the server by this run (its own, and those recorded before)


class MailboxReader:
    def __init__(
        self,
        mailbox: Mailbox,
        settings: MailboxSettings,
        unit_of_work: UnitOfWorkFactory,
        storage: Storage,
        erp: Erp,
        max_file_bytes: int,
    ) -> None:
        self.mailbox = mailbox
        self.settings = settings
        self.unit_of_work = unit_of_work
        self.storage = storage
        self.erp = erp
        self.max_file_bytes = max_file_bytes
        self.memo: dict[str, Any] = {}  # looked up once a run (MailboxService.memo)

    def _service(self, uow: UnitOfWork) -> MailboxService:
        return MailboxService(uow, self.settings, self.storage, self.erp, self.max_file_bytes, self.memo)

    async def run(self, wait_seconds: float = 0) -> ReadReport:
        """Take what is there; then, for up to ``wait_seconds``, what comes. ``MailboxError`` when
        the server fails: what was recorded stays, the rest is the next run's."""
        report = ReadReport()
        self.memo.clear()
        async with self.mailbox.connect() as session:
            for name in self.settings.folders:
                await self._folder(session, name, report)
            deadline = time.monotonic() + wait_seconds
            first = self.settings.folders[0] if self.settings.folders else None
            while first is not None and (left := deadline - time.monotonic()) > 0:
                if await session.wait(left):
                    await self._folder(session, first, report)
        return report

    async def _folder(self, session: MailboxSession, name: str, report: ReadReport) -> None:
        settings = self.settings
        opened = await session.open(name, settings.taken_keyword)
        folder = Folder(name, opened.uidvalidity)
        uids = opened.uids[: settings.batch]
        async with self.unit_of_work() as uow:
            recorded = await self._service(uow).taken(folder, uids)
        # Taken by an earlier run that did not get to mark them.
        await self._mark(session, sorted(recorded), report)
        rest = [uid for uid in uids if uid not in recorded]
        unmarked: list[int] = []
        sizes = await session.sizes(rest)

        async def fetched(uid: int) -> tuple[bytes | None, int, bool]:
            """(the message or None when too large, its size, whether it is still there)."""
            size = sizes.get(uid)
            if size is not None and size > settings.max_message_bytes:
                return None, size, True
            raw = await session.fetch(uid)
            return raw, len(raw or b""), raw is not None

        # The next message is fetched while this one is recorded: the IMAP round trip and the
        # database's work overlap instead of adding up.
        ahead: asyncio.Future[tuple[bytes | None, int, bool]] | None = None
        try:
            for index, uid in enumerate(rest):
                raw, size, present = await (ahead if ahead is not None else fetched(uid))
                ahead = asyncio.ensure_future(fetched(rest[index + 1])) if index + 1 < len(rest) else None
                if not present:
                    continue  # deleted meanwhile
                await self._take(folder, uid, raw, size, report)
                # Marked in groups, each after its messages are recorded: a round trip per
                # message would cost as much as the fetch.
                unmarked.append(uid)
                if len(unmarked) >= MARK_EVERY:
                    if ahead is not None:
                        await asyncio.wait([ahead])  # one command at a time on the connection
                    await self._mark(session, unmarked, report)
                    unmarked = []
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()
        await self._mark(session, unmarked, report)

    async def _take(self, folder: Folder, uid: int, raw: bytes | None, size: int, report: ReadReport) -> None:
        try:
            async with self.unit_of_work() as uow:
                row = await self._service(uow).take(folder, uid, raw, size)
                kind, outcome = row.kind, row.outcome
        except IntegrityError:
            log.info("mailbox.taken_elsewhere", folder=folder.name, uid=uid)
        else:
            report.taken += 1
            log.info(
                "mailbox.taken", folder=folder.name, uid=uid, kind=kind.value, outcome=(outcome or "")[:200]
            )

    async def _mark(self, session: MailboxSession, uids: list[int], report: ReadReport) -> None:
        if uids:
            await session.mark(uids, self.settings.taken_keyword, self.settings.move_to)
            report.marked += len(uids)
