"""rate limits shared by every process: one row per key (next allowed instant, pause, adaptive rate);
the outbox's pending index also orders by id, so a claim on PostgreSQL reads its batch off the index
instead of sorting every pending row

Revision ID: f3b8c1d7a2e5
Revises: f7c2a9e4b1d8
Create Date: 2026-12-10 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3b8c1d7a2e5'
down_revision: str | None = 'f7c2a9e4b1d8'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'rate_limits',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('next_at', sa.Float(), nullable=False),
        sa.Column('paused_until', sa.Float(), nullable=False),
        sa.Column('rate', sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint('key'),
    )
    op.drop_index('ix_deliveries_pending', table_name='deliveries')
    op.create_index('ix_deliveries_pending', 'deliveries', ['status', 'next_attempt_at', 'id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_deliveries_pending', table_name='deliveries')
    op.create_index('ix_deliveries_pending', 'deliveries', ['status', 'next_attempt_at'], unique=False)
    op.drop_table('rate_limits')
