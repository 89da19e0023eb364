"""The retention migration keeps every campaign as it was (0.8, the retention the planner used before) and every
row, and a campaign can then ask for its own."""

from __future__ import annotations

from pathlib import Path

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Campaign
from tests.integration.test_migrations import column_names, upgrade_keeps_columns

PREVIOUS = "c8d4f2a6e1b3"  # processed_events index
TABLES = ("people", "chat_accounts", "campaigns", "enrollments", "deliveries", "answers", "track_versions")


def _check(url: str) -> None:
    upgrade_keeps_columns(url, PREVIOUS, TABLES)
    db = Database(url)
    with db.session() as s:
        c = s.get(Campaign, "c1")
        assert c is not None and c.retention == 0.8
        c.retention = 0.9
    with db.session() as s:
        c = s.get(Campaign, "c1")
        assert c is not None and c.retention == 0.9
    db.dispose()
    downgrade(url, PREVIOUS)
    assert "retention" not in column_names(url, "campaigns")
    upgrade(url)
    assert "retention" in column_names(url, "campaigns")


def test_retention_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_retention_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
