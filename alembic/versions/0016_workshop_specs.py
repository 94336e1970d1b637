"""workshop specs

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-28 00:02:00.916676
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import app.core.db
from alembic import op


revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('specs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('logo', 'tailoring', 'manufacturing', name='speckind', native_enum=False, length=32), nullable=False),
    sa.Column('received_via', sa.Enum('in_person', 'email', name='specreceivedvia', native_enum=False, length=32), nullable=False),
    sa.Column('status', sa.Enum('received', 'invoice_with_manager', 'invoice_checked', 'signed', 'sent_to_workshop', 'accepted_by_workshop', 'goods_ready', 'documents_issued', 'closed', 'cancelled', name='specstatus', native_enum=False, length=32), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('logo_key', sa.String(length=300), nullable=True),
    sa.Column('logo_filename', sa.String(length=255), nullable=True),
    sa.Column('logo_content_type', sa.String(length=100), nullable=True),
    sa.Column('logo_print_key', sa.String(length=300), nullable=True),
    sa.Column('signed_by_id', sa.Integer(), nullable=True),
    sa.Column('signed_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_revision', sa.Integer(), nullable=True),
    sa.Column('signed_via', sa.String(length=16), nullable=True),
    sa.Column('signed_key', sa.String(length=300), nullable=True),
    sa.Column('signed_filename', sa.String(length=255), nullable=True),
    sa.Column('signed_content_type', sa.String(length=100), nullable=True),
    sa.Column('scan_uploaded_by_id', sa.Integer(), nullable=True),
    sa.Column('sent_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('channel', sa.String(length=64), nullable=True),
    sa.Column('workshop_accepted_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('workshop_accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('workshop_feedback', sa.JSON(), nullable=False),
    sa.Column('goods_ready_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('receipts', sa.JSON(), nullable=False),
    sa.Column('documents_requested_at', app.core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('upd_onec_id', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', app.core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['employees.id'], name=op.f('fk_specs_created_by_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_specs_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scan_uploaded_by_id'], ['employees.id'], name=op.f('fk_specs_scan_uploaded_by_id_employees'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['signed_by_id'], ['employees.id'], name=op.f('fk_specs_signed_by_id_employees'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['workshop_accepted_by_id'], ['employees.id'], name=op.f('fk_specs_workshop_accepted_by_id_employees'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_specs')),
    sa.UniqueConstraint('order_id', name=op.f('uq_specs_order_id'))
    )
    with op.batch_alter_table('specs', schema=None) as batch_op:
        batch_op.create_index('ix_specs_status_created', ['status', 'created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('specs', schema=None) as batch_op:
        batch_op.drop_index('ix_specs_status_created')

    op.drop_table('specs')
