"""Apply Alembic migrations programmatically (for `db upgrade`, `run` on SQLite, the demo and tests)."""

from __future__ import annotations

import re
import sqlite3
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine, make_url

import migrations
from core.db import normalise_url

if TYPE_CHECKING:
    from alembic.config import Config

_ASSIGNMENT = re.compile(r"^(down_revision|revision)\b[^=]*=(.*)$", re.MULTILINE)
_QUOTED = re.compile(r"['\"]([0-9A-Za-z_]+)['\"]")


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """Return the migrations' head revision ids, read from the files (no Alembic import).

    A merge revision's tuple of parents counts too; anything unreadable only means Alembic runs.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for f in (Path(migrations.__file__).parent / "versions").glob("*.py"):
        for name, value in _ASSIGNMENT.findall(f.read_text(encoding="utf-8")):
            ids = _QUOTED.findall(value)
            (revisions if name == "revision" else parents).update(ids)
    return frozenset(revisions - parents)


def at_head(engine: Engine) -> bool:
    """Return True when the database's stored revision is already the newest (one cheap query)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        stored = {row[0] for row in conn.execute(text("SELECT version_num FROM alembic_version"))}
    return bool(stored) and stored == set(head_revisions())


def alembic_config(url: str) -> Config:
    """Return an Alembic config for `url` using the packaged migrations folder."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(migrations.__file__).parent))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url).replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` up to `revision`."""

    from alembic import command

    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    """Take the database at `url` back to `revision`."""

    from alembic import command

    command.downgrade(alembic_config(url), revision)


def revision(url: str, message: str) -> None:
    """Autogenerate a new migration from the models (for developers)."""

    from alembic import command

    command.revision(alembic_config(url), message=message, autogenerate=True)


def backup_sqlite(url: str, target: Path) -> int:
    """Copy the SQLite database at `url` to `target` with SQLite's online backup API; return its size in bytes.

    Safe while the web app and worker keep writing: the copy is one consistent snapshot. The copy is
    checked with `PRAGMA integrity_check` before this returns.
    """
    source = make_url(normalise_url(url)).database
    if not source or source == ":memory:":
        raise ValueError("DATABASE_URL does not name a SQLite file")
    if not Path(source).exists():
        raise ValueError(f"{source}: no such database file")
    if target.exists():
        raise ValueError(f"{target}: already exists; choose a new file name")
    if not target.parent.is_dir():
        raise ValueError(f"{target.parent}: no such directory")
    partial = target.with_name(target.name + ".partial")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst, pages=1024)  # in steps, so writers are never held up for long
        ok = dst.execute("PRAGMA integrity_check").fetchone()
        if ok is None or ok[0] != "ok":
            raise ValueError(f"{target}: the copy failed its integrity check ({ok})")
    finally:
        dst.close()
        src.close()
    partial.rename(target)
    return target.stat().st_size
