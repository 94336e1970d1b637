"""What an e-mail from the shared mailbox becomes, in the reader's unit of work.

The regulation takes orders «из общей почты», and clients answer our invoices, proposals, acts and
claims by e-mail. Each message is recorded once (by folder, UIDVALIDITY and UID; a Message-ID seen
before is a duplicate), kept raw in the file store, and then:

- an answer to one of our e-mails (``In-Reply-To``/``References`` naming its Message-ID, else the
  subject naming an invoice of the sender's client) is attached to that document, with a task for
  its assistant and the reply's new text; nothing is approved or signed automatically;
- a delivery status notification of one of our e-mails marks its delivery failed, with a task to fix
  the address; an automatic reply or a mailing list's message is recorded and nothing else;
- anything else is a new order from the channel «почта», waiting for clarification, with the text
  and the attachments as its files (checked as uploads are);
- a message too large or unreadable is kept as a failure with its reason, and someone is told.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Text, cast, func, insert, inspect, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached
from stdnum.ru import inn as stdnum_inn

from app.core.config import MailboxSettings
from app.core.db import Base, flushed_connection
from app.core.errors import FieldError
from app.models.clients import Client, ClientContact
from app.models.collection import CollectionCase
from app.models.directory import Employee, Role
from app.models.invoices import Invoice
from app.models.mailbox import InboundEmail, InboundKind
from app.models.orders import Order, OrderAttachment, OrderChannel
from app.models.outbox import MessageAbout, OutboundKind, OutboundMessage
from app.models.proposals import Proposal
from app.models.reconciliations import ReconciliationAct
from app.models.tasks import TaskKind, TaskSubject
from app.schemas.orders import OrderCreate
from app.services.directory.employees import first_active_with_role
from app.services.directory.tasks import TaskService
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.ports import Erp, Storage
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.mailbox.parsing import MalformedEmail, ParsedEmail, parse
from app.services.media.files import check_document
from app.services.orders.attachments import clean_filename
from app.services.orders.service import OrderService

SOURCE = "mailbox"
# A task about an e-mail is due within a working day: the client waits for an answer.
DUE_WORKING_DAYS = 1
_OUR_ID = re.compile(r"<outbound-(\d{1,12})@", re.I)
# «Счёт № 2026-000015», «счета 2026-000015», «Invoice #2026-000015»: a number after the word.
_INVOICE_IN_SUBJECT = re.compile(
    r"(?:сч[её]т[а-яё]*|invoice)\s*(?:(?:№|N|#|No\.?)\s*([\w/-]{1,32}\d)|([0-9][\w/-]{0,31}))", re.I
)
_INN = re.compile(r"(?<!\d)(\d{12}|\d{10})(?!\d)")
T = TypeVar("T", bound=Base)


@dataclass(frozen=True)
class Folder:
    name: str
    uidvalidity: int


_INBOUND_COLUMNS = tuple(c.key for c in InboundEmail.__table__.columns if c.key != "id")


def _read(
    row: dict[str, Any], raw: bytes, done: ParsedEmail | MalformedEmail | None = None
) -> ParsedEmail | None:
    """The message read (``done``: read already), its headers into its ``row``; None when it
    cannot be (the reason in it)."""
    try:
        if isinstance(done, MalformedEmail):
            raise done
        parsed = done if done is not None else parse(raw)
    except MalformedEmail as exc:
        row["outcome"] = str(exc)
        return None
    row["message_id"] = parsed.message_id
    row["sender"] = (parsed.sender or "")[:254] or None
    row["subject"] = parsed.subject or None
    row["text"] = parsed.new_text
    return parsed


async def _inserted(
    session: AsyncSession,
    cls: type[T],
    rows: list[dict[str, Any]],
    match: tuple[str, ...],
    where: ColumnElement[bool],
    *,
    attach: bool,
) -> list[T]:
    """``rows`` (each giving every column but the key) written in one statement and given back as
    objects, in the order given: persistent in the session with ``attach``, else detached.

    ``insert_persistent`` would take a statement per row on SQLite (which cannot promise the order
    of RETURNING), and a multi-row VALUES costs a compilation per batch: here the rows go in one
    cached ``executemany`` and their keys are read back in one query (``where``, the rows just
    written), each row finding its own by ``match``, columns that tell the rows apart (rows alike
    in them are alike in all, so which gets which key does not matter)."""
    if not rows:
        return []
    mapper = inspect(cls)
    (key,) = mapper.primary_key
    table = mapper.local_table
    connection = await flushed_connection(session)
    await connection.execute(insert(cls), rows)
    keys: defaultdict[tuple[Any, ...], list[Any]] = defaultdict(list)
    found = await connection.execute(
        select(key, *(table.c[name] for name in match)).where(where).order_by(key)
    )
    for ident, *tells in found:
        keys[tuple(tells)].append(ident)
    name = mapper.get_property_by_column(key).key
    objects: list[T] = []
    for values in rows:
        obj = cls(**values)
        setattr(obj, name, keys[tuple(values[n] for n in match)].pop(0))
        make_transient_to_detached(obj)  # as loaded: what changes later is an UPDATE
        objects.append(obj)
    if attach:
        session.add_all(objects)
    return objects


@dataclass
class _Pending:
    """What the messages acted on together leave for their end (``MailboxService._write``)."""

    seen: set[str]  # Message-IDs taken before, and those of the batch so far
    files: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # key: (content, its type)
    attachments: list[dict[str, Any]] = field(default_factory=list)  # the orders' files' rows
    outcomes: list[tuple[InboundEmail, dict[str, Any]]] = field(default_factory=list)


@dataclass(frozen=True)
class Owner:
    assignee_id: int | None
    title: str
    subject_type: TaskSubject
    subject_id: int | None


class MailboxService:
    def __init__(
        self,
        uow: UnitOfWork,
        settings: MailboxSettings,
        storage: Storage,
        erp: Erp,
        max_file_bytes: int,
        memo: dict[str, Any] | None = None,
    ) -> None:
        self.uow = uow
        self.settings = settings
        self.storage = storage
        self.erp = erp
        self.max_file_bytes = max_file_bytes  # an attachment, as an upload (APP_STORAGE__MAX_DOCUMENT_BYTES)
        # What one run of the reader looks up once: who gets mail nobody owns, each sender's clients.
        self.memo = memo if memo is not None else {}
        self._clients: dict[int, Client | None] = {}
        self._pending: _Pending | None = None

    async def taken(self, folder: Folder, uids: list[int]) -> set[int]:
        """Which of ``uids`` are recorded already (taken, but perhaps not yet marked on the server)."""
        if not uids:
            return set()
        rows = await self.uow.session.scalars(
            select(InboundEmail.uid).where(
                InboundEmail.folder == folder.name,
                InboundEmail.uidvalidity == folder.uidvalidity,
                InboundEmail.uid.in_(uids),
            )
        )
        return set(rows)

    async def take(self, folder: Folder, uid: int, raw: bytes | None, size: int) -> InboundEmail:
        """Record the message and act on it. ``raw`` None: it was too large to fetch."""
        (row,) = await self.take_many(folder, [(uid, raw, size)])
        return row

    async def take_many(
        self,
        folder: Folder,
        messages: Sequence[tuple[int, bytes | None, int]],
        read: Sequence[ParsedEmail | MalformedEmail | None] | None = None,
    ) -> list[InboundEmail]:
        """Record the messages ``(UID, the message or None when too large to fetch, its size)`` and
        act on each, as ``take`` does one by one. What every message costs alike is done once for
        all: the rows written in one statement (their unique folder, UIDVALIDITY and UID claim them
        before anything else is done), the Message-IDs seen before looked up in one query, the
        orders' files, their history and the rows' outcomes written at the end in one statement
        each, the file store's writes made together. ``read``: the messages already read
        (``parse_all``), else they are read here."""
        now = self.uow.clock.now()
        given = read if read is not None else [None] * len(messages)
        values: list[dict[str, Any]] = []
        reads: list[ParsedEmail | None] = []
        for (uid, raw, size), done in zip(messages, given, strict=True):
            new: dict[str, Any] = dict.fromkeys(_INBOUND_COLUMNS)
            new |= {
                "folder": folder.name,
                "uidvalidity": folder.uidvalidity,
                "uid": uid,
                "kind": InboundKind.FAILED,
                "size": size,
                "parts": [],
                "received_at": now,
            }
            parsed: ParsedEmail | None = None
            if raw is None:
                new["outcome"] = (
                    f"too large: {size} bytes, at most {self.settings.max_message_bytes} are taken"
                )
            else:
                new["raw_key"] = f"mailbox/{hashlib.sha256(raw).hexdigest()}.eml"
                parsed = _read(new, raw, done)
            values.append(new)
            reads.append(parsed)
        # One statement for the batch; the unique (folder, uidvalidity, uid) claims them first.
        rows = await _inserted(
            self.uow.session,
            InboundEmail,
            values,
            ("uid",),
            (InboundEmail.folder == folder.name)
            & (InboundEmail.uidvalidity == folder.uidvalidity)
            & InboundEmail.uid.in_([uid for uid, _, _ in messages]),
            attach=True,
        )
        async with self._batch([p.message_id for p in reads if p is not None and p.message_id]):
            for (_, raw, _), row, parsed in zip(messages, rows, reads, strict=True):
                if raw is not None:
                    self._put(row.raw_key or "", raw, "message/rfc822")
                if parsed is None:
                    await self._failed(row)
                else:
                    await self._act(row, parsed)
        return rows

    async def act(self, row: InboundEmail, raw: bytes) -> None:
        """Read the recorded message ``raw`` and do what it asks for (or record why not)."""
        read: dict[str, Any] = {}
        parsed = _read(read, raw)
        for name, value in read.items():
            setattr(row, name, value)
        async with self._batch([parsed.message_id] if parsed is not None and parsed.message_id else []):
            if parsed is None:
                await self._failed(row)
            else:
                await self._act(row, parsed)

    async def _act(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        batch = self._pending
        assert batch is not None
        if parsed.message_id and parsed.message_id in batch.seen:
            row.kind, row.outcome = InboundKind.DUPLICATE, "the same Message-ID was taken before"
            return
        if parsed.message_id:
            batch.seen.add(parsed.message_id)  # a second copy later in the batch is a duplicate
        if parsed.bounce is not None:
            await self._bounce(row, parsed)
        elif parsed.automatic is not None:
            row.kind, row.outcome = InboundKind.AUTO_REPLY, f"automatic reply ({parsed.automatic})"
        elif parsed.mailing_list is not None:
            row.kind, row.outcome = InboundKind.MAILING_LIST, f"mailing list ({parsed.mailing_list})"
        elif not await self._reply(row, parsed):
            await self._order(row, parsed)

    @asynccontextmanager
    async def _batch(self, message_ids: list[str]) -> AsyncIterator[None]:
        """Messages acted on together; what they leave for the end is written as it closes."""
        seen: set[str] = set()
        if message_ids:
            # Taken before: recorded, and not a failure (a failure taken again is not a copy).
            seen = set(
                await self.uow.session.scalars(
                    select(InboundEmail.message_id).where(
                        InboundEmail.message_id.in_(set(message_ids)),
                        InboundEmail.kind != InboundKind.FAILED,
                    )
                )
            )
        self._pending = _Pending(seen)
        try:
            yield
            await self._write(self._pending)
        finally:
            self._pending = None

    def _put(self, key: str, content: bytes, content_type: str) -> None:
        assert self._pending is not None
        self._pending.files[key] = (content, content_type)

    async def _write(self, batch: _Pending) -> None:
        """What the batch left for its end: the file store's writes (together: they wait on a disk
        or a network, not on us), the orders' files and their history, the rows' outcomes."""
        await asyncio.gather(
            *(self.storage.put(key, content, kind) for key, (content, kind) in batch.files.items())
        )
        attachments = await _inserted(
            self.uow.session,
            OrderAttachment,
            batch.attachments,
            ("order_id", "storage_key", "filename"),
            # The orders were made by this batch: these are all their files.
            OrderAttachment.order_id.in_({a["order_id"] for a in batch.attachments}),
            attach=False,
        )
        history = HistoryService(self.uow)
        await history.insert(
            [history.row("order", a.order_id, "attachment_added", None, snapshot(a)) for a in attachments]
        )
        for row, values in batch.outcomes:
            for name, value in values.items():
                setattr(row, name, value)
        await self.uow.session.flush()

    # --- answers to our e-mails ---------------------------------------------------------------

    async def _ours(self, message_ids: list[str]) -> OutboundMessage | None:
        """Our e-mail among ``message_ids`` (nearest first): by the id our Message-IDs carry, or as sent."""
        if not message_ids:
            return None
        numbers = [int(m.group(1)) for mid in message_ids if (m := _OUR_ID.match(mid))]
        rows = (
            await self.uow.session.scalars(
                select(OutboundMessage).where(
                    OutboundMessage.kind == OutboundKind.EMAIL,
                    or_(OutboundMessage.id.in_(numbers), OutboundMessage.external_id.in_(message_ids)),
                )
            )
        ).all()
        by_id = {f"<outbound-{r.id}@": r for r in rows}
        by_external = {r.external_id: r for r in rows if r.external_id}
        for mid in message_ids:
            found = by_external.get(mid) or next(
                (r for prefix, r in by_id.items() if mid.lower().startswith(prefix)), None
            )
            if found is not None:
                return found
        return None

    async def _reply(self, row: InboundEmail, parsed: ParsedEmail) -> bool:
        outbound = await self._ours(parsed.answers)
        if outbound is not None:
            row.outbound_id = outbound.id
            row.about, row.about_id = outbound.about, outbound.about_id
        else:
            invoice = await self._invoice_named(parsed)
            if invoice is None:
                return False
            row.about, row.about_id = MessageAbout.INVOICE, invoice.id
        row.kind = InboundKind.REPLY
        owner = await self._owner(row.about, row.about_id, outbound)
        text = parsed.new_text or "(без текста)"
        files = ", ".join(p.filename or "без имени" for p in parsed.attachments)
        description = f"От {parsed.sender or 'неизвестного отправителя'}, тема «{parsed.subject}»:\n\n{text}"
        if files:
            description += f"\n\nВложения: {files}"
        description += "\n\nНичего не согласовано и не подписано автоматически: ответ нужно разобрать."
        await self._keep_parts(row, parsed)
        task = await self._task(owner, f"Клиент ответил {owner.title}", description)
        row.task_id = task
        subject_id = row.about_id or (outbound.id if outbound else None)
        row.outcome = f"reply to {row.about or 'our e-mail'} {subject_id or ''}".strip()
        return True

    async def _invoice_named(self, parsed: ParsedEmail) -> Invoice | None:
        """The invoice whose number the subject names, when it is of the sender's client."""
        numbers = [a or b for a, b in _INVOICE_IN_SUBJECT.findall(parsed.subject)]
        if not numbers or not parsed.sender:
            return None
        clients = await self._clients_of(parsed.sender)
        if not clients:
            return None
        found: Invoice | None = await self.uow.session.scalar(
            select(Invoice)
            .where(Invoice.number.in_(numbers), Invoice.client_id.in_(clients))
            .order_by(Invoice.id.desc())
            .limit(1)
        )
        return found

    async def _clients_of(self, address: str) -> list[int]:
        key = f"clients:{address.lower()}"
        if key not in self.memo:
            needle = f'%"{address.lower()}"%'
            rows = await self.uow.session.scalars(
                select(ClientContact.client_id)
                .where(func.lower(cast(ClientContact.emails, Text)).like(needle))
                .order_by(ClientContact.client_id)
            )
            self.memo[key] = list(dict.fromkeys(rows))
        found: list[int] = self.memo[key]
        return found

    async def _owner(
        self, about: MessageAbout | None, about_id: int | None, outbound: OutboundMessage | None
    ) -> Owner:
        """Who acts on an e-mail about a document: its assistant (else its manager), else the
        client's, else the configured employee or a head."""
        session = self.uow.session
        assignee: int | None = None
        if about == MessageAbout.INVOICE and about_id is not None:
            invoice = await session.get(Invoice, about_id)
            if invoice is not None:
                order = await session.get(Order, invoice.order_id)
                assignee = (order.assistant_id or order.manager_id) if order else None
                assignee = assignee or await self._client_people(invoice.client_id)
                return Owner(
                    assignee or await self._fallback(),
                    f"на счёт № {invoice.number}",
                    TaskSubject.INVOICE,
                    invoice.id,
                )
        if about == MessageAbout.PROPOSAL and about_id is not None:
            proposal = await session.get(Proposal, about_id)
            if proposal is not None:
                return Owner(
                    proposal.assistant_id or proposal.manager_id,
                    f"на коммерческое предложение № {proposal.id}",
                    TaskSubject.PROPOSAL,
                    proposal.id,
                )
        if about == MessageAbout.RECONCILIATION_ACT and about_id is not None:
            act = await session.get(ReconciliationAct, about_id)
            if act is not None:
                assignee = await self._client_people(act.client_id)
                return Owner(
                    assignee or await self._fallback(), "на акт сверки", TaskSubject.CLIENT, act.client_id
                )
        if about == MessageAbout.COLLECTION_CASE and about_id is not None:
            case = await session.get(CollectionCase, about_id)
            if case is not None:
                assignee = case.assignee_id or await self._client_people(case.client_id)
                return Owner(
                    assignee or await self._fallback(), "по взысканию долга", TaskSubject.DEBT, case.id
                )
        if about == MessageAbout.ORDER and about_id is not None:
            order = await session.get(Order, about_id)
            if order is not None:
                assignee = order.assistant_id or order.manager_id or order.taken_by_id
                return Owner(
                    assignee or await self._fallback(), f"по заявке № {order.id}", TaskSubject.ORDER, order.id
                )
        subject = f"на письмо «{outbound.subject}»" if outbound and outbound.subject else "на письмо"
        return Owner(await self._fallback(), subject[:200], TaskSubject.NONE, None)

    async def _client_people(self, client_id: int | None) -> int | None:
        if client_id is None:
            return None
        client = await self.uow.session.get(Client, client_id)
        return (client.assistant_id or client.manager_id) if client else None

    async def _fallback(self) -> int | None:
        """Somebody must see mail that nobody owns: the configured employee, else a head."""
        if "fallback" not in self.memo:
            self.memo["fallback"] = await self._find_fallback()
        found: int | None = self.memo["fallback"]
        return found

    async def _find_fallback(self) -> int | None:
        address = (self.settings.default_assignee or "").strip().lower()
        if address:
            found = await self.uow.session.scalar(
                select(Employee.id).where(func.lower(Employee.email) == address, Employee.is_active.is_(True))
            )
            if found is not None:
                return int(found)
        return await first_active_with_role(self.uow, Role.HEAD, Role.DIRECTOR)

    async def _task(
        self, owner: Owner, title: str, description: str, kind: TaskKind = TaskKind.CHECK
    ) -> int | None:
        if owner.assignee_id is None:
            return None
        task = await TaskService(self.uow).add(
            kind=kind,
            title=title[:300],
            description=description[:20_000],
            assignee_id=owner.assignee_id,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), DUE_WORKING_DAYS),
            subject_type=owner.subject_type,
            subject_id=owner.subject_id,
        )
        return task.id

    # --- bounces --------------------------------------------------------------------------------

    async def _bounce(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        """A bounce of our e-mail: its delivery failed; the assistant fixes the address."""
        bounce = parsed.bounce
        assert bounce is not None
        row.kind = InboundKind.BOUNCE
        outbound = await self._ours([bounce.original_message_id] if bounce.original_message_id else [])
        recipients = ", ".join(bounce.recipients) or "адресат не назван"
        if outbound is None:
            row.outcome = f"a delivery failure of a message that is not ours ({recipients})"
            return
        reason = f"не доставлено: {recipients}" + (f" ({bounce.diagnostic})" if bounce.diagnostic else "")
        OutboxService(self.uow).mark_undelivered(outbound, reason)
        row.outbound_id = outbound.id
        row.about, row.about_id = outbound.about, outbound.about_id
        owner = await self._owner(outbound.about, outbound.about_id, outbound)
        row.task_id = await self._task(
            owner,
            f"Письмо не доставлено: {recipients}",
            f"Письмо «{outbound.subject or ''}» на адрес {outbound.recipient} вернулось: {reason}. "
            "Исправить адрес в карточке клиента и отправить снова.",
            TaskKind.CLARIFY,
        )
        row.outcome = f"bounce of our e-mail {outbound.id}: delivery marked failed"

    # --- new orders -----------------------------------------------------------------------------

    async def _order(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        """A message that answers nothing: an order from «почта», waiting for clarification."""
        client = await self._client_for(parsed)
        people = (client.manager_id or client.assistant_id) if client else None
        raw_text = (
            f"Письмо от {parsed.sender_name or ''} <{parsed.sender or ''}>\n"
            f"Тема: {parsed.subject}\n\n{parsed.text}"
        )
        orders = OrderService(self.uow, self.erp)
        data = OrderCreate(
            channel=OrderChannel.MAILBOX,
            client_id=client.id if client else None,
            raw_text=raw_text.strip()[:20_000],
            lines=[],
        )
        # The row's id is new (the unique folder, UIDVALIDITY and UID): no order can have it yet.
        order = await orders.create(
            data,
            source=SOURCE,
            external_id=str(row.id),
            resolved=[],
            taken_by_id=None if people else await self._fallback(),
        )
        letter = (parsed.text or parsed.subject or "(пустое письмо)").encode()
        files = [("письмо.txt", letter), *((p.filename, p.content) for p in parsed.attachments)]
        outcome = f"order {order.id}" + (f" of client {client.id}" if client else ", client not recognised")
        # Written with the batch's other rows at its end, in one statement.
        assert self._pending is not None
        self._pending.outcomes.append(
            (
                row,
                {
                    "kind": InboundKind.ORDER,
                    "order_id": order.id,
                    "parts": self._attach(order.id, files)[1:],
                    "outcome": outcome,
                },
            )
        )

    def _attach(self, order_id: int, files: list[tuple[str | None, bytes]]) -> list[dict[str, Any]]:
        """The order's files, checked as uploads are (``OrderFileService.add``, for the order just
        made, written with the batch's others): what was kept, or why not."""
        kept: list[dict[str, Any]] = []
        assert self._pending is not None
        now = self.uow.clock.now()
        for filename, content in files:
            try:
                checked = check_document(content, self.max_file_bytes)
            except FieldError as exc:
                kept.append({"filename": filename, "problem": exc.reason})
                continue
            key = f"orders/{order_id}/{hashlib.sha256(content).hexdigest()}.{checked.extension}"
            self._put(key, content, checked.content_type)
            name = clean_filename(filename, checked.extension)
            self._pending.attachments.append(
                {
                    "order_id": order_id,
                    "filename": name,
                    "content_type": checked.content_type,
                    "size": len(content),
                    "storage_key": key,
                    "uploaded_by_id": None,
                    "created_at": now,
                }
            )
            kept.append(
                {"filename": name, "content_type": checked.content_type, "size": len(content), "key": key}
            )
        return kept

    async def _client_for(self, parsed: ParsedEmail) -> Client | None:
        """The sender's client: by a contact's e-mail, else by an INN in the text or signature."""
        session = self.uow.session
        if parsed.sender:
            clients = await self._clients_of(parsed.sender)
            if len(clients) == 1:
                # Held for the unit of work: the session keeps what nothing holds only weakly, and
                # would read the client again for each of its letters.
                if clients[0] not in self._clients:
                    self._clients[clients[0]] = await session.get(Client, clients[0])
                return self._clients[clients[0]]
        for inn in dict.fromkeys(_INN.findall(parsed.text)):
            if not stdnum_inn.is_valid(inn):
                continue
            found: Client | None = await session.scalar(
                select(Client).where(Client.inn == inn).order_by(Client.id).limit(1)
            )
            if found is not None:
                return found
        return None

    async def _keep_parts(self, row: InboundEmail, parsed: ParsedEmail) -> None:
        """A reply's attachments (a signed act, a guarantee letter), kept by content for its document."""
        kept: list[dict[str, Any]] = []
        for part in parsed.attachments:
            try:
                checked = check_document(part.content, self.max_file_bytes)
            except FieldError as exc:
                kept.append({"filename": part.filename, "problem": exc.reason})
                continue
            key = f"mailbox/parts/{hashlib.sha256(part.content).hexdigest()}.{checked.extension}"
            self._put(key, part.content, checked.content_type)
            kept.append(
                {
                    "filename": part.filename,
                    "content_type": checked.content_type,
                    "size": len(part.content),
                    "key": key,
                }
            )
        row.parts = kept

    async def _failed(self, row: InboundEmail) -> None:
        owner = Owner(await self._fallback(), "", TaskSubject.NONE, None)
        row.task_id = await self._task(
            owner,
            "Письмо из общей почты не прочитано",
            f"Письмо (папка {row.folder}, UID {row.uid}, {row.size} байт) не разобрано: {row.outcome}. "
            "Его нужно открыть в почте и разобрать вручную.",
        )
