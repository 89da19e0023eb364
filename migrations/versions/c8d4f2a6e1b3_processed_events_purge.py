"""processed_events: an index on processed_at, so the worker can delete old rows without a full scan

Revision ID: c8d4f2a6e1b3
Revises: b5e2c7a9d3f1
Create Date: 2026-12-15 10:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = 'c8d4f2a6e1b3'
down_revision: str | None = 'b5e2c7a9d3f1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_processed_events_processed_at', table_name='processed_events')
