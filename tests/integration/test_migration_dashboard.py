"""The dashboard migration keeps every row: fill a database at the previous revision, upgrade, compare."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Person
from core.services import dashboard
from tests.integration.test_migrations import _exports, _fill_initial, snapshot

BEFORE = "a8d4f1c2e7b3"  # learning
NOW = datetime(2027, 1, 5, 9, 0, tzinfo=UTC)


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, BEFORE)
    before = snapshot(url)
    assert before["people"] and before["deliveries"] and before["answers"]
    upgrade(url)
    assert snapshot(url) == before
    exported = _exports(url)
    assert exported["people"] and exported["deliveries"] and exported["answers"]
    db = Database(url)
    with db.session() as s:
        boss = s.scalars(select(Person).where(Person.email == "boss@example.org")).one()
        token = dashboard.issue_sign_in(s, boss, NOW)
        dashboard.audit(s, boss, "sign_in", boss.handle, NOW)
    with db.session() as s:
        assert dashboard.redeem_sign_in(s, token, NOW) is not None
        assert [e.action for e in dashboard.audit_entries(s).rows] == ["sign_in"]
    db.dispose()
    downgrade(url, BEFORE)
    assert snapshot(url) == before


def test_dashboard_migration_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_dashboard_migration_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
