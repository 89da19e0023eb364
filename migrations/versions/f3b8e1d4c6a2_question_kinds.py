"""kinds: answers keep a score (partial credit) and the raw response; choice_index is empty for non-choice answers

Revision ID: f3b8e1d4c6a2
Revises: c5f2a7d913e4
Create Date: 2026-12-10 10:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'f3b8e1d4c6a2'
down_revision: str | None = 'c5f2a7d913e4'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('answers') as b:
        b.add_column(sa.Column('score', sa.Float(), nullable=True))
        b.add_column(sa.Column('response', sa.Text(), nullable=True))
        b.alter_column('choice_index', existing_type=sa.Integer(), nullable=True)
    # Every answer so far was one pressed choice: full credit when right, none when wrong.
    answers = sa.table('answers', sa.column('score', sa.Float()), sa.column('correct', sa.Boolean()))
    op.execute(answers.update().values(score=sa.case((answers.c.correct, 1.0), else_=0.0)))


def downgrade() -> None:
    # Answers without a pressed choice cannot be told apart in the older schema; they are numbered -1.
    answers = sa.table('answers', sa.column('choice_index', sa.Integer()))
    op.execute(answers.update().where(answers.c.choice_index.is_(None)).values(choice_index=-1))
    with op.batch_alter_table('answers') as b:
        b.alter_column('choice_index', existing_type=sa.Integer(), nullable=False)
        b.drop_column('response')
        b.drop_column('score')
