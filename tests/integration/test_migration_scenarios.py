"""The scenario migration keeps what a database at the previous revision held, on SQLite and PostgreSQL:
old answers have no step or path, new ones record them, and a downgrade drops the columns again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Answer
from tests.integration.test_migrations import (
    EXPECTED_ANSWERS,
    EXPECTED_PEOPLE,
    _exports,
    _fill_initial,
    column_names,
    snapshot,
)

PREVIOUS = "f3b8e1d4c6a2"  # question kinds


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before
    after = _exports(url)
    assert after["people"] == EXPECTED_PEOPLE and after["answers"] == EXPECTED_ANSWERS
    db = Database(url)
    with db.session() as s:
        old = s.get(Answer, 1)
        assert old is not None and (old.step, old.path) == (None, None)
        old.step, old.path = 2, "q0:1>q1:2"
    with db.session() as s:
        assert s.execute(text("SELECT step, path FROM answers WHERE id = 1")).one() == (2, "q0:1>q1:2")
    db.dispose()
    downgrade(url, PREVIOUS)
    assert not {"step", "path"} & column_names(url, "answers")
    assert snapshot(url) == before


def test_scenario_migration_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_scenario_migration_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
