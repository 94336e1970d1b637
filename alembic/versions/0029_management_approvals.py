"""management approvals: the head's recommendation on a credit request, an invoice's discounts

Revision ID: 0029
Revises: 0027
Create Date: 2026-12-07 07:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op


revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # The states keep their names: a request already `reviewed` now waits for the head's
    # recommendation (the head has its task), then for management's decision; decided ones stay.
    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "recommendation",
                sa.Enum("approve", "refuse", name="recommendation", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("recommendation_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("recommended_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("recommended_at", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_requests_recommended_by_id_employees"),
            "employees",
            ["recommended_by_id"],
            ["id"],
            ondelete="SET NULL",
        )

    # Invoices issued before had their discounts refused below cost and needed no approval: none is
    # pending (NULL), and their lines' purchase prices are unknown (NULL).
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "discount_approval",
                sa.Enum("pending", "approved", "refused", name="discountapproval", native_enum=False, length=32),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("discount_requested_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("discount_decided_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("discount_decided_at", app.core.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("discount_comment", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_discount_requested_by_id_employees"),
            "employees",
            ["discount_requested_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_invoices_discount_decided_by_id_employees"),
            "employees",
            ["discount_decided_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purchase_price", app.core.db.Money(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_column("purchase_price")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_invoices_discount_decided_by_id_employees"), type_="foreignkey")
        batch_op.drop_constraint(
            batch_op.f("fk_invoices_discount_requested_by_id_employees"), type_="foreignkey"
        )
        batch_op.drop_column("discount_comment")
        batch_op.drop_column("discount_decided_at")
        batch_op.drop_column("discount_decided_by_id")
        batch_op.drop_column("discount_requested_by_id")
        batch_op.drop_column("discount_approval")
    with op.batch_alter_table("credit_requests", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_credit_requests_recommended_by_id_employees"), type_="foreignkey"
        )
        batch_op.drop_column("recommended_at")
        batch_op.drop_column("recommended_by_id")
        batch_op.drop_column("recommendation_comment")
        batch_op.drop_column("recommendation")
