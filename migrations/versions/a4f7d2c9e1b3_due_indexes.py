"""due indexes: people by manager, unplanned enrollments, managers marked for digest planning

Revision ID: a4f7d2c9e1b3
Revises: e5a1c7d3f920
Create Date: 2026-12-02 10:00:00

A tick finds its work by index probes only: unplanned enrollments through a partial index, managers to
plan through next_digest_at = 1970-01-01 (core.services.due.REPLAN) instead of a scan of people.
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'a4f7d2c9e1b3'
down_revision: str | None = 'e5a1c7d3f920'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REPLAN = '1970-01-01 00:00:00.000000'
UNPLANNED = "status = 'active' AND next_due_at IS NULL"
PLANNED = "next_due_at IS NOT NULL"


def upgrade() -> None:
    op.create_index('ix_people_manager_id', 'people', ['manager_id'], unique=False)
    op.create_index('ix_enrollments_unplanned', 'enrollments', ['id'], unique=False,
                    sqlite_where=sa.text(UNPLANNED), postgresql_where=sa.text(UNPLANNED))
    # The due index keeps planned rows only, so a look-up for unplanned ones takes the index above.
    op.drop_index('ix_enrollments_due', table_name='enrollments')
    op.create_index('ix_enrollments_due', 'enrollments', ['next_due_at'], unique=False,
                    sqlite_where=sa.text(PLANNED), postgresql_where=sa.text(PLANNED))
    # Managers the old code would have found by scanning people are marked for planning explicitly.
    stamp = "TIMESTAMPTZ '1970-01-01 00:00:00+00'" if op.get_bind().dialect.name == 'postgresql' else f"'{REPLAN}'"
    op.execute(f"UPDATE people SET next_digest_at = {stamp} WHERE next_digest_at IS NULL AND id IN "
               "(SELECT manager_id FROM people WHERE manager_id IS NOT NULL AND status != 'left')")


def downgrade() -> None:
    stamp = "TIMESTAMPTZ '1970-01-01 00:00:00+00'" if op.get_bind().dialect.name == 'postgresql' else f"'{REPLAN}'"
    op.execute(f"UPDATE people SET next_digest_at = NULL WHERE next_digest_at = {stamp}")
    op.drop_index('ix_enrollments_due', table_name='enrollments')
    op.create_index('ix_enrollments_due', 'enrollments', ['next_due_at'], unique=False)
    op.drop_index('ix_enrollments_unplanned', table_name='enrollments')
    op.drop_index('ix_people_manager_id', table_name='people')
