"""credit_request_files: the documents of a credit request's dossier

Revision ID: 0036
Revises: 0033
Create Date: 2026-12-07 16:10:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op

revision: str = "0036"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_request_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "counterparty_card",
                "registry_extract",
                "financials",
                "other",
                name="creditfilekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["credit_requests.id"],
            name=op.f("fk_credit_request_files_request_id_credit_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["employees.id"],
            name=op.f("fk_credit_request_files_uploaded_by_id_employees"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_request_files")),
    )
    with op.batch_alter_table("credit_request_files") as batch_op:
        batch_op.create_index(batch_op.f("ix_credit_request_files_request_id"), ["request_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("credit_request_files") as batch_op:
        batch_op.drop_index(batch_op.f("ix_credit_request_files_request_id"))
    op.drop_table("credit_request_files")
