"""order list filters: the order's text folded for search, indexes for the assistant and the date

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 09:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

orders = sa.table("orders", sa.column("id", sa.Integer), sa.column("raw_text", sa.Text), sa.column("text_search", sa.Text))


def upgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text_search", sa.Text(), nullable=True))
        batch_op.create_index(batch_op.f("ix_orders_assistant_id"), ["assistant_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_created_at"), ["created_at"], unique=False)
    # Folded in Python, as the application folds it: neither database's lower() does it the same.
    connection = op.get_bind()
    rows = connection.execute(sa.select(orders.c.id, orders.c.raw_text).where(orders.c.raw_text.is_not(None)))
    for order_id, raw_text in rows.all():
        connection.execute(
            orders.update().where(orders.c.id == order_id).values(text_search=raw_text.lower())
        )


def downgrade() -> None:
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_created_at"))
        batch_op.drop_index(batch_op.f("ix_orders_assistant_id"))
        batch_op.drop_column("text_search")
