"""applied_seeds: the reference data an installation has loaded, each seed once

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 03:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa

import app.core.db
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# A seed whose rows an installation already has was applied by the start-up of an earlier version.
ALREADY_APPLIED = {
    "departments": "departments",
    "reference_links": "reference_links",
    "reference_terms": "reference_terms",
    "key_rates": "key_rates",
}


def upgrade() -> None:
    seeds = op.create_table(
        "applied_seeds",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("applied_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_applied_seeds")),
    )
    connection = op.get_bind()
    now = datetime.now(UTC)
    applied = [
        {"name": seed, "applied_at": now}
        for seed, table in ALREADY_APPLIED.items()
        if connection.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
    ]
    if applied:
        op.bulk_insert(seeds, applied)


def downgrade() -> None:
    op.drop_table("applied_seeds")
