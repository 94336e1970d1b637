"""revised invoices in 1C: the revision 1C has, and the index of the invoices it has an older one of

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 14:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STALE = "onec_id IS NOT NULL AND revision > onec_revision"


def upgrade() -> None:
    # An invoice already in 1C went there as its first revision: a later one is written once.
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("onec_revision", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.create_index(
            "ix_invoices_revised_in_1c",
            ["id"],
            unique=False,
            postgresql_where=sa.text(STALE),
            sqlite_where=sa.text(STALE),
        )


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_invoices_revised_in_1c", postgresql_where=sa.text(STALE), sqlite_where=sa.text(STALE)
        )
        batch_op.drop_column("onec_revision")
