"""managers: roster attributes (department, location, groups), the audit log and the xAPI outbox

Revision ID: b4d7e2a91c63
Revises: a9d4c3e2b1f0
Create Date: 2026-12-02 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'b4d7e2a91c63'
down_revision: str | None = 'a9d4c3e2b1f0'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('location', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('groups', sa.String(length=500), nullable=False, server_default=''))
    op.create_table(
        'audit_log',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('actor', sa.String(length=200), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('subject_id', sa.Integer(), nullable=True),
        sa.Column('action', sa.String(length=40), nullable=False),
        sa.Column('step', sa.String(length=40), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('campaign_id', sa.String(length=100), nullable=True),
        sa.Column('delivery_key', sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_audit_log_subject', 'audit_log', ['subject_id', 'id'], unique=False)
    op.create_table(
        'xapi_outbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('statement_id', sa.String(length=36), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=True),
        sa.Column('statement', sa.JSON(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('queued_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('sent_at', core.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('statement_id'),
    )
    op.create_index('ix_xapi_outbox_pending', 'xapi_outbox', ['status', 'next_attempt_at'], unique=False)
    op.create_index('ix_xapi_outbox_person_id', 'xapi_outbox', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_xapi_outbox_person_id', table_name='xapi_outbox')
    op.drop_index('ix_xapi_outbox_pending', table_name='xapi_outbox')
    op.drop_table('xapi_outbox')
    op.drop_index('ix_audit_log_subject', table_name='audit_log')
    op.drop_table('audit_log')
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('groups')
        batch_op.drop_column('location')
        batch_op.drop_column('department')
