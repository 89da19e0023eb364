"""learning: memory states, review logs, completions, daily caps, mastery, planned slots

Revision ID: a8d4f1c2e7b3
Revises: b4d7e2a91c63
Create Date: 2026-12-01 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'a8d4f1c2e7b3'
down_revision: str | None = 'b4d7e2a91c63'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('campaigns') as b:
        b.add_column(sa.Column('daily_cap', sa.Integer(), nullable=False, server_default='3'))
        b.add_column(sa.Column('mastery_days', sa.Integer(), nullable=False, server_default='21'))
        b.add_column(sa.Column('pass_mark', sa.Float(), nullable=False, server_default='0.8'))
        b.add_column(sa.Column('spacing', sa.String(length=16), nullable=False, server_default='fsrs'))
    with op.batch_alter_table('people') as b:
        b.add_column(sa.Column('daily_cap', sa.Integer(), nullable=True))
    with op.batch_alter_table('deliveries') as b:
        b.add_column(sa.Column('slot_day', sa.String(length=10), nullable=True))
        b.add_column(sa.Column('slot_at', UTC, nullable=True))
    op.create_table(
        'memory_states',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('unit_id', sa.String(length=100), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column('state', sa.JSON(), nullable=True),
        sa.Column('due_at', UTC, nullable=True),
        sa.Column('reviews', sa.Integer(), nullable=False),
        sa.Column('lapses', sa.Integer(), nullable=False),
        sa.Column('first_correct', sa.Boolean(), nullable=True),
        sa.Column('ever_correct', sa.Boolean(), nullable=False),
        sa.Column('retired', sa.Boolean(), nullable=False),
        sa.Column('asked_at', UTC, nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('enrollment_id', 'question_id'),
    )
    op.create_index('ix_memory_due', 'memory_states', ['enrollment_id', 'due_at'], unique=False)
    op.create_index('ix_memory_states_person_id', 'memory_states', ['person_id'], unique=False)
    op.create_table(
        'review_logs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('memory_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.String(length=100), nullable=False),
        sa.Column('question_id', sa.String(length=100), nullable=False),
        sa.Column('rating', sa.Integer(), nullable=False),
        sa.Column('duration_ms', sa.Integer(), nullable=True),
        sa.Column('reviewed_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['memory_id'], ['memory_states.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_review_logs_memory_id', 'review_logs', ['memory_id'], unique=False)
    op.create_table(
        'completions',
        sa.Column('enrollment_id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.String(length=100), nullable=False),
        sa.Column('completed_at', UTC, nullable=False),
        sa.Column('reason', sa.String(length=16), nullable=False),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('pass_mark', sa.Float(), nullable=False),
        sa.Column('passed', sa.Boolean(), nullable=False),
        sa.Column('questions', sa.Integer(), nullable=False),
        sa.Column('first_correct', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['enrollment_id'], ['enrollments.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('enrollment_id'),
    )
    op.create_index('ix_completions_person_id', 'completions', ['person_id'], unique=False)


def downgrade() -> None:
    op.drop_table('completions')
    op.drop_table('review_logs')
    op.drop_table('memory_states')
    with op.batch_alter_table('deliveries') as b:
        b.drop_column('slot_at')
        b.drop_column('slot_day')
    with op.batch_alter_table('people') as b:
        b.drop_column('daily_cap')
    with op.batch_alter_table('campaigns') as b:
        b.drop_column('spacing')
        b.drop_column('pass_mark')
        b.drop_column('mastery_days')
        b.drop_column('daily_cap')
