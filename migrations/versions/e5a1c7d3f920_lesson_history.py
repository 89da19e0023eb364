"""reach2: lesson history with a full-text index (SQLite FTS5, PostgreSQL tsvector + GIN), filled from sent lessons

Revision ID: e5a1c7d3f920
Revises: b3d5f7a9c2e1
Create Date: 2026-12-09 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = 'e5a1c7d3f920'
down_revision: str | None = 'b3d5f7a9c2e1'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Kept here, not imported, so this revision means the same thing whatever the code becomes later.
SQLITE_UP = [
    "CREATE VIRTUAL TABLE lesson_history_fts USING fts5(title, body, content='lesson_history', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER lesson_history_ai AFTER INSERT ON lesson_history BEGIN "
    "INSERT INTO lesson_history_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER lesson_history_ad AFTER DELETE ON lesson_history BEGIN "
    "INSERT INTO lesson_history_fts(lesson_history_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER lesson_history_au AFTER UPDATE ON lesson_history BEGIN "
    "INSERT INTO lesson_history_fts(lesson_history_fts, rowid, title, body) "
    "VALUES ('delete', old.id, old.title, old.body); "
    "INSERT INTO lesson_history_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS lesson_history_au", "DROP TRIGGER IF EXISTS lesson_history_ad",
               "DROP TRIGGER IF EXISTS lesson_history_ai", "DROP TABLE IF EXISTS lesson_history_fts"]
# 'simple': no stemming, so every language is indexed alike; prefix queries do the rest.
POSTGRES_UP = [
    "ALTER TABLE lesson_history ADD COLUMN search_vector tsvector GENERATED ALWAYS AS "
    "(to_tsvector('simple', coalesce(title, '') || ' ' || coalesce(body, ''))) STORED",
    "CREATE INDEX ix_lesson_history_search ON lesson_history USING gin (search_vector)",
]
POSTGRES_DOWN = ["DROP INDEX IF EXISTS ix_lesson_history_search",
                 "ALTER TABLE lesson_history DROP COLUMN IF EXISTS search_vector"]


def _fill(bind: sa.engine.Connection) -> None:
    """Copy every lesson already sent into the history, as its payload showed it."""
    deliveries = sa.table('deliveries', sa.column('id', sa.Integer()), sa.column('person_id', sa.Integer()),
                          sa.column('campaign_id', sa.String()), sa.column('kind', sa.String()),
                          sa.column('status', sa.String()), sa.column('payload', sa.JSON()),
                          sa.column('sent_at', core.models.UTCDateTime(timezone=True)))
    history = sa.table('lesson_history', sa.column('person_id', sa.Integer()), sa.column('delivery_id', sa.Integer()),
                       sa.column('campaign_id', sa.String()), sa.column('title', sa.Text()),
                       sa.column('body', sa.Text()), sa.column('sent_at', core.models.UTCDateTime(timezone=True)))
    rows = bind.execute(sa.select(deliveries).where(deliveries.c.kind == 'lesson', deliveries.c.status == 'sent',
                                                    deliveries.c.person_id.is_not(None),
                                                    deliveries.c.sent_at.is_not(None))
                        .order_by(deliveries.c.id))
    batch: list[dict[str, object]] = []
    for r in rows:
        payload = r.payload if isinstance(r.payload, dict) else {}
        batch.append({'person_id': r.person_id, 'delivery_id': r.id, 'campaign_id': r.campaign_id,
                      'title': str(payload.get('title') or ''), 'body': str(payload.get('text') or ''),
                      'sent_at': r.sent_at})
    for i in range(0, len(batch), 500):
        bind.execute(history.insert(), batch[i:i + 500])


def upgrade() -> None:
    op.create_table(
        'lesson_history',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('delivery_id', sa.Integer(), nullable=False),
        sa.Column('campaign_id', sa.String(length=100), nullable=True),
        sa.Column('title', sa.Text(), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sent_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['delivery_id'], ['deliveries.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('delivery_id'),
    )
    op.create_index('ix_lesson_history_person', 'lesson_history', ['person_id', 'sent_at'], unique=False)
    bind = op.get_bind()
    for statement in SQLITE_UP if bind.dialect.name == 'sqlite' else POSTGRES_UP:
        bind.exec_driver_sql(statement)
    _fill(bind)  # on SQLite the insert trigger indexes each row


def downgrade() -> None:
    bind = op.get_bind()
    for statement in SQLITE_DOWN if bind.dialect.name == 'sqlite' else POSTGRES_DOWN:
        bind.exec_driver_sql(statement)
    op.drop_index('ix_lesson_history_person', table_name='lesson_history')
    op.drop_table('lesson_history')
