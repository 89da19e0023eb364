"""The rate-limits migration keeps every row and gives the shared limiter its table, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from core.db import Database
from core.ratelimit import Limit, SharedLimiter
from tests.integration.test_migrations import downgrade_drops, upgrade_keeps_rows

PREVIOUS = "f7c2a9e4b1d8"  # scenario paths


def _check(url: str) -> None:
    upgrade_keeps_rows(url, PREVIOUS)
    db = Database(url)
    limiter = SharedLimiter(db, clock=lambda: 100.0)
    assert [limiter._reserve([Limit("telegram:1", 0.5)], "telegram:1:pause") for _ in range(3)] == [100.0, 100.5, 101.0]
    db.dispose()


def test_rate_limits_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check(url)
    downgrade_drops(url, PREVIOUS, "rate_limits")


def test_rate_limits_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
