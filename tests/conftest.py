"""Shared, channel-neutral fixtures: a migrated SQLite file per test and a scenario `World`."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.dbsetup import upgrade
from core.db import Database
from core.ratelimit import SharedLimiter
from tests.helpers import World
from tests.support import guard_network


@pytest.fixture(autouse=True)
def no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect beyond 127.0.0.0/8 (the platform APIs are emulated locally)."""
    guard_network(monkeypatch)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Run the Alembic migrations once; each test gets a copy of the result."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    con = sqlite3.connect(path)
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    return path


@pytest.fixture
def db_path(tmp_path: Path, migrated_template: Path) -> Path:
    """Path of a fresh, fully migrated SQLite file for this test."""
    path = tmp_path / "nudgebot.db"
    shutil.copyfile(migrated_template, path)
    return path


@pytest.fixture
def db_url(db_path: Path) -> str:
    """SQLAlchemy URL of this test's migrated SQLite file."""
    return f"sqlite:///{db_path}"


@pytest.fixture
def shared_limiter(db_url: str) -> Iterator[SharedLimiter]:
    """The deployment-wide rate limiter, kept in this test's database."""
    db = Database(db_url)
    yield SharedLimiter(db)
    db.dispose()


@pytest.fixture
def world(db_url: str) -> Iterator[World]:
    """Services over this test's database with a virtual clock at Sun 2027-01-03 12:00 UTC."""
    w = World(db_url, datetime(2027, 1, 3, 12, 0, tzinfo=UTC))
    yield w
    w.close()
