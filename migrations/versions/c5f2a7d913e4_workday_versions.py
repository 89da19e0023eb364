"""learning 2: working days (country, region, weekend, quiet hours, leave), progress by unit id, settings

Revision ID: c5f2a7d913e4
Revises: e5a1c7d3f209
Create Date: 2026-12-08 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'c5f2a7d913e4'
down_revision: str | None = 'e5a1c7d3f209'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC = core.models.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table('people') as b:
        b.add_column(sa.Column('country', sa.String(length=2), nullable=True))
        b.add_column(sa.Column('region', sa.String(length=10), nullable=True))
        b.add_column(sa.Column('weekend', sa.String(length=40), nullable=True))
        b.add_column(sa.Column('quiet_hours', sa.String(length=11), nullable=True))
    with op.batch_alter_table('campaigns') as b:
        b.add_column(sa.Column('quiet_hours', sa.String(length=11), nullable=True))
    with op.batch_alter_table('enrollments') as b:
        b.add_column(sa.Column('track_version_id', sa.Integer(), nullable=True))
        b.add_column(sa.Column('units_done', sa.JSON(), nullable=True))
        b.create_foreign_key('fk_enrollments_track_version', 'track_versions', ['track_version_id'], ['id'])
    op.create_table(
        'leave_periods',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('start_date', sa.Date(), nullable=False),
        sa.Column('end_date', sa.Date(), nullable=True),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('created_at', UTC, nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_leave_person', 'leave_periods', ['person_id', 'end_date'], unique=False)
    op.create_table(
        'track_retirements',
        sa.Column('track_id', sa.String(length=100), nullable=False),
        sa.Column('retired_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('track_id'),
    )
    op.create_table(
        'settings',
        sa.Column('key', sa.String(length=150), nullable=False),
        sa.Column('value', sa.JSON(), nullable=False),
        sa.Column('updated_at', UTC, nullable=False),
        sa.PrimaryKeyConstraint('key'),
    )
    _backfill_progress()


def _backfill_progress() -> None:
    """Record each enrollment's delivered units (from its lesson deliveries) and the version it was on."""
    con = op.get_bind()
    enrollments = sa.table('enrollments', sa.column('id', sa.Integer()), sa.column('campaign_id', sa.String()),
                           sa.column('track_version_id', sa.Integer()), sa.column('units_done', sa.JSON()))
    latest = {}
    for track_id, vid in con.execute(sa.text(
            "SELECT track_id, id FROM track_versions ORDER BY track_id, version")):
        latest[track_id] = vid
    tracks = dict(con.execute(sa.text("SELECT id, track_id FROM campaigns")).all())
    done: dict[int, list[str]] = {}
    for eid, item in con.execute(sa.text(
            "SELECT enrollment_id, item FROM deliveries WHERE kind = 'lesson' AND enrollment_id IS NOT NULL "
            "ORDER BY enrollment_id, id")):
        units = done.setdefault(eid, [])
        if item not in units:
            units.append(item)
    for eid, cid in con.execute(sa.text("SELECT id, campaign_id FROM enrollments")).all():
        con.execute(enrollments.update().where(enrollments.c.id == eid).values(
            units_done=done.get(eid, []), track_version_id=latest.get(tracks.get(cid))))


def downgrade() -> None:
    op.drop_table('settings')
    op.drop_table('track_retirements')
    op.drop_index('ix_leave_person', table_name='leave_periods')
    op.drop_table('leave_periods')
    with op.batch_alter_table('enrollments') as b:
        b.drop_constraint('fk_enrollments_track_version', type_='foreignkey')
        b.drop_column('units_done')
        b.drop_column('track_version_id')
    with op.batch_alter_table('campaigns') as b:
        b.drop_column('quiet_hours')
    with op.batch_alter_table('people') as b:
        b.drop_column('quiet_hours')
        b.drop_column('weekend')
        b.drop_column('region')
        b.drop_column('country')
