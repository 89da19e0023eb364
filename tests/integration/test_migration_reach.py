"""The reach migration (track translations) keeps what a database at the previous revision held, on
SQLite and PostgreSQL, and the new table works and goes away again on downgrade."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, inspect

from bot.dbsetup import downgrade, upgrade
from content.translation import TrackTranslation
from core.db import Database
from core.services import reports
from core.services.translations import publish_translation, translations_of
from tests.integration.test_migrations import (
    EXPECTED_ANSWERS,
    EXPECTED_DELIVERIES,
    EXPECTED_PEOPLE,
    _exports,
    _fill_initial,
    snapshot,
)

PREVIOUS = "7c1e0a5b9f42"
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before
    after = _exports(url)
    assert after["people"] == EXPECTED_PEOPLE and after["deliveries"] == EXPECTED_DELIVERIES
    assert after["answers"] == EXPECTED_ANSWERS
    db = Database(url)
    tr = TrackTranslation.model_validate({"translation_of": "t", "language": "pt_br", "source_hash": "c" * 64,
                                          "title": "T em português"})
    with db.session() as s:
        assert publish_translation(s, tr, NOW)[1] is True
    with db.session() as s:
        assert publish_translation(s, tr, NOW)[1] is False  # unchanged: stored once
        [stored] = translations_of(s, "t")
    assert stored.language == "pt-BR" and stored.title == "T em português"
    assert set(reports.REPORTS) == set(after)
    db.dispose()
    downgrade(url, PREVIOUS)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    assert "track_translations" not in inspect(engine).get_table_names()
    engine.dispose()
    assert snapshot(url) == before


def test_reach_migration_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_reach_migration_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
