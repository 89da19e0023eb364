"""The learning migration keeps every row: fill at the chat-accounts revision, upgrade, compare, then learn."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Campaign, Enrollment, MemoryRow, Person
from core.services import memory
from tests.integration.test_migrations import _exports, upgrade_keeps_columns

PREVIOUS = "b4d7e2a91c63"  # managers
THIS = "a8d4f1c2e7b3"


TABLES = ("people", "chat_accounts", "campaigns", "enrollments", "deliveries", "answers", "track_versions")


def _check(url: str) -> None:
    upgrade_keeps_columns(url, PREVIOUS, TABLES, to=THIS)
    upgrade(url)
    after = _exports(url)
    assert all(r["slot_day"] is None and r["slot_at"] is None for r in after["deliveries"])
    assert after["completions"] == []
    db = Database(url)
    with db.session() as s:
        c = s.get(Campaign, "c1")
        assert c is not None
        assert (c.daily_cap, c.mastery_days, c.pass_mark, c.spacing) == (3, 21, 0.8, "fsrs")
        ann = s.get(Person, 2)
        assert ann is not None and ann.daily_cap is None
        e = s.scalars(select(Enrollment)).one()
        memory.asked(s, e, "u1", "q1", datetime(2027, 1, 5, tzinfo=UTC))
    with db.session() as s:
        assert s.scalars(select(MemoryRow.question_id)).all() == ["q1"]
    db.dispose()


def test_learning_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check(url)
    downgrade(url, PREVIOUS)
    upgrade(url)


def test_learning_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
