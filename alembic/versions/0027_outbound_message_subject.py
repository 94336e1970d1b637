"""outbound messages: what each is about, so that who may read it follows its subject

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 04:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ABOUT = (
    "order",
    "invoice",
    "proposal",
    "spec",
    "collection_case",
    "reconciliation_act",
    "task",
    "daily_report",
)


def upgrade() -> None:
    # Messages recorded before have no subject: their e-mails are read only by who reads every client.
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("about", sa.Enum(*ABOUT, name="messageabout", native_enum=False, length=32), nullable=True)
        )
        batch_op.add_column(sa.Column("about_id", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbound_messages", schema=None) as batch_op:
        batch_op.drop_column("about_id")
        batch_op.drop_column("about")
