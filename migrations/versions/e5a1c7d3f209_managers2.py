"""managers2: campaign digest and privacy options, message attachments

Revision ID: e5a1c7d3f209
Revises: a4f7d2c9e1b3
Create Date: 2026-12-09 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'e5a1c7d3f209'
down_revision: str | None = 'a4f7d2c9e1b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'campaign_reporting',
        sa.Column('campaign_id', sa.String(length=100), nullable=False),
        sa.Column('digest_depth', sa.Integer(), nullable=False),
        sa.Column('struggle_below_pct', sa.Integer(), nullable=False),
        sa.Column('struggle_last', sa.Integer(), nullable=False),
        sa.Column('pseudonymous', sa.Boolean(), nullable=False),
        sa.Column('retention_days', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['campaign_id'], ['campaigns.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('campaign_id'),
    )
    op.create_table(
        'attachments',
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('media_type', sa.String(length=100), nullable=False),
        sa.Column('data', sa.LargeBinary(), nullable=False),
        sa.Column('created_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )


def downgrade() -> None:
    op.drop_table('attachments')
    op.drop_table('campaign_reporting')
