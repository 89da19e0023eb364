"""`nudgebot db backup FILE`: a consistent copy of the SQLite database while it is in use."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from bot.cli.common import CLIError, db_app, load_settings, out
from core.db import normalise_url


@db_app.command("backup")
def db_backup(file: Annotated[Path, typer.Argument(help="New file to write the copy to.")]) -> None:
    """Copy the SQLite database to FILE (online backup API); for PostgreSQL, say how to use pg_dump."""
    from bot.dbsetup import backup_sqlite

    url = load_settings().database_url
    parsed = make_url(normalise_url(url))
    if parsed.get_backend_name() != "sqlite":
        safe = parsed.set(drivername="postgresql").render_as_string(hide_password=True)
        raise CLIError(f"nothing written: PostgreSQL is backed up with its own tools, e.g. "
                       f"pg_dump --format=custom --file {file} '{safe}' (restore: see README, Reliability)")
    try:
        size = backup_sqlite(url, file)
    except (ValueError, OSError, sqlite3.Error) as exc:
        raise CLIError(f"backup failed: {exc}") from exc
    out.print(f"Backed up {parsed.database} to {file} ({size:,} bytes, integrity checked).", markup=False)
