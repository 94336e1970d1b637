"""Payments and the regulation's steps around each invoice's due date (process 4, steps 1–3).

A payment (from 1C, or entered by an accountant) is allocated to the client's approved invoices:
as the accountant says, or the oldest due first. More than is owed is refused unless the rest is
kept on purpose as an advance. For every approved invoice that is not paid, the sweep makes the
regulation's tasks once each: a week before the due date — check the signed documents and ask
for a signed reconciliation act; the day before — call to confirm the payment; the day after, if
still unpaid — call to find out why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import selectinload

from app.core.errors import FieldError, NotFound
from app.models.clients import Client
from app.models.invoices import Invoice, InvoiceStatus
from app.models.orders import Order
from app.models.payments import InvoiceReminder, Payment, PaymentAllocation, PaymentSource, ReminderStep
from app.models.tasks import TaskKind, TaskStatus, TaskSubject
from app.schemas.common import visible
from app.schemas.payments import PaymentCreate
from app.services.directory.clients import ClientService
from app.services.directory.tasks import NewTask, TaskService
from app.services.kernel.common import touch, within_window
from app.services.kernel.history import HistoryService, snapshot
from app.services.kernel.pagination import Page, newest_first
from app.services.kernel.ports import ErpPayment
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub
from app.services.receivables.collection import CollectionService

ZERO = Decimal(0)
# How old a payment's date may be: the limitation period (three years) with room for a late import.
PAYMENT_DATES_BACK = timedelta(days=5 * 366)


class PaymentService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.history = HistoryService(uow)

    async def _client(self, client_id: int) -> Client:
        if self.uow.actor is not None:
            return await ClientService(self.uow).get(client_id)  # the caller must see the client
        client = await self.uow.session.get(Client, client_id)
        if client is None:
            raise FieldError("client_id", f"client {client_id} does not exist")
        return client

    async def open_invoices(self, client_id: int) -> list[Invoice]:
        """The client's approved invoices with something owed, the oldest due first; locked
        (PostgreSQL) so two payments recorded at once cannot both take the same debt."""
        query = (
            select(Invoice)
            .where(
                Invoice.client_id == client_id,
                Invoice.status == InvoiceStatus.APPROVED,
                Invoice.paid_total < Invoice.total,
            )
            # Goods not shipped on a deferment have no due date yet: they come after every debt.
            .order_by(Invoice.due_on.is_(None), Invoice.due_on, Invoice.issued_on, Invoice.id)
            .with_for_update()
        )
        return list((await self.uow.session.scalars(query)).all())

    async def record(
        self,
        data: PaymentCreate,
        *,
        source: PaymentSource = PaymentSource.MANUAL,
        external_id: str | None = None,
    ) -> Payment:
        if external_id is not None:
            known = await self._by_external(source, external_id)
            if known is not None:
                return known  # the same 1C document imported again
        today = self.uow.calendar.local_date(self.uow.clock.now())
        if data.paid_on > today:
            raise FieldError("paid_on", f"is after today ({today}): money that has not come yet")
        if source == PaymentSource.MANUAL:  # 1C's own history may go back further
            within_window(data.paid_on, "paid_on", today, back=PAYMENT_DATES_BACK, ahead=timedelta(0))
        client = await self._client(data.client_id)
        invoices = await self.open_invoices(client.id)
        owed = sum((i.outstanding for i in invoices), ZERO)
        explicit = data.allocations is not None
        plan = self._explicit(data, invoices) if explicit else self._oldest_first(data, invoices)
        allocated = sum((amount for _, amount in plan), ZERO)
        rest = data.amount - allocated
        if rest > 0 and not data.keep_overpayment:
            if explicit:
                raise FieldError(
                    "allocations",
                    f"allocate all {format_rub(data.amount)} (now {format_rub(allocated)}) "
                    "or set keep_overpayment to keep the rest as an advance",
                )
            raise FieldError(
                "amount",
                f"exceeds what the client owes ({format_rub(owed)}) by {format_rub(rest)}; "
                "set keep_overpayment to keep it as an advance",
                code="overpayment",
            )
        now = self.uow.clock.now()
        payment = Payment(
            client_id=client.id,
            amount=data.amount,
            paid_on=data.paid_on,
            source=source,
            external_id=external_id,
            reference=data.reference,
            unallocated=rest,
            recorded_by_id=self.uow.actor.id if self.uow.actor else None,
            comment=data.comment,
            created_at=now,
            allocations=[PaymentAllocation(invoice_id=i.id, amount=amount) for i, amount in plan],
        )
        self.uow.session.add(payment)
        for invoice, amount in plan:
            invoice.paid_total += amount
            if invoice.outstanding == 0:
                invoice.paid_at = now
            touch(invoice, self.uow)
        await self.uow.session.flush()
        await self._end_reminders([invoice for invoice, _ in plan if invoice.outstanding == 0], payment)
        for invoice, amount in plan:
            self.history.record(
                "invoice",
                invoice.id,
                "paid" if invoice.outstanding == 0 else "partly_paid",
                None,
                {"payment_id": payment.id, "amount": str(amount), "outstanding": str(invoice.outstanding)},
            )
        self.history.record(
            "payment",
            payment.id,
            "recorded",
            None,
            snapshot(payment) | {"allocations": [snapshot(a) for a in payment.allocations]},
        )
        await CollectionService(self.uow).on_payment(client.id, payment)
        return payment

    async def _end_reminders(self, paid: list[Invoice], payment: Payment) -> None:
        """A paid invoice's reminder tasks (check the documents, the call to confirm the payment, the
        call for the reason) have nothing left to ask: the payment closes them."""
        if not paid:
            return
        task_ids = select(InvoiceReminder.task_id).where(
            InvoiceReminder.invoice_id.in_([i.id for i in paid]), InvoiceReminder.task_id.is_not(None)
        )
        await TaskService(self.uow).end_ids(
            task_ids, TaskStatus.DONE, f"Счёт оплачен: платёж № {payment.id} от {payment.paid_on:%d.%m.%Y}"
        )

    async def import_from_erp(self, payments: list[ErpPayment]) -> tuple[int, list[str]]:
        """1C's payments: each recorded once (its 1C id), allocated oldest first; money that came
        is kept even beyond the debt. Returns how many were new, and the 1C ids of payments whose
        counterparty matches no client (left for an accountant)."""
        new, unmatched = 0, []
        for entry in payments:
            if await self._by_external(PaymentSource.ONEC, entry.id) is not None:
                continue
            client_id = await self.uow.session.scalar(
                select(Client.id)
                .where(
                    (Client.onec_id == entry.counterparty_id)
                    | (
                        Client.onec_id.is_(None)
                        & Client.inn.in_(
                            {entry.counterparty_id, entry.counterparty_inn or entry.counterparty_id}
                        )
                    )
                )
                .order_by(Client.id)
                .limit(1)
            )
            if client_id is None or entry.amount <= 0:
                unmatched.append(entry.id)
                continue
            data = PaymentCreate(
                client_id=client_id,
                amount=entry.amount,
                paid_on=entry.paid_on,
                reference=visible(entry.purpose or "")[:300] or None,
                keep_overpayment=True,
            )
            await self.record(data, source=PaymentSource.ONEC, external_id=entry.id)
            new += 1
        return new, unmatched

    @staticmethod
    def _explicit(data: PaymentCreate, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
        by_id = {i.id: i for i in invoices}
        plan: list[tuple[Invoice, Decimal]] = []
        for index, allocation in enumerate(data.allocations or []):
            invoice = by_id.get(allocation.invoice_id)
            if invoice is None:
                raise FieldError(
                    f"allocations.{index}.invoice_id",
                    f"invoice {allocation.invoice_id} is not an approved, unpaid invoice of this client",
                )
            if allocation.amount > invoice.outstanding:
                raise FieldError(
                    f"allocations.{index}.amount",
                    f"invoice {invoice.number} is owed {format_rub(invoice.outstanding)}",
                )
            plan.append((invoice, allocation.amount))
        total = sum((amount for _, amount in plan), ZERO)
        if total > data.amount:
            raise FieldError(
                "allocations", f"allocates {format_rub(total)} of a payment of {format_rub(data.amount)}"
            )
        return plan

    @staticmethod
    def _oldest_first(data: PaymentCreate, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
        left = data.amount
        plan: list[tuple[Invoice, Decimal]] = []
        for invoice in invoices:
            if left <= 0:
                break
            amount = min(left, invoice.outstanding)
            plan.append((invoice, amount))
            left -= amount
        return plan

    async def _by_external(self, source: PaymentSource, external_id: str) -> Payment | None:
        found: Payment | None = await self.uow.session.scalar(
            select(Payment)
            .options(selectinload(Payment.allocations))
            .where(Payment.source == source, Payment.external_id == external_id)
        )
        return found

    async def get(self, payment_id: int) -> Payment:
        payment: Payment | None = await self.uow.session.scalar(
            select(Payment).options(selectinload(Payment.allocations)).where(Payment.id == payment_id)
        )
        if payment is None:
            raise NotFound("payment", payment_id)
        await ClientService(self.uow).get(payment.client_id)  # visible only with its client
        return payment

    async def page(
        self,
        *,
        client_id: int | None,
        cursor: str | None,
        limit: int,
        paid_from: date | None = None,
        paid_to: date | None = None,
    ) -> Page[Payment]:
        if paid_from is not None and paid_to is not None and paid_to < paid_from:
            raise FieldError("query.paid_to", "is before paid_from")
        query = await ClientService(self.uow).of_clients(
            select(Payment).options(selectinload(Payment.allocations)), Payment.client_id, client_id
        )
        if paid_from is not None:
            query = query.where(Payment.paid_on >= paid_from)
        if paid_to is not None:
            query = query.where(Payment.paid_on <= paid_to)
        return await newest_first(self.uow.session, query, Payment.id, cursor, limit)


@dataclass(frozen=True)
class _Step:
    step: ReminderStep
    kind: TaskKind
    # The step is due from (due_on + start) and makes sense until (due_on + until), calendar days.
    start: int
    until: int
    # Only for a debt (goods shipped): checking the signed shipping documents and the act.
    shipped_only: bool = False


# Steps before the due date are made this many days early, so that a call due on the working day
# before a long holiday is on the list in time; the task itself is due on its working day.
LEAD_DAYS = 10

# The call after the due date is made within a month of it: an invoice that falls unpaid later (a
# payment returned, an approval after the due date) is the collection case's, which every overdue
# invoice joins; and the sweep does not look at years of settled history every minute.
DAY_AFTER_UNTIL = 30

STEPS = (
    _Step(ReminderStep.WEEK_BEFORE, TaskKind.REQUEST_DOCUMENT, -7, -1, shipped_only=True),
    _Step(ReminderStep.DAY_BEFORE, TaskKind.CALL, -1, 0),
    _Step(ReminderStep.DAY_AFTER, TaskKind.CALL, 1, DAY_AFTER_UNTIL),
)


class PaymentScheduleService:
    """The sweep's part: the due steps of unpaid approved invoices, each made once. An invoice has
    them from its due date: a debt (goods shipped), or a prepayment invoice, which gets the calls
    only (no documents to check, and never a collection case: its goods have not left). An invoice
    on a deferment whose goods have not left has no due date, so no steps."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def make_due_tasks(self, batch: int) -> int:
        today = self.uow.calendar.local_date(self.uow.clock.now())
        made = 0
        for step in STEPS:
            made += await self._step(step, today, batch)
        return made

    async def _step(self, step: _Step, today: date, batch: int) -> int:
        done = exists().where(InvoiceReminder.invoice_id == Invoice.id, InvoiceReminder.step == step.step)
        lead = LEAD_DAYS if step.start < 0 else 0
        conditions = [
            Invoice.status == InvoiceStatus.APPROVED,
            Invoice.paid_total < Invoice.total,
            Invoice.due_on <= today - timedelta(days=step.start - lead),
            Invoice.due_on >= today - timedelta(days=step.until),
            ~done,
        ]
        if step.shipped_only:
            conditions.append(Invoice.shipped_on.is_not(None))
        rows = (
            await self.uow.session.execute(
                select(Invoice, Order.assistant_id, Order.manager_id, Order.taken_by_id, Client.payment_day)
                .join(Order, Order.id == Invoice.order_id)
                .join(Client, Client.id == Invoice.client_id)
                .where(and_(*conditions))
                .order_by(Invoice.due_on, Invoice.id)
                .limit(batch)
            )
        ).all()
        drafts: dict[int, NewTask] = {}
        for invoice, assistant_id, manager_id, taken_by_id, payment_day in rows:
            assignee = assistant_id or manager_id or taken_by_id
            if assignee is not None:
                due_at = self._due_at(step, invoice.due, today)
                call_day = self.uow.calendar.local_date(due_at)
                title, description = _texts(step.step, invoice, payment_day, call_day)
                drafts[invoice.id] = NewTask(
                    kind=step.kind,
                    title=title,
                    description=description,
                    assignee_id=assignee,
                    due_at=due_at,
                    subject_type=TaskSubject.INVOICE,
                    subject_id=invoice.id,
                )
        tasks = await TaskService(self.uow).add_many(list(drafts.values()))
        task_ids = {task.subject_id: task.id for task in tasks}
        now = self.uow.clock.now()
        self.uow.session.add_all(
            InvoiceReminder(
                invoice_id=invoice.id, step=step.step, task_id=task_ids.get(invoice.id), created_at=now
            )
            for invoice, *_ in rows
        )
        await self.uow.session.flush()
        return len(rows)

    def _due_at(self, step: _Step, due_on: date, today: date) -> datetime:
        """The step's working day: before the due date, the working day on or before it; after,
        the working day on or after it; never in the past."""
        calendar = self.uow.calendar
        day = due_on + timedelta(days=step.start)
        day = calendar.previous_working_day(day) if step.start < 0 else calendar.next_working_day(day)
        return calendar.at(max(day, calendar.next_working_day(today)), time(18, 0))


WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")


def _due_sentence(invoice: Invoice, owed: str, call_day: date) -> str:
    """The due date as the call's day sees it: «завтра» only when it is the next day."""
    due_on = invoice.due
    named = f"{due_on:%d.%m.%Y} ({WEEKDAYS[due_on.weekday()]})"
    if due_on == call_day + timedelta(days=1):
        return f"Завтра, {named}, срок оплаты счёта № {invoice.number}, к оплате {owed}."
    if due_on == call_day:
        return f"Сегодня, {named}, срок оплаты счёта № {invoice.number}, к оплате {owed}."
    return f"Срок оплаты счёта № {invoice.number} — {named}, к оплате {owed}."


def _texts(step: ReminderStep, invoice: Invoice, payment_day: int | None, call_day: date) -> tuple[str, str]:
    """The step's task: the day-before call is made on the working day before the due date, so
    before a weekend or a holiday the date is named, not «завтра»."""
    owed = format_rub(invoice.outstanding)
    due = invoice.due.strftime("%d.%m.%Y")
    payday = f" Клиент обычно платит {payment_day}-го числа." if payment_day else ""
    if step == ReminderStep.WEEK_BEFORE:
        return (
            f"Счёт № {invoice.number}: проверить подписанные документы, запросить акт сверки",
            f"Срок оплаты {due}, к оплате {owed}. Проверить, что все отгрузочные документы "
            f"подписаны клиентом, и запросить подписанный акт сверки.{payday}",
        )
    if step == ReminderStep.DAY_BEFORE:
        return (
            f"Позвонить клиенту: подтвердить оплату счёта № {invoice.number} до {due}",
            f"{_due_sentence(invoice, owed, call_day)}{payday}",
        )
    if invoice.shipped_on is None:  # a prepayment invoice: nothing shipped, so no debt to secure
        return (
            f"Счёт № {invoice.number} не оплачен в срок: выяснить причину",
            f"Срок предоплаты был {due}, не оплачено {owed}; товар не отгружен. Позвонить клиенту "
            f"и выяснить, будет ли оплата.{payday}",
        )
    return (
        f"Счёт № {invoice.number} не оплачен в срок: выяснить причину",
        f"Срок оплаты был {due}, не оплачено {owed}. Позвонить клиенту и выяснить причину; "
        f"при необходимости запросить гарантийное письмо.{payday}",
    )
