"""inbound_emails: e-mails taken from the shared mailbox

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 12:22:01.672671
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_emails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("folder", sa.String(length=200), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("uid", sa.BigInteger(), nullable=False),
        sa.Column("message_id", sa.String(length=500), nullable=True),
        sa.Column("sender", sa.String(length=254), nullable=True),
        sa.Column("subject", sa.String(length=500), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "order",
                "reply",
                "auto_reply",
                "bounce",
                "mailing_list",
                "duplicate",
                "failed",
                name="inboundkind",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("raw_key", sa.String(length=300), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("parts", sa.JSON(), nullable=False),
        sa.Column(
            "about",
            sa.Enum(
                "order",
                "invoice",
                "proposal",
                "spec",
                "collection_case",
                "reconciliation_act",
                "task",
                "daily_report",
                name="messageabout",
                native_enum=False,
                create_constraint=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("about_id", sa.Integer(), nullable=True),
        sa.Column("outbound_id", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("task_id", sa.Integer(), nullable=True),
        sa.Column("received_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_inbound_emails_order_id_orders"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["outbound_id"],
            ["outbound_messages.id"],
            name=op.f("fk_inbound_emails_outbound_id_outbound_messages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"], ["tasks.id"], name=op.f("fk_inbound_emails_task_id_tasks"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inbound_emails")),
        sa.UniqueConstraint(
            "folder", "uidvalidity", "uid", name=op.f("uq_inbound_emails_folder_uidvalidity_uid")
        ),
    )
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.create_index("ix_inbound_emails_about", ["about", "about_id"], unique=False)
        batch_op.create_index("ix_inbound_emails_message_id", ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_emails_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_inbound_emails_outbound_id"), ["outbound_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("inbound_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbound_emails_outbound_id"))
        batch_op.drop_index(batch_op.f("ix_inbound_emails_order_id"))
        batch_op.drop_index("ix_inbound_emails_message_id")
        batch_op.drop_index("ix_inbound_emails_about")

    op.drop_table("inbound_emails")
