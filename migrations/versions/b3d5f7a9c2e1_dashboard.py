"""dashboard: sign-in tokens, audit log targets, generated secrets, indexes for per-campaign and per-team pages

Revision ID: b3d5f7a9c2e1
Revises: a8d4f1c2e7b3
Create Date: 2026-12-02 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'b3d5f7a9c2e1'
down_revision: str | None = 'a8d4f1c2e7b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'sign_in_tokens',
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('created_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('expires_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column('used_at', core.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('token_hash'),
    )
    op.create_index('ix_sign_in_tokens_person_id', 'sign_in_tokens', ['person_id'], unique=False)
    # The audit log exists (managers' revision); dashboard changes add what they were applied to.
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.add_column(sa.Column('target', sa.String(length=200), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('detail', sa.JSON(), nullable=True))
    op.create_index('ix_audit_log_at', 'audit_log', ['at'], unique=False)
    op.create_index('ix_audit_log_action', 'audit_log', ['action', 'at'], unique=False)
    op.create_table(
        'app_secrets',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('value', sa.String(length=200), nullable=False),
        sa.Column('created_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    op.create_index('ix_enrollments_campaign', 'enrollments', ['campaign_id', 'id', 'status'], unique=False)
    op.create_index('ix_answers_campaign_at', 'answers', ['campaign_id', 'answered_at'], unique=False)
    op.create_index('ix_people_manager', 'people', ['manager_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_people_manager', table_name='people')
    op.drop_index('ix_answers_campaign_at', table_name='answers')
    op.drop_index('ix_enrollments_campaign', table_name='enrollments')
    op.drop_table('app_secrets')
    op.drop_index('ix_audit_log_action', table_name='audit_log')
    op.drop_index('ix_audit_log_at', table_name='audit_log')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_column('detail')
        batch_op.drop_column('target')
    op.drop_index('ix_sign_in_tokens_person_id', table_name='sign_in_tokens')
    op.drop_table('sign_in_tokens')
