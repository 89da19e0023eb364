"""`nudgebot db backup FILE`: a consistent, restorable copy while the service writes; advice for PostgreSQL."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from core.db import Database
from core.models import Delivery
from tests.helpers import World, make_track


def nudgebot(*args: str, db_url: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": db_url}
    return subprocess.run([sys.executable, "-m", "bot.cli", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=60)


def test_backup_while_writing_is_consistent_and_restores(world: World, db_url: str, tmp_path: Path) -> None:
    world.publish(make_track())
    world.person("ada@example.com")
    stop = threading.Event()

    def write() -> None:  # the service keeps writing while the backup runs
        n = 0
        while not stop.is_set():
            n += 1
            world.person(f"writer{n}@example.com")

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = nudgebot("db", "backup", str(tmp_path / "copy.db"), db_url=db_url, cwd=tmp_path)
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "integrity checked" in result.stdout
    with sqlite3.connect(tmp_path / "copy.db") as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert con.execute("select count(*) from people where email = 'ada@example.com'").fetchone() == (1,)
    # Restore as the README says: stop the service, put the copy in place of the database file.
    restored = tmp_path / "restored.db"
    (tmp_path / "copy.db").rename(restored)
    check = nudgebot("export", "people", "--format", "csv", db_url=f"sqlite:///{restored}", cwd=tmp_path)
    assert check.returncode == 0 and "ada@example.com" in check.stdout, check.stderr
    db = Database(f"sqlite:///{restored}")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Delivery)) == 0
    db.dispose()


def test_backup_refuses_to_overwrite_and_names_the_file(db_url: str, tmp_path: Path) -> None:
    target = tmp_path / "exists.db"
    target.write_bytes(b"keep me")
    result = nudgebot("db", "backup", str(target), db_url=db_url, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and str(target) in result.stderr and "Traceback" not in result.stderr
    assert target.read_bytes() == b"keep me"
    missing = nudgebot("db", "backup", str(tmp_path / "no" / "dir.db"), db_url=db_url, cwd=tmp_path)
    assert missing.returncode == 1 and "no such directory" in missing.stderr


def test_backup_on_postgres_prints_pg_dump_advice_without_the_password(tmp_path: Path) -> None:
    url = "postgresql://nudge:hunter2@127.0.0.1:1/nudgebot"
    result = nudgebot("db", "backup", str(tmp_path / "x.dump"), db_url=url, cwd=tmp_path)
    assert result.returncode == 1
    assert "pg_dump --format=custom" in result.stderr and "hunter2" not in result.stderr
    assert not (tmp_path / "x.dump").exists()
