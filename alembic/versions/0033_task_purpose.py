"""task_purpose: the rule a task was made for (the feedback call after delivery), no longer told by
its title

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 16:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Until now the feedback call was the order's call whose title began so.
FEEDBACK_CALL = (
    "kind = 'call' AND subject_type = 'order' AND title LIKE 'Обратная связь по заявке №%'"
)


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("purpose", sa.String(length=32), nullable=True))
    op.execute(f"UPDATE tasks SET purpose = 'feedback_call' WHERE {FEEDBACK_CALL}")


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("purpose")
