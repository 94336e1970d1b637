"""Reconciliation acts (process 4, step 10): scheduled by the regulation's rule, generated from the
ledger, e-mailed with the act as a PDF, and tracked until the client signs it or names a
discrepancy. A signed act acknowledges the debt, so each unpaid invoice's limitation period starts
again from the day it was signed (Civil Code art. 203)."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

from sqlalchemy import exists, func, select, union

from app.core.config import CompanySettings
from app.core.errors import Conflict, FieldError, NotFound
from app.models.clients import Client, ClientContact, ContactLevel
from app.models.invoices import Invoice, InvoiceStatus, receivable
from app.models.outbox import MessageAbout, OutboundKind
from app.models.payments import Payment
from app.models.reconciliations import (
    AcknowledgementSource,
    ActPeriodicity,
    ActStatus,
    DebtAcknowledgement,
    ReconciliationAct,
    SweepMark,
)
from app.models.tasks import TaskKind, TaskSubject
from app.schemas.reconciliations import ActCreate, ActDiscrepancy, ActSend, ActSign
from app.services.directory.clients import ClientService
from app.services.directory.tasks import TaskService
from app.services.documents.company import CompanyRequisites
from app.services.documents.reconciliation import (
    ActEntryView,
    ActParty,
    ActView,
    render_act_pdf,
)
from app.services.kernel.common import ensure_version
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.outbox import OutboxService
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.state_machine import StateMachine
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.receivables.ledger import Ledger, LedgerService, check_period

# The regulation, process 4, step 10: «Периодичность рассылки актов зависит от количества документов
# в месяц по клиенту. От 10 документов в месяц — ежемесячно. Запрашивать ежеквартальные акты сверки
# у всех клиентов.» The documents counted are the sales documents of the month (approved invoices).
MONTHLY_FROM_DOCUMENTS = 10
SCHEDULE_MARK = "reconciliation_acts"
# After sending: the assistant follows up for the signed act within this many working days.
SIGNED_ACT_WORKING_DAYS = 5
# The contact an act goes to: the client's chief accountant first, then up the ladder.
RECIPIENT_LEVELS = (
    ContactLevel.CHIEF_ACCOUNTANT,
    ContactLevel.DIRECTOR,
    ContactLevel.DEPUTY_DIRECTOR,
    ContactLevel.SPECIALIST,
    ContactLevel.BUYER,
)

TRANSITIONS: dict[str, tuple[frozenset[ActStatus], ActStatus]] = {
    "send": (frozenset({ActStatus.DRAFT, ActStatus.DISCREPANCY}), ActStatus.SENT),
    "sign": (frozenset({ActStatus.SENT, ActStatus.DISCREPANCY}), ActStatus.SIGNED),
    "discrepancy": (frozenset({ActStatus.SENT}), ActStatus.DISCREPANCY),
}


ACTIONS = StateMachine("reconciliation act", TRANSITIONS, kind="reconciliation_act")


def act_actions(status: ActStatus) -> list[str]:
    return ACTIONS.allowed(status)


def last_month(today: date) -> tuple[date, date]:
    end = today.replace(day=1) - timedelta(days=1)
    return end.replace(day=1), end


def last_quarter(today: date) -> tuple[date, date]:
    first_month = 3 * ((today.month - 1) // 3) + 1
    end = today.replace(month=first_month, day=1) - timedelta(days=1)
    return end.replace(month=end.month - 2, day=1), end


class ReconciliationService:
    def __init__(self, uow: UnitOfWork, company: CompanySettings) -> None:
        self.uow = uow
        self.company = company
        self.history = HistoryService(uow)

    def _today(self) -> date:
        return self.uow.calendar.local_date(self.uow.clock.now())

    # --- reading ---------------------------------------------------------------------------------

    async def get(self, act_id: int) -> ReconciliationAct:
        act = await self.uow.session.get(ReconciliationAct, act_id)
        if act is None:
            raise NotFound("reconciliation act", act_id)
        await ClientService(self.uow).get(act.client_id)  # visible only with its client
        return act

    async def page(
        self, *, client_id: int | None, status: ActStatus | None, cursor: str | None, limit: int
    ) -> Page[ReconciliationAct]:
        query = await ClientService(self.uow).of_clients(
            select(ReconciliationAct), ReconciliationAct.client_id, client_id
        )
        if status is not None:
            query = query.where(ReconciliationAct.status == status)
        return await newest_first(self.uow.session, query, ReconciliationAct.id, cursor, limit)

    async def ledger(self, client_id: int, start: date | None, end: date | None) -> Ledger:
        """The client's settlements for a period (by default the current quarter so far)."""
        client = await ClientService(self.uow).get(client_id)
        today = self._today()
        end = end or today
        start = start or end.replace(month=3 * ((end.month - 1) // 3) + 1, day=1)
        check_period(start, end, today)
        return await LedgerService(self.uow).ledger(client.id, start, end)

    async def pdf(self, act_id: int) -> tuple[ReconciliationAct, bytes]:
        act = await self.get(act_id)
        return act, await self.uow.renderer.render_large(render_act_pdf, ActView.from_json(act.view))

    # --- making and sending ----------------------------------------------------------------------

    async def create(self, data: ActCreate) -> ReconciliationAct:
        """An act for any period, asked for by hand; sent at once when an address is known."""
        client = await ClientService(self.uow).get(data.client_id)
        check_period(data.date_from, data.date_to, self._today(), max_days=None)
        existing = await self.uow.session.scalar(
            select(ReconciliationAct.id).where(
                ReconciliationAct.client_id == client.id,
                ReconciliationAct.period_start == data.date_from,
                ReconciliationAct.period_end == data.date_to,
            )
        )
        if existing is not None:
            raise Conflict(f"the client already has act {existing} for this period", act_id=existing)
        act = await self._generate(client, ActPeriodicity.REQUESTED, data.date_from, data.date_to)
        recipient = data.email or await self._contact_email(client.id)
        if recipient is not None:
            await self._send(act, client, recipient)
        return act

    async def send(self, act_id: int, data: ActSend, if_match: int | None) -> ReconciliationAct:
        """Send a draft, or send again after a discrepancy (made again from the ledger as it is now)."""
        act = await self._for(act_id, "send", if_match)
        client = await ClientService(self.uow).get(act.client_id)
        recipient = data.email or await self._contact_email(client.id)
        if recipient is None:
            raise FieldError("email", "the client has no contact with an e-mail; give the address")
        if act.status == ActStatus.DISCREPANCY:
            await self._regenerate(act, client)
        await self._send(act, client, recipient)
        return act

    async def sign(self, act_id: int, data: ActSign, if_match: int | None) -> ReconciliationAct:
        """The client signed the act: an acknowledgement of the debt it shows. Every unpaid invoice
        of the period or before it has its limitation period start again from the signing day."""
        act = await self._for(act_id, "sign", if_match)
        today = self._today()
        if data.signed_on > today:
            raise FieldError("signed_on", f"is after today ({today.isoformat()})")
        made = self.uow.calendar.local_date(act.created_at)
        if data.signed_on < made:
            raise FieldError("signed_on", f"is before the act was made ({made.isoformat()})")
        act.signed_on = data.signed_on
        acknowledged: list[int] = []
        if act.closing_balance > 0:
            acknowledged = list(
                await self.uow.session.scalars(
                    select(Invoice.id)
                    .where(
                        Invoice.client_id == act.client_id,
                        receivable(),
                        Invoice.shipped_on <= act.period_end,
                    )
                    .order_by(Invoice.id)
                )
            )
            now = self.uow.clock.now()
            for invoice_id in acknowledged:
                self.uow.session.add(
                    DebtAcknowledgement(
                        invoice_id=invoice_id,
                        acknowledged_on=data.signed_on,
                        source=AcknowledgementSource.RECONCILIATION_ACT,
                        source_id=act.id,
                        created_at=now,
                    )
                )
        await ACTIONS.take(
            act,
            "sign",
            self.history,
            {
                "signed_on": data.signed_on.isoformat(),
                "note": data.note,
                "acknowledged_invoices": acknowledged,
            },
        )
        return act

    async def discrepancy(self, act_id: int, data: ActDiscrepancy, if_match: int | None) -> ReconciliationAct:
        """The client's figures differ: the notes are kept and the assistant gets a task to settle
        them (the act is then sent again or signed as it is)."""
        act = await self._for(act_id, "discrepancy", if_match)
        act.discrepancy_notes = data.notes
        await ACTIONS.take(act, "discrepancy", self.history, {"notes": data.notes})
        client = await ClientService(self.uow).get_for_system(act.client_id)
        await self._task(
            client,
            TaskKind.CHECK,
            f"Расхождения в акте сверки № {act.id} с «{client.name}»",
            f"Клиент указал расхождения: {data.notes}\nСверить документы, исправить учёт или "
            "получить подписанный акт.",
        )
        return act

    # --- the sweep's part -------------------------------------------------------------------------

    async def schedule_due(self, batch: int) -> int:
        """Make the acts the regulation asks for, once each: for the last month to every client with
        ten or more documents in it, and for the last quarter to every client with a movement in it
        or a debt. Each is sent when the client has a contact e-mail; otherwise its assistant gets a
        task to send it. A run that leaves nothing undone marks the day, and the day's later runs
        skip the queries: an act falls due with a new period, so with a new day (a movement dated
        back into the last period is taken the next day)."""
        today = self._today()
        mark = await self.uow.session.get(SweepMark, SCHEDULE_MARK)
        if mark is not None and mark.done_on == today:
            return 0
        made = 0
        month_start, month_end = last_month(today)
        monthly = (
            select(Invoice.client_id)
            .where(
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.shipped_on >= month_start,
                Invoice.shipped_on <= month_end,
            )
            .group_by(Invoice.client_id)
            .having(func.count() >= MONTHLY_FROM_DOCUMENTS)
        )
        made += await self._schedule(monthly, ActPeriodicity.MONTHLY, month_start, month_end, batch)
        quarter_start, quarter_end = last_quarter(today)
        moved = union(
            select(Invoice.client_id.label("client_id")).where(
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.shipped_on >= quarter_start,
                Invoice.shipped_on <= quarter_end,
            ),
            select(Payment.client_id.label("client_id")).where(
                Payment.paid_on >= quarter_start, Payment.paid_on <= quarter_end
            ),
            select(Invoice.client_id.label("client_id")).where(
                receivable(),
                Invoice.shipped_on <= quarter_end,
            ),
        ).subquery()
        quarterly = select(moved.c.client_id)
        made += await self._schedule(
            quarterly, ActPeriodicity.QUARTERLY, quarter_start, quarter_end, max(batch - made, 0)
        )
        if made < batch:
            if mark is None:
                self.uow.session.add(SweepMark(name=SCHEDULE_MARK, done_on=today))
            else:
                mark.done_on = today
        return made

    async def _schedule(
        self, candidates: Any, periodicity: ActPeriodicity, start: date, end: date, batch: int
    ) -> int:
        if batch <= 0:
            return 0
        candidates = candidates.subquery()
        has_act = exists().where(
            ReconciliationAct.client_id == candidates.c.client_id,
            ReconciliationAct.period_start == start,
            ReconciliationAct.period_end == end,
        )
        client_ids = list(
            await self.uow.session.scalars(
                select(candidates.c.client_id).where(~has_act).order_by(candidates.c.client_id).limit(batch)
            )
        )
        if not client_ids:
            return 0
        clients = (await self.uow.session.scalars(select(Client).where(Client.id.in_(client_ids)))).all()
        emails = await self._contact_emails(client_ids)
        for client in sorted(clients, key=lambda c: c.id):
            act = await self._generate(client, periodicity, start, end)
            recipient = emails.get(client.id)
            if recipient is not None:
                await self._send(act, client, recipient)
            else:
                await self._task(
                    client,
                    TaskKind.SEND_DOCUMENT,
                    f"Отправить акт сверки № {act.id} клиенту «{client.name}»",
                    f"Акт сверки за {start:%d.%m.%Y}–{end:%d.%m.%Y} готов, но у клиента нет контакта с "
                    "e-mail. Узнать адрес и отправить акт.",
                )
        return len(client_ids)

    # --- helpers -----------------------------------------------------------------------------------

    async def _generate(
        self, client: Client, periodicity: ActPeriodicity, start: date, end: date
    ) -> ReconciliationAct:
        ledger = await LedgerService(self.uow).ledger(client.id, start, end)
        now = self.uow.clock.now()
        act = ReconciliationAct(
            client_id=client.id,
            periodicity=periodicity,
            period_start=start,
            period_end=end,
            status=ActStatus.DRAFT,
            revision=1,
            opening_balance=ledger.opening,
            debit_total=ledger.debit_total,
            credit_total=ledger.credit_total,
            closing_balance=ledger.closing,
            view={},
            created_by_id=self.uow.actor.id if self.uow.actor else None,
            created_at=now,
            updated_at=now,
        )
        self.uow.session.add(act)
        await self.uow.session.flush()
        act.view = self._view(act, client, ledger).to_json()
        self.history.record(
            "reconciliation_act",
            act.id,
            "generated",
            None,
            {k: v for k, v in snapshot(act).items() if k != "view"},
        )
        return act

    async def _regenerate(self, act: ReconciliationAct, client: Client) -> None:
        ledger = await LedgerService(self.uow).ledger(client.id, act.period_start, act.period_end)
        act.revision += 1
        act.opening_balance = ledger.opening
        act.debit_total = ledger.debit_total
        act.credit_total = ledger.credit_total
        act.closing_balance = ledger.closing
        act.view = self._view(act, client, ledger).to_json()

    def _view(self, act: ReconciliationAct, client: Client, ledger: Ledger) -> ActView:
        company = self.company
        entries = tuple(
            ActEntryView(
                number=index,
                on=entry.on,
                document=(
                    f"Продажа (отгрузка {entry.on:%d.%m.%Y}, счёт № {entry.number})"
                    if entry.kind == "invoice"
                    else f"Оплата ({entry.number} от {entry.on:%d.%m.%Y})"
                ),
                debit=entry.debit,
                credit=entry.credit,
            )
            for index, entry in enumerate(ledger.entries, start=1)
        )
        number = f"{act.id}" if act.revision == 1 else f"{act.id}/{act.revision}"
        return ActView(
            company=CompanyRequisites.of(company),
            client=ActParty(name=client.name, inn=client.inn, kpp=client.kpp, address=client.legal_address),
            number=number,
            issued_on=self._today(),
            period_start=ledger.start,
            period_end=ledger.end,
            opening=ledger.opening,
            entries=entries,
            debit_total=ledger.debit_total,
            credit_total=ledger.credit_total,
            closing=ledger.closing,
        )

    async def _send(self, act: ReconciliationAct, client: Client, recipient: str) -> None:
        """The e-mail with the act as it is now; it carries that view, so it is sent as made."""
        view = ActView.from_json(act.view)
        balance = (
            f"задолженность в вашу пользу {format_rub(-view.closing)} руб."
            if view.closing < 0
            else f"ваша задолженность {format_rub(view.closing)} руб."
            if view.closing > 0
            else "задолженность отсутствует."
        )
        message, _ = await OutboxService(self.uow).add(
            kind=OutboundKind.EMAIL,
            channel="email",
            recipient=recipient,
            subject=f"Акт сверки № {view.number} за {view.period_start:%d.%m.%Y}–{view.period_end:%d.%m.%Y}"
            f" — {self.company.name}",
            body=(
                "Добрый день!\n\n"
                f"Направляем акт сверки взаимных расчётов между {self.company.name} и {client.name} "
                f"за период с {view.period_start:%d.%m.%Y} по {view.period_end:%d.%m.%Y}. "
                f"По нашим данным на {view.period_end:%d.%m.%Y} {balance}\n\n"
                "Просим проверить, подписать и вернуть скан акта ответным письмом. Если ваши данные "
                "расходятся с нашими, укажите расхождения в акте.\n\n"
                f"С уважением,\n{self.company.name}\n{self.company.phone}"
            ),
            dedupe_key=f"reconciliation-act:{act.id}:r{act.revision}",
            about=(MessageAbout.RECONCILIATION_ACT, act.id),
            payload={
                "attachments": [
                    {"kind": "reconciliation_act_pdf", "act_id": act.id, "view": act.view},
                ]
            },
        )
        act.recipient = recipient
        act.sent_at = self.uow.clock.now()
        act.outbound_id = message.id
        await ACTIONS.take(act, "send", self.history, {"recipient": recipient, "revision": act.revision})
        await self._task(
            client,
            TaskKind.REQUEST_DOCUMENT,
            f"Получить подписанный акт сверки № {view.number} от «{client.name}»",
            f"Акт отправлен на {recipient}. Получить подписанный клиентом акт или его расхождения "
            "и отметить результат.",
            working_days=SIGNED_ACT_WORKING_DAYS,
        )

    async def _contact_emails(self, client_ids: list[int]) -> dict[int, str]:
        rows = (
            await self.uow.session.execute(
                select(ClientContact.client_id, ClientContact.level, ClientContact.emails)
                .where(ClientContact.client_id.in_(client_ids))
                .order_by(ClientContact.id)
            )
        ).all()
        rank = {level: index for index, level in enumerate(RECIPIENT_LEVELS)}
        best: dict[int, tuple[int, str]] = {}
        for client_id, level, emails in rows:
            if not emails:
                continue
            candidate = (rank.get(level, len(rank)), emails[0])
            if client_id not in best or candidate[0] < best[client_id][0]:
                best[client_id] = candidate
        return {client_id: email for client_id, (_, email) in best.items()}

    async def _contact_email(self, client_id: int) -> str | None:
        return (await self._contact_emails([client_id])).get(client_id)

    async def _task(
        self,
        client: Client,
        kind: TaskKind,
        title: str,
        description: str,
        working_days: int = 1,
    ) -> None:
        assignee = client.assistant_id or client.manager_id
        if assignee is None:
            return
        await TaskService(self.uow).add(
            kind=kind,
            title=title[:300],
            description=description,
            assignee_id=assignee,
            due_at=self.uow.calendar.due_after(self.uow.clock.now(), working_days, time(18, 0)),
            subject_type=TaskSubject.CLIENT,
            subject_id=client.id,
        )

    async def _for(self, act_id: int, action: str, if_match: int | None) -> ReconciliationAct:
        act = await self.get(act_id)
        ensure_version(act, if_match, "reconciliation act")
        ACTIONS.check(act.status, action)
        return act
