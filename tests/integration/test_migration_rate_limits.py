"""The rate-limits migration keeps every row and gives the shared limiter its table, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, inspect

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.ratelimit import Limit, SharedLimiter
from tests.integration.test_migrations import _fill_initial, snapshot

PREVIOUS = "f7c2a9e4b1d8"  # scenario paths


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before
    db = Database(url)
    limiter = SharedLimiter(db, clock=lambda: 100.0)
    assert [limiter._reserve([Limit("telegram:1", 0.5)], "telegram:1:pause") for _ in range(3)] == [100.0, 100.5, 101.0]
    db.dispose()


def test_rate_limits_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check(url)
    downgrade(url, PREVIOUS)
    engine = create_engine(url)
    assert "rate_limits" not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(url)


def test_rate_limits_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
