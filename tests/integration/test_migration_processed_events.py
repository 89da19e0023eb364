"""The processed_events index migration keeps every row, and the worker then forgets events a month old."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, inspect, select

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import ProcessedEvent
from core.services import inbound
from tests.integration.test_migrations import upgrade_keeps_rows

PREVIOUS = "b5e2c7a9d3f1"  # inbox
NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)
INDEX = "ix_processed_events_processed_at"


def _indexes(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return {ix["name"] for ix in inspect(engine).get_indexes("processed_events")}
    finally:
        engine.dispose()


def _check(url: str) -> None:
    upgrade_keeps_rows(url, PREVIOUS)
    db = Database(url)
    with db.session() as s:
        s.add_all([ProcessedEvent(key="slack:event:old", processed_at=NOW - timedelta(days=31)),
                   ProcessedEvent(key="slack:event:new", processed_at=NOW - timedelta(days=29))])
    with db.session() as s:
        assert inbound.purge(s, NOW) == 1
    with db.session() as s:
        assert list(s.scalars(select(ProcessedEvent.key))) == ["slack:event:new"]
        assert not inbound.first_time(s, "slack:event:new", NOW)  # still remembered: a retry changes nothing
    db.dispose()
    assert INDEX in _indexes(url)
    downgrade(url, PREVIOUS)
    assert INDEX not in _indexes(url)
    upgrade(url)
    assert INDEX in _indexes(url)


def test_processed_events_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_processed_events_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
