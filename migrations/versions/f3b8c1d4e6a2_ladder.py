"""ladder: escalation ladder state on enrollments, batched escalation items, ladder and retention options

Revision ID: f3b8c1d4e6a2
Revises: f3b8c1d7a2e5
Create Date: 2026-12-12 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'f3b8c1d4e6a2'
down_revision: str | None = 'f3b8c1d7a2e5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = core.models.UTCDateTime(timezone=True)
LADDER_WHERE = "quiet_since IS NOT NULL OR ladder_step > 0"


def upgrade() -> None:
    with op.batch_alter_table('enrollments') as b:
        b.add_column(sa.Column('quiet_since', UTC, nullable=True))
        b.add_column(sa.Column('ladder_step', sa.Integer(), nullable=False, server_default='0'))
        b.add_column(sa.Column('ladder_at', UTC, nullable=True))
        b.add_column(sa.Column('snoozed_until', UTC, nullable=True))
    op.create_index('ix_enrollments_ladder', 'enrollments', ['id'], unique=False,
                    sqlite_where=sa.text(LADDER_WHERE), postgresql_where=sa.text(LADDER_WHERE))
    with op.batch_alter_table('campaign_reporting') as b:
        b.add_column(sa.Column('ladder', sa.JSON(), nullable=True))
        b.add_column(sa.Column('escalation_at', sa.String(length=5), nullable=False, server_default='09:00'))
    op.create_table(
        'escalation_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('recipient_id', sa.Integer(), nullable=False),
        sa.Column('learner_id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.String(length=100), nullable=False),
        sa.Column('step', sa.String(length=16), nullable=False),
        sa.Column('quiet_since', UTC, nullable=False),
        sa.Column('crossed_at', UTC, nullable=False),
        sa.Column('delivery_key', sa.String(length=200), nullable=True),
        sa.Column('resolved_at', UTC, nullable=True),
        sa.ForeignKeyConstraint(['recipient_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['learner_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_escalation_items_recipient', 'escalation_items', ['recipient_id', 'delivery_key'])
    op.create_index('ix_escalation_items_learner', 'escalation_items', ['learner_id', 'resolved_at'])


def downgrade() -> None:
    op.drop_index('ix_escalation_items_learner', table_name='escalation_items')
    op.drop_index('ix_escalation_items_recipient', table_name='escalation_items')
    op.drop_table('escalation_items')
    with op.batch_alter_table('campaign_reporting') as b:
        b.drop_column('escalation_at')
        b.drop_column('ladder')
    op.drop_index('ix_enrollments_ladder', table_name='enrollments')
    with op.batch_alter_table('enrollments') as b:
        b.drop_column('snoozed_until')
        b.drop_column('ladder_at')
        b.drop_column('ladder_step')
        b.drop_column('quiet_since')
