"""receivables are shipped goods: an invoice records its shipment and its deferment, and an invoice on
a deferment is due from the shipment (none while its goods have not left)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 06:40:00.000000

The data: each invoice takes the client's deferment in force on its day of issue; an invoice whose
order was shipped (shipped, delivered or closed) takes the day of the order's «ship» step as its
shipment (the delivery's planned day when the step has no record); a shipped invoice on a deferment
is due that many days after the shipment, moved to the next working day; an unshipped one has no due
date. An unshipped invoice on a deferment is no debt: it leaves every open collection case, a case
left without invoices is closed as «not_receivable» (its open tasks cancelled, its history told), and
its reminders (the T-7/T-1/T+1 tasks still open) are cancelled and forgotten, so that the shipment
starts them afresh. Prepayment invoices keep their due dates: they get the reminder calls.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

import app.core.db
from alembic import op
from app.core.calendar import BusinessCalendar

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHIPPED = ("shipped", "delivered", "closed")
ACTIVE_TASKS = ("open", "in_progress")

invoices = sa.table(
    "invoices",
    sa.column("id", sa.Integer),
    sa.column("order_id", sa.Integer),
    sa.column("client_id", sa.Integer),
    sa.column("issued_on", sa.Date),
    sa.column("due_on", sa.Date),
    sa.column("deferment_days", sa.Integer),
    sa.column("shipped_on", sa.Date),
)
clients = sa.table(
    "clients",
    sa.column("id", sa.Integer),
    sa.column("deferment_days", sa.Integer),
    sa.column("terms_from", sa.Date),
)
orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("status", sa.String))
deliveries = sa.table("deliveries", sa.column("order_id", sa.Integer), sa.column("planned_on", sa.Date))
events = sa.table(
    "events",
    sa.column("occurred_at", app.core.db.UTCDateTime(timezone=True)),
    sa.column("entity_type", sa.String),
    sa.column("entity_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("before", sa.JSON),
    sa.column("after", sa.JSON),
)
cases = sa.table(
    "collection_cases",
    sa.column("id", sa.Integer),
    sa.column("stage", sa.String),
    sa.column("invoice_ids", sa.JSON),
    sa.column("closed_at", app.core.db.UTCDateTime(timezone=True)),
    sa.column("close_reason", sa.String),
    sa.column("close_comment", sa.Text),
    sa.column("version", sa.Integer),
    sa.column("updated_at", app.core.db.UTCDateTime(timezone=True)),
)
case_invoices = sa.table(
    "collection_case_invoices", sa.column("case_id", sa.Integer), sa.column("invoice_id", sa.Integer)
)
reminders = sa.table("invoice_reminders", sa.column("invoice_id", sa.Integer), sa.column("task_id", sa.Integer))
tasks = sa.table(
    "tasks",
    sa.column("id", sa.Integer),
    sa.column("status", sa.String),
    sa.column("result", sa.Text),
    sa.column("subject_type", sa.String),
    sa.column("subject_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("updated_at", app.core.db.UTCDateTime(timezone=True)),
)


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deferment_days", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("shipped_on", sa.Date(), nullable=True))
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=True)
        batch_op.create_index("ix_invoices_client_shipped", ["client_id", "shipped_on"], unique=False)
        batch_op.create_index("ix_invoices_shipped_on", ["shipped_on"], unique=False)
    _migrate_data(op.get_bind())


def _migrate_data(connection: sa.Connection) -> None:
    calendar = BusinessCalendar()
    now = datetime.now(UTC)
    # The client's deferment in force on the day of issue (as the due date was computed).
    terms = (
        sa.select(clients.c.deferment_days)
        .where(
            clients.c.id == invoices.c.client_id,
            sa.or_(clients.c.terms_from.is_(None), clients.c.terms_from <= invoices.c.issued_on),
        )
        .scalar_subquery()
    )
    connection.execute(sa.update(invoices).values(deferment_days=terms))

    shipped_at = (
        sa.select(sa.func.min(events.c.occurred_at))
        .where(
            events.c.entity_type == "order",
            events.c.entity_id == invoices.c.order_id,
            events.c.action == "ship",
        )
        .scalar_subquery()
    )
    planned = sa.select(deliveries.c.planned_on).where(deliveries.c.order_id == invoices.c.order_id)
    rows = connection.execute(
        sa.select(
            invoices.c.id,
            invoices.c.issued_on,
            invoices.c.deferment_days,
            shipped_at.label("shipped_at"),
            planned.scalar_subquery().label("planned_on"),
        )
        .join(orders, orders.c.id == invoices.c.order_id)
        .where(orders.c.status.in_(SHIPPED))
    ).all()
    for row in rows:
        at = row.shipped_at
        if isinstance(at, str):  # SQLite hands a subquery's datetime back as text
            at = datetime.fromisoformat(at).replace(tzinfo=UTC)
        day: date = calendar.local_date(at) if at is not None else (row.planned_on or row.issued_on)
        values: dict[str, Any] = {"shipped_on": day}
        if row.deferment_days is not None:
            values["due_on"] = calendar.next_working_day(day + timedelta(days=row.deferment_days))
        connection.execute(sa.update(invoices).where(invoices.c.id == row.id).values(**values))

    unshipped = [
        r.id
        for r in connection.execute(
            sa.select(invoices.c.id).where(
                invoices.c.deferment_days.is_not(None), invoices.c.shipped_on.is_(None)
            )
        )
    ]
    if not unshipped:
        return
    connection.execute(sa.update(invoices).where(invoices.c.id.in_(unshipped)).values(due_on=None))
    # Their reminders: the open tasks cancelled, the rows forgotten (the shipment starts them again).
    reminder_tasks = sa.select(reminders.c.task_id).where(
        reminders.c.invoice_id.in_(unshipped), reminders.c.task_id.is_not(None)
    )
    connection.execute(
        sa.update(tasks)
        .where(tasks.c.id.in_(reminder_tasks), tasks.c.status.in_(ACTIVE_TASKS))
        .values(
            status="cancelled",
            result="Товар не отгружен: счёт ещё не задолженность",
            version=tasks.c.version + 1,
            updated_at=now,
        )
    )
    connection.execute(sa.delete(reminders).where(reminders.c.invoice_id.in_(unshipped)))
    # Out of every open collection case; a case left with nothing is closed.
    open_cases = connection.execute(
        sa.select(cases.c.id, cases.c.invoice_ids, cases.c.stage).where(cases.c.stage != "closed")
    ).all()
    gone = set(unshipped)
    for case in open_cases:
        ids = list(case.invoice_ids or [])
        left = [i for i in ids if i not in gone]
        if left == ids:
            continue
        connection.execute(
            sa.delete(case_invoices).where(
                case_invoices.c.case_id == case.id, case_invoices.c.invoice_id.in_(unshipped)
            )
        )
        changes: dict[str, Any] = {"invoice_ids": left, "version": cases.c.version + 1, "updated_at": now}
        after: dict[str, Any] = {"invoice_ids_removed": [i for i in ids if i in gone]}
        if not left:
            comment = "Товар по счетам дела не отгружен: задолженности нет"
            changes |= {"stage": "closed", "closed_at": now, "close_reason": "not_receivable", "close_comment": comment}
            after |= {"status": "closed", "reason": "not_receivable", "comment": comment}
            connection.execute(
                sa.update(tasks)
                .where(
                    tasks.c.subject_type == "debt",
                    tasks.c.subject_id == case.id,
                    tasks.c.status.in_(ACTIVE_TASKS),
                )
                .values(status="cancelled", result=comment, version=tasks.c.version + 1, updated_at=now)
            )
        connection.execute(sa.update(cases).where(cases.c.id == case.id).values(**changes))
        connection.execute(
            sa.insert(events).values(
                occurred_at=now,
                entity_type="collection_case",
                entity_id=case.id,
                action="close" if not left else "invoices_removed",
                before={"status": case.stage},
                after=after,
            )
        )


def downgrade() -> None:
    # Every invoice had a due date before: an unshipped one on a deferment is due from its issue.
    connection = op.get_bind()
    calendar = BusinessCalendar()
    for row in connection.execute(
        sa.select(invoices.c.id, invoices.c.issued_on, invoices.c.deferment_days).where(invoices.c.due_on.is_(None))
    ).all():
        due = calendar.next_working_day(row.issued_on + timedelta(days=row.deferment_days or 0))
        connection.execute(sa.update(invoices).where(invoices.c.id == row.id).values(due_on=due))
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index("ix_invoices_shipped_on")
        batch_op.drop_index("ix_invoices_client_shipped")
        batch_op.alter_column("due_on", existing_type=sa.Date(), nullable=False)
        batch_op.drop_column("shipped_on")
        batch_op.drop_column("deferment_days")
