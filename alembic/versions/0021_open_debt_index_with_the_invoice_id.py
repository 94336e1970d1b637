"""open debt index with the invoice id: the sweeps' anti-joins read the index alone

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-28 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op


revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_DEBT = "status = 'approved' AND paid_total < total"


def _recreate(columns: list[str]) -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index('ix_invoices_open_debt')
        batch_op.create_index(
            'ix_invoices_open_debt',
            columns,
            unique=False,
            postgresql_where=sa.text(OPEN_DEBT),
            sqlite_where=sa.text(OPEN_DEBT),
        )


def upgrade() -> None:
    _recreate(['due_on', 'client_id', 'total', 'paid_total', 'id'])


def downgrade() -> None:
    _recreate(['due_on', 'client_id', 'total', 'paid_total'])
