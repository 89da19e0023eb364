"""The inbox migration keeps every row and gives the answer path its inbox, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from core.db import Database
from core.services import inbox
from tests.integration.test_migrations import downgrade_drops, upgrade_keeps_rows

PREVIOUS = "f3b8c1d4e6a2"  # ladder
NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _check(url: str) -> None:
    upgrade_keeps_rows(url, PREVIOUS)
    db = Database(url)
    with db.session() as s:
        assert inbox.store(s, "telegram", "telegram:update:1", "{}", NOW)
        assert inbox.store(s, "telegram", "telegram:update:1", "{}", NOW)  # open still: handled when it comes
        assert inbox.claim(s, ["telegram"], NOW) == []  # within its lease
        assert inbox.claim(s, ["telegram"], NOW + timedelta(minutes=1)) == [
            ("telegram", "telegram:update:1", "{}", False)]
        assert inbox.done(s, "telegram:update:1", NOW) is True
        assert inbox.done(s, "telegram:update:1", NOW) is False
        assert inbox.done(s, "telegram:update:2", NOW) is None  # never kept
        assert not inbox.store(s, "telegram", "telegram:update:1", "{}", NOW)  # a retry of what was handled
        assert inbox.purge(s, NOW + timedelta(days=2)) == 1
    db.dispose()


def test_inbox_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check(url)
    downgrade_drops(url, PREVIOUS, "inbox")


def test_inbox_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
