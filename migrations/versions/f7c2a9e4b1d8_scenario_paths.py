"""scenarios: answers record their step on a decision path and the path taken so far

Revision ID: f7c2a9e4b1d8
Revises: f3b8e1d4c6a2
Create Date: 2026-12-10 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f7c2a9e4b1d8'
down_revision: str | None = 'f3b8e1d4c6a2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('answers') as b:
        b.add_column(sa.Column('step', sa.Integer(), nullable=True))
        b.add_column(sa.Column('path', sa.String(length=400), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answers') as b:
        b.drop_column('path')
        b.drop_column('step')
