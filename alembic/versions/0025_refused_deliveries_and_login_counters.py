"""refused webhook deliveries keep an excerpt, their length and address; failed logins are counted

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op


revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("body_length", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("source_address", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_webhook_deliveries_source_address", ["source_address", "received_at"], unique=False
        )
    op.create_table(
        "login_counters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=400), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_failure_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lockouts", sa.Integer(), nullable=False),
        sa.Column("locked_until", app.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_counters")),
        sa.UniqueConstraint("key", name=op.f("uq_login_counters_key")),
    )
    with op.batch_alter_table("login_counters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_login_counters_last_failure_at"), ["last_failure_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("login_counters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_login_counters_last_failure_at"))
    op.drop_table("login_counters")
    with op.batch_alter_table("webhook_deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_deliveries_source_address")
        batch_op.drop_column("source_address")
        batch_op.drop_column("body_length")
