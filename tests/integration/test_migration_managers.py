"""The managers migration (roster attributes, audit log, xAPI outbox) keeps every row, up and down."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bot.dbsetup import downgrade, upgrade
from tests.integration.test_migrations import EXPECTED_ANSWERS, EXPECTED_PEOPLE, _exports, _fill_initial

PREVIOUS = "a9d4c3e2b1f0"  # reach


def _people(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        rows = [tuple(r) for r in con.execute(text("SELECT id, email, name, manager_id FROM people ORDER BY id"))]
    engine.dispose()
    return rows


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = _people(url)
    upgrade(url)
    assert _people(url) == before
    got = _exports(url)
    assert got["people"] == EXPECTED_PEOPLE and got["answers"] == EXPECTED_ANSWERS
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        assert con.execute(text("SELECT count(*) FROM people WHERE groups = '' AND department IS NULL")).scalar() == 4
        con.execute(text("INSERT INTO audit_log (at, actor, action, reason) "
                         "VALUES ('2027-01-05 00:00:00', 'cli', 'export', 'test')"))
    engine.dispose()
    downgrade(url, PREVIOUS)
    assert _people(url) == before


def test_managers_migration_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_managers_migration_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
