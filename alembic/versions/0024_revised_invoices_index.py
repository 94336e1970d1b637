"""revised invoices index: the sweep finds the invoices 1C has in an earlier revision

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-28 14:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0024'
down_revision: str | None = '0023'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.create_index('ix_invoices_revised_in_1c', ['id'], unique=False, postgresql_where=sa.text('revision > 1 AND onec_id IS NOT NULL'), sqlite_where=sa.text('revision > 1 AND onec_id IS NOT NULL'))


def downgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_revised_in_1c', postgresql_where=sa.text('revision > 1 AND onec_id IS NOT NULL'), sqlite_where=sa.text('revision > 1 AND onec_id IS NOT NULL'))
