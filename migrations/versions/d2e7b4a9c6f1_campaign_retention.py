"""campaigns: retention, FSRS's desired retention per campaign (learning.retention, 0.8 as before)

Revision ID: d2e7b4a9c6f1
Revises: c8d4f2a6e1b3
Create Date: 2026-12-16 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'd2e7b4a9c6f1'
down_revision: str | None = 'c8d4f2a6e1b3'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('campaigns') as batch:
        batch.add_column(sa.Column('retention', sa.Float(), server_default='0.8', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('campaigns') as batch:
        batch.drop_column('retention')
