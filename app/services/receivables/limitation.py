"""The limitation period of each unpaid invoice, watched with a task 90 days before it ends.

The period is three years (Civil Code art. 196) from the day the client was late, i.e. from the
due date (art. 200; a period in years ends on the same date of its last year, art. 192). A signed
reconciliation act acknowledges the debt and starts the period again from the signing day
(art. 203). All in SQL: the cut-off day is computed once here, so no date arithmetic runs in the
database and the same query works on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from app.models.clients import Client
from app.models.invoices import Invoice, receivable
from app.models.reconciliations import DebtAcknowledgement, LimitationWarning
from app.models.tasks import TaskKind, TaskSubject
from app.services.directory.tasks import TaskService
from app.services.kernel.unit_of_work import UnitOfWork
from app.services.money.format import format_rub

LIMITATION_YEARS = 3  # art. 196: «Общий срок исковой давности составляет три года»
WARN_DAYS_BEFORE = 90  # the watch: a task this many days before the period ends


def add_years(day: date, years: int) -> date:
    """The same date ``years`` later; 29 February becomes 28 February (art. 192 p. 3: a period
    ending in a month without that date ends on the month's last day)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def expires_on(runs_from: date) -> date:
    return add_years(runs_from, LIMITATION_YEARS)


def warning_cutoff(today: date) -> date:
    """A period that started on or before this day ends within ``WARN_DAYS_BEFORE`` days."""
    limit = today + timedelta(days=WARN_DAYS_BEFORE)
    cutoff = add_years(limit, -LIMITATION_YEARS)
    # add_years moves 29 Feb back a day; make sure every period ending by ``limit`` is caught.
    while expires_on(cutoff + timedelta(days=1)) <= limit:
        cutoff += timedelta(days=1)
    return cutoff


class LimitationService:
    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow

    async def runs_from(self, invoice: Invoice) -> date:
        """When the invoice's current period started: its due date or its last acknowledgement."""
        last = await self.uow.session.scalar(
            select(func.max(DebtAcknowledgement.acknowledged_on)).where(
                DebtAcknowledgement.invoice_id == invoice.id
            )
        )
        return max(invoice.due, last) if last is not None else invoice.due

    async def warn_due(self, batch: int) -> int:
        """Make the task for every unpaid invoice whose period ends within 90 days, once per period."""
        today = self.uow.calendar.local_date(self.uow.clock.now())
        cutoff = warning_cutoff(today)
        ack = aliased(DebtAcknowledgement)
        later_ack = exists().where(ack.invoice_id == Invoice.id, ack.acknowledged_on > cutoff)
        renewed = aliased(DebtAcknowledgement)
        # A warning stands until a later acknowledgement starts a new period.
        warned = exists().where(
            LimitationWarning.invoice_id == Invoice.id,
            ~exists().where(
                renewed.invoice_id == Invoice.id, renewed.acknowledged_on > LimitationWarning.runs_from
            ),
        )
        last_ack = (
            select(func.max(DebtAcknowledgement.acknowledged_on))
            .where(DebtAcknowledgement.invoice_id == Invoice.id)
            .scalar_subquery()
        )
        rows = (
            await self.uow.session.execute(
                select(Invoice, last_ack, Client.name, Client.assistant_id, Client.manager_id)
                .join(Client, Client.id == Invoice.client_id)
                .where(
                    and_(
                        receivable(),
                        Invoice.due_on <= cutoff,
                        ~later_ack,
                        ~warned,
                    )
                )
                .order_by(Invoice.due_on, Invoice.id)
                .limit(batch)
            )
        ).all()
        tasks = TaskService(self.uow)
        now = self.uow.clock.now()
        calendar = self.uow.calendar
        for invoice, acknowledged, client_name, assistant_id, manager_id in rows:
            start = max(invoice.due, acknowledged) if acknowledged is not None else invoice.due
            ends = expires_on(start)
            task_id = None
            assignee = assistant_id or manager_id
            if assignee is not None:
                warn_on = max(ends - timedelta(days=WARN_DAYS_BEFORE), today)
                task = await tasks.add(
                    kind=TaskKind.CHECK,
                    title=f"Счёт № {invoice.number}: срок исковой давности истекает {ends:%d.%m.%Y}"[:300],
                    description=(
                        f"«{client_name}» должен по счёту № {invoice.number} "
                        f"{format_rub(invoice.outstanding)} руб. Срок исковой давности "
                        "(3 года, ст. 196 ГК РФ) "
                        f"течёт с {start:%d.%m.%Y} и "
                        f"истекает {ends:%d.%m.%Y}. Получить подписанный акт сверки (признание долга "
                        "прерывает срок, ст. 203 ГК РФ) или передать долг юристу для иска."
                    ),
                    assignee_id=assignee,
                    due_at=calendar.at(calendar.next_working_day(warn_on), time(18, 0)),
                    subject_type=TaskSubject.INVOICE,
                    subject_id=invoice.id,
                )
                task_id = task.id
            self.uow.session.add(
                LimitationWarning(
                    invoice_id=invoice.id, runs_from=start, expires_on=ends, task_id=task_id, created_at=now
                )
            )
        await self.uow.session.flush()
        return len(rows)
