"""reach: track translations, and a full-text index of the lessons each learner received

Revision ID: a9d4c3e2b1f0
Revises: 7c1e0a5b9f42
Create Date: 2026-11-26 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'a9d4c3e2b1f0'
down_revision: str | None = '7c1e0a5b9f42'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'track_translations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('track_id', sa.String(length=100), nullable=False),
        sa.Column('language', sa.String(length=35), nullable=False),
        sa.Column('source_hash', sa.String(length=64), nullable=False),
        sa.Column('content_hash', sa.String(length=64), nullable=False),
        sa.Column('body', sa.JSON(), nullable=False),
        sa.Column('published_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('track_id', 'language'),
    )
    op.create_index('ix_track_translations_track_id', 'track_translations', ['track_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_track_translations_track_id', table_name='track_translations')
    op.drop_table('track_translations')
