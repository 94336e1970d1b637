"""The reader's run: for each folder, take every message not yet taken, in batches (fetched in one
IMAP command, recorded in one unit of work, then marked on the server in one command); then wait
for new mail (IDLE) until the run's time is up.

Nothing is lost and nothing is taken twice, whatever breaks when: a message is recorded (unique by
folder, UIDVALIDITY and UID) before it is marked on the server, so a connection dropped before the
record leaves it unmarked and unrecorded (the next run takes it), and one dropped after the record
leaves it recorded but unmarked (the next run only marks it). A second reader racing for the same
message loses on the unique key: its batch is rolled back and recorded again message by message, so
it only marks that one.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError

from app.core.config import MailboxSettings
from app.core.logging import get_logger
from app.services.kernel import fork_server
from app.services.kernel.ports import Erp, Mailbox, MailboxSession, Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.mailbox.parsing import MalformedEmail, ParsedEmail, parse_all
from app.services.mailbox.service import Folder, MailboxService

log = get_logger(__name__)

# Messages fetched in one command, recorded in one transaction and marked in one command.
FETCH_EVERY = 25
# …and at most this many bytes of messages in one batch (a batch holds at least one message).
BATCH_BYTES = 16 * 1024 * 1024
UnitOfWorkFactory = Callable[[], AbstractAsyncContextManager[UnitOfWork]]
Messages = list[tuple[int, bytes | None, int]]  # (UID, the message or None when too large, its size)
Read = list[ParsedEmail | MalformedEmail | None]


# The reading process finds the parser loaded, whoever starts the fork server first.
fork_server.preload(parse_all.__module__)


def _reading_pool() -> ProcessPoolExecutor | None:
    """A process that reads messages, started by multiprocessing's fork server (a clean process
    that has imported the parser once; forking this one, which runs threads, is unsafe); None where
    there is no fork server: then they are read here."""
    context = fork_server.context()
    return None if context is None else ProcessPoolExecutor(max_workers=1, mp_context=context)


async def _read(reading: asyncio.Future[Read] | None) -> Read | None:
    """What the reading process gave; None (read in this process instead) when it broke."""
    if reading is None:
        return None
    try:
        return await reading
    except (BrokenProcessPool, OSError) as exc:
        log.warning("mailbox.reading_process_failed", error=f"{type(exc).__name__}: {exc}"[:500])
        return None


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
        sizes = await session.sizes(rest)
        batches: list[list[int]] = []
        weight = 0
        for uid in rest:
            size = min(sizes.get(uid, 0), settings.max_message_bytes)
            if not batches or len(batches[-1]) >= FETCH_EVERY or weight + size > BATCH_BYTES:
                batches.append([])
                weight = 0
            batches[-1].append(uid)
            weight += size

        async def fetched(batch: list[int]) -> list[tuple[int, bytes | None, int]]:
            """(UID, the message or None when too large, its size) of those still there."""
            too_large = {uid for uid in batch if sizes.get(uid, 0) > settings.max_message_bytes}
            raws = await session.fetch_many([uid for uid in batch if uid not in too_large])
            for uid in batch:
                if uid not in too_large and uid not in raws:
                    # Not in the batch's answer (a server that writes it otherwise, or gone).
                    raw = await session.fetch(uid)
                    if raw is not None:
                        raws[uid] = raw
            return [
                (uid, None, sizes[uid]) if uid in too_large else (uid, raws[uid], len(raws[uid]))
                for uid in batch
                if uid in too_large or uid in raws
            ]

        # Reading a message (the e-mail package's parse) is a good part of its CPU: with more
        # than one batch, each batch past the first is read in a process of its own while this one
        # records the batch before (the cores do both at once).
        pool = _reading_pool() if len(batches) > 1 else None

        async def fetched_and_reading(
            batch: list[int], ahead: bool = True
        ) -> tuple[Messages, asyncio.Future[Read] | None]:
            messages = await fetched(batch)
            if pool is None or not ahead:  # the first batch: nothing is being recorded meanwhile
                return messages, None
            raws = [raw for _, raw, _ in messages]
            return messages, asyncio.get_running_loop().run_in_executor(pool, parse_all, raws)

        # A batch is fetched in one command, recorded in one transaction, then marked in one
        # command; the next batch is fetched (and read) while this one is recorded, so the IMAP
        # round trips, the reading and the database's work overlap instead of adding up.
        ahead: asyncio.Future[tuple[Messages, asyncio.Future[Read] | None]] | None = None
        try:
            for index, batch in enumerate(batches):
                messages, reading = await (ahead if ahead is not None else fetched_and_reading(batch, False))
                ahead = (
                    asyncio.ensure_future(fetched_and_reading(batches[index + 1]))
                    if index + 1 < len(batches)
                    else None
                )
                await self._take_batch(folder, messages, report, await _read(reading))
                if ahead is not None:
                    await asyncio.wait([ahead])  # one command at a time on the connection
                await self._mark(session, [uid for uid, _, _ in messages], report)
        finally:
            if ahead is not None and not ahead.done():
                ahead.cancel()
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)

    async def _take_batch(
        self, folder: Folder, messages: Messages, report: ReadReport, read: Read | None = None
    ) -> None:
        """Record a batch in one unit of work; when that fails (another reader took one of them
        meanwhile, or one of them cannot be recorded), each on its own, so the rest are still taken."""
        if not messages:
            return
        try:
            async with self.unit_of_work() as uow:
                rows = await self._service(uow).take_many(folder, messages, read)
                done = [(row.uid, row.kind, row.outcome) for row in rows]
        except Exception:
            for uid, raw, size in messages:
                await self._take(folder, uid, raw, size, report)
            return
        report.taken += len(done)
        for uid, kind, outcome in done:
            log.info(
                "mailbox.taken", folder=folder.name, uid=uid, kind=kind.value, outcome=(outcome or "")[:200]
            )

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
