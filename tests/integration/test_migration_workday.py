"""The working-day/versions migration keeps every row and backfills progress by unit id from the lessons sent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Campaign, Enrollment, LeavePeriod, Person, Setting
from tests.integration.test_migrations import raw_rows, upgrade_keeps_columns

PREVIOUS = "e5a1c7d3f209"  # managers2
TABLES = ("people", "chat_accounts", "campaigns", "enrollments", "deliveries", "answers", "track_versions",
          "memory_states", "completions")


def _check(url: str) -> None:
    upgrade_keeps_columns(url, PREVIOUS, TABLES)
    db = Database(url)
    with db.session() as s:
        e = s.scalars(select(Enrollment)).one()
        assert e.units_done == ["u1"] and e.track_version_id == 1  # from the lesson delivered
        ann = s.get(Person, 2)
        c = s.get(Campaign, "c1")
        assert ann is not None and c is not None
        assert (ann.country, ann.region, ann.weekend, ann.quiet_hours, c.quiet_hours) == (None,) * 5
        ann.country, ann.weekend = "DE", "sat;sun"
        s.add(LeavePeriod(person_id=2, start_date=date(2027, 2, 1), end_date=date(2027, 2, 5), source="leave",
                          created_at=datetime(2027, 1, 5, tzinfo=UTC)))
        s.add(Setting(key="fsrs.parameters", value={"parameters": [0.1]}, updated_at=datetime(2027, 1, 5, tzinfo=UTC)))
    with db.session() as s:
        assert s.scalars(select(LeavePeriod.source)).all() == ["leave"]
        ann = s.get(Person, 2)
        assert ann is not None and ann.country == "DE"
    db.dispose()


def test_workday_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check(url)
    downgrade(url, PREVIOUS)
    assert [r["id"] for r in raw_rows(url, TABLES)["people"]] == [1, 2, 3, 4]
    upgrade(url)


def test_workday_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
    downgrade(pg_url, PREVIOUS)
    upgrade(pg_url)
