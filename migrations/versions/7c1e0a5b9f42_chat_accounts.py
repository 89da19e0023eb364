"""chat accounts: chat identities become rows, people get a preferred channel, replies use the outbox

Revision ID: 7c1e0a5b9f42
Revises: d2868cd1963a
Create Date: 2026-11-25 22:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import core.models

revision: str = '7c1e0a5b9f42'
down_revision: str | None = 'd2868cd1963a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The two platforms the initial schema kept as columns of people, oldest first: a person's first
# account names them in exports, their newest one is where nudges go (Telegram won before, too).
LEGACY = ("slack", "telegram")


def upgrade() -> None:
    op.create_table(
        'chat_accounts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('person_id', sa.Integer(), nullable=False),
        sa.Column('platform', sa.String(length=32), nullable=False),
        sa.Column('workspace', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.String(length=64), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('linked_at', core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('platform', 'workspace', 'user_id'),
    )
    op.create_index('ix_chat_accounts_person_id', 'chat_accounts', ['person_id'], unique=False)
    for platform in LEGACY:
        op.execute(
            f"INSERT INTO chat_accounts (person_id, platform, workspace, user_id, status, linked_at) "
            f"SELECT id, '{platform}', '', {platform}_id, "
            f"CASE WHEN status IN ('blocked', 'deactivated') THEN status ELSE 'active' END, created_at "
            f"FROM people WHERE {platform}_id IS NOT NULL ORDER BY id"
        )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('preferred_channel', sa.String(length=32), nullable=True))
        batch_op.drop_column('slack_id')
        batch_op.drop_column('telegram_id')
    # Replies go through the outbox too, also to someone the bot does not know yet.
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM deliveries WHERE person_id IS NULL")
    with op.batch_alter_table('deliveries', schema=None) as batch_op:
        batch_op.alter_column('person_id', existing_type=sa.Integer(), nullable=False)
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slack_id', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('telegram_id', sa.String(length=64), nullable=True))
    for platform in LEGACY:
        op.execute(
            f"UPDATE people SET {platform}_id = (SELECT a.user_id FROM chat_accounts a "
            f"WHERE a.person_id = people.id AND a.platform = '{platform}' ORDER BY a.id DESC LIMIT 1)"
        )
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.create_unique_constraint('people_slack_id_key', ['slack_id'])
        batch_op.create_unique_constraint('people_telegram_id_key', ['telegram_id'])
        batch_op.drop_column('preferred_channel')
    op.drop_index('ix_chat_accounts_person_id', table_name='chat_accounts')
    op.drop_table('chat_accounts')
