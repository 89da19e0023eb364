"""Apply Alembic migrations programmatically (for `db upgrade`, `run` on SQLite, the demo and tests)."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine

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
