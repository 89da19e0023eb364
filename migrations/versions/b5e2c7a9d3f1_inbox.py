"""inbox: verified inbound platform events, kept from before they are acknowledged until they are handled

Revision ID: b5e2c7a9d3f1
Revises: f3b8c1d4e6a2
Create Date: 2026-12-14 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'b5e2c7a9d3f1'
down_revision: str | None = 'f3b8c1d4e6a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = core.models.UTCDateTime(timezone=True)
OPEN = "done_at IS NULL"


def upgrade() -> None:
    op.create_table(
        'inbox',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=16), nullable=False),
        sa.Column('key', sa.String(length=200), nullable=False),
        sa.Column('payload', sa.Text(), nullable=False),
        sa.Column('received_at', UTC, nullable=False),
        sa.Column('claimed_at', UTC, nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('done_at', UTC, nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('key'),
    )
    op.create_index('ix_inbox_open', 'inbox', ['received_at'], unique=False,
                    sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
    op.create_index('ix_inbox_received', 'inbox', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_inbox_received', table_name='inbox')
    op.drop_index('ix_inbox_open', table_name='inbox')
    op.drop_table('inbox')
