"""Outbound messages: written in the business transaction, delivered by the worker after commit.

Delivery is three short steps, none holding a transaction across the outside call: claim the row
(status ``sending``), send, record the result. A row claimed by a worker that died is taken again
after ``stuck_after``; an email keeps its Message-ID across attempts so receivers can tell a repeat.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update

from app.core.errors import FieldError
from app.models.clients import Client
from app.models.collection import CollectionCase
from app.models.invoices import Invoice
from app.models.orders import Order
from app.models.outbox import MessageAbout, OutboundKind, OutboundMessage, OutboundStatus
from app.models.proposals import Proposal
from app.models.reconciliations import ReconciliationAct
from app.models.reports import DailyReport
from app.models.specs import Spec
from app.models.tasks import Task
from app.services.kernel.jobs import JobKind
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.permissions import Permission, has
from app.services.kernel.scope import Scope
from app.services.kernel.unit_of_work import UnitOfWork

DELIVER_JOB = JobKind("deliver_outbound", "outbound")
# Backoff between attempts: 1, 2, 4, ... minutes, capped at an hour.
MAX_BACKOFF = timedelta(hours=1)


def job_id(message_id: int, attempts: int) -> str:
    return DELIVER_JOB.run_id(message_id, attempts)


@dataclass(frozen=True)
class NewMessage:
    """A message to record, as ``OutboxService.add`` takes it."""

    kind: OutboundKind
    channel: str
    recipient: str
    body: str
    dedupe_key: str
    subject: str | None = None
    payload: dict[str, object] | None = None
    about: tuple[MessageAbout, int] | None = None  # its subject: who may read it follows that


class OutboxService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def add(
        self,
        *,
        kind: OutboundKind,
        channel: str,
        recipient: str,
        body: str,
        dedupe_key: str,
        subject: str | None = None,
        payload: dict[str, object] | None = None,
        about: tuple[MessageAbout, int] | None = None,
    ) -> tuple[OutboundMessage, bool]:
        """Record a message to send once; the same dedupe key never makes a second message.

        Returns the message and whether this call created it."""
        (added,) = await self.add_many(
            [NewMessage(kind, channel, recipient, body, dedupe_key, subject, payload, about)]
        )
        return added

    async def add_many(self, drafts: Sequence[NewMessage]) -> list[tuple[OutboundMessage, bool]]:
        """``add`` for many messages in one query and one flush: each with whether it was created."""
        if not drafts:
            return []
        keys = {d.dedupe_key for d in drafts}
        existing = {
            m.dedupe_key: m
            for m in await self.uow.session.scalars(
                select(OutboundMessage).where(OutboundMessage.dedupe_key.in_(sorted(keys)))
            )
        }
        now = self.uow.clock.now()
        made: dict[str, OutboundMessage] = {}
        for d in drafts:
            if d.dedupe_key in existing or d.dedupe_key in made:
                continue
            made[d.dedupe_key] = OutboundMessage(
                dedupe_key=d.dedupe_key,
                kind=d.kind,
                channel=d.channel,
                recipient=d.recipient,
                subject=d.subject,
                body=d.body,
                payload=d.payload or {},
                about=d.about[0] if d.about else None,
                about_id=d.about[1] if d.about else None,
                status=OutboundStatus.PENDING,
                attempts=0,
                request_id=self.uow.request_id,
                created_at=now,
                next_attempt_at=now,
            )
        if made:
            self.uow.session.add_all(made.values())
            await self.uow.session.flush()
            for message in made.values():
                self.uow.after_commit(DELIVER_JOB, message.id, 0)
        # A key given twice is created by its first draft only.
        fresh = set(made)
        result: list[tuple[OutboundMessage, bool]] = []
        for d in drafts:
            key = d.dedupe_key
            result.append((existing.get(key) or made[key], key in fresh))
            fresh.discard(key)
        return result

    async def due(self, batch: int, stuck_after: timedelta) -> Sequence[tuple[int, int]]:
        """(id, attempts) of messages to (re)try now: pending and due, or claimed by a dead worker."""
        now = self.uow.clock.now()
        query = (
            select(OutboundMessage.id, OutboundMessage.attempts)
            .where(
                or_(
                    (OutboundMessage.status == OutboundStatus.PENDING)
                    & (OutboundMessage.next_attempt_at <= now),
                    (OutboundMessage.status == OutboundStatus.SENDING)
                    & (OutboundMessage.next_attempt_at <= now - stuck_after),
                )
            )
            .order_by(OutboundMessage.next_attempt_at)
            .limit(batch)
        )
        return [(row.id, row.attempts) for row in await self.uow.session.execute(query)]

    async def claim(self, message_id: int, stuck_after: timedelta) -> OutboundMessage | None:
        """Take the row for sending; None when it is sent, failed for good, or another worker has it."""
        now = self.uow.clock.now()
        result = await self.uow.session.execute(
            update(OutboundMessage)
            .where(
                OutboundMessage.id == message_id,
                or_(
                    OutboundMessage.status == OutboundStatus.PENDING,
                    (OutboundMessage.status == OutboundStatus.SENDING)
                    & (OutboundMessage.next_attempt_at <= now - stuck_after),
                ),
            )
            .values(status=OutboundStatus.SENDING, attempts=OutboundMessage.attempts + 1, next_attempt_at=now)
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.uow.session.get(OutboundMessage, message_id, populate_existing=True)

    async def mark_sent(self, message_id: int, external_id: str | None) -> None:
        await self.uow.session.execute(
            update(OutboundMessage)
            .where(OutboundMessage.id == message_id)
            .values(
                status=OutboundStatus.SENT,
                sent_at=self.uow.clock.now(),
                external_id=external_id,
                last_error=None,
            )
        )

    async def mark_failed(
        self, message_id: int, error: str, *, permanent: bool, retry_after: float | None, max_attempts: int
    ) -> datetime | None:
        """Record a failed attempt; returns when to try again, or None when it is given up."""
        message = await self.uow.session.get(OutboundMessage, message_id, populate_existing=True)
        if message is None:
            return None
        now = self.uow.clock.now()
        if permanent or message.attempts >= max_attempts:
            message.status = OutboundStatus.FAILED
            message.last_error = error[:2000]
            return None
        backoff = min(timedelta(minutes=2 ** max(message.attempts - 1, 0)), MAX_BACKOFF)
        if retry_after is not None:
            backoff = max(backoff, timedelta(seconds=retry_after))
        message.status = OutboundStatus.PENDING
        message.last_error = error[:2000]
        message.next_attempt_at = now + backoff
        return message.next_attempt_at

    def mark_undelivered(self, message: OutboundMessage, reason: str) -> None:
        """A message the server took that came back undelivered (a bounce): failed, with why."""
        message.status = OutboundStatus.FAILED
        message.last_error = reason[:2000]

    async def page(
        self,
        *,
        kind: OutboundKind | None,
        channel: str | None,
        status: OutboundStatus | None,
        cursor: str | None,
        limit: int,
    ) -> Page[OutboundMessage]:
        query = self._readable(select(OutboundMessage))
        if kind is not None:
            query = query.where(OutboundMessage.kind == kind)
        if channel is not None:
            query = query.where(OutboundMessage.channel == channel)
        if status is not None:
            query = query.where(OutboundMessage.status == status)
        return await newest_first(self.uow.session, query, OutboundMessage.id, cursor, limit)

    def _readable(self, query: Select[Any]) -> Select[Any]:
        """The messages the actor may read: who may read one follows what it is about (the
        subject's permission and department), not access to the chats. A message about no subject
        is a post to a work chat; an e-mail recorded before subjects were kept is read only by
        whoever reads every client (it may be a debt's)."""
        actor = self.uow.actor
        if actor is None:
            return query
        scope = Scope(self.uow)
        about, ident = OutboundMessage.about, OutboundMessage.about_id

        def of(kind: MessageAbout, visible: Select[Any]) -> ColumnElement[bool]:
            return (about == kind) & ident.in_(visible)

        def clients_of(row_id: Any, client_id: Any) -> Select[Any]:
            return select(row_id).where(client_id.in_(scope.clients(select(Client.id))))

        allowed: list[ColumnElement[bool]] = [about.is_(None) & (OutboundMessage.kind == OutboundKind.CHAT)]
        if has(actor, Permission.CLIENTS_READ_ALL):
            allowed.append(about.is_(None))
        if has(actor, Permission.ORDERS_READ):
            allowed.append(of(MessageAbout.ORDER, scope.orders(select(Order.id))))
            allowed.append(of(MessageAbout.INVOICE, scope.invoices(select(Invoice.id))))
        if has(actor, Permission.PROPOSALS_READ):
            allowed.append(of(MessageAbout.PROPOSAL, scope.proposals(select(Proposal.id))))
        if has(actor, Permission.SPECS_READ):
            allowed.append(of(MessageAbout.SPEC, scope.specs(select(Spec.id))))
        if has(actor, Permission.COLLECTION_READ):
            allowed.append(
                of(MessageAbout.COLLECTION_CASE, clients_of(CollectionCase.id, CollectionCase.client_id))
            )
        if has(actor, Permission.CLIENTS_READ):
            allowed.append(
                of(
                    MessageAbout.RECONCILIATION_ACT,
                    clients_of(ReconciliationAct.id, ReconciliationAct.client_id),
                )
            )
        tasks = select(Task.id)
        if not has(actor, Permission.TASKS_READ_ALL):
            tasks = tasks.where(Task.assignee_id == actor.id)
        allowed.append(of(MessageAbout.TASK, tasks))
        reports = select(DailyReport.id)
        if not has(actor, Permission.REPORTS_READ_ALL):
            reports = reports.where(
                (DailyReport.employee_id == actor.id) | (DailyReport.manager_id == actor.id)
            )
        allowed.append(of(MessageAbout.DAILY_REPORT, reports))
        return query.where(or_(*allowed))

    @staticmethod
    def check_channel(channel: str, known: dict[str, str]) -> None:
        if channel != "personal" and channel not in known:
            raise FieldError("channel", f"unknown channel; known: {', '.join(sorted(known))}")
