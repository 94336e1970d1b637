"""onec_refusals: documents 1C refused, each with its message and the assistant's task; the УПД
1C made for an invoice's shipped goods

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 10:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WITHOUT_UPD = "shipped_on IS NOT NULL AND upd_onec_id IS NULL"


def upgrade() -> None:
    op.create_table(
        "onec_refusals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "subject_type",
            sa.Enum(
                "client",
                "order",
                "invoice",
                "proposal",
                "spec",
                "debt",
                "requisition",
                "daily_report",
                "none",
                name="tasksubject",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("task_id", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_onec_refusals_task_id_tasks"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onec_refusals")),
    )
    with op.batch_alter_table("onec_refusals", schema=None) as batch_op:
        batch_op.create_index("ix_onec_refusals_subject", ["subject_type", "subject_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_onec_refusals_task_id"), ["task_id"], unique=False)
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("upd_onec_id", sa.String(length=64), nullable=True))
    # Goods shipped before the worker made the УПД: their УПД was made by hand; "" says so, and the
    # sweep does not have 1C make another.
    op.execute("UPDATE invoices SET upd_onec_id = '' WHERE shipped_on IS NOT NULL")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(
            "ix_invoices_without_upd",
            ["id"],
            unique=False,
            postgresql_where=sa.text(WITHOUT_UPD),
            sqlite_where=sa.text(WITHOUT_UPD),
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_invoices_without_upd", postgresql_where=sa.text(WITHOUT_UPD), sqlite_where=sa.text(WITHOUT_UPD)
        )
        batch_op.drop_column("upd_onec_id")
    with op.batch_alter_table("onec_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onec_refusals_task_id"))
        batch_op.drop_index("ix_onec_refusals_subject")
    op.drop_table("onec_refusals")
