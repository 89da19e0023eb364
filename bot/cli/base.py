"""What every command shares without Typer: consoles, the one-line error, settings and service start-up.

`tick` and `worker` run from here alone (bot/cli/plain.py), so nothing in this module may import Typer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime

from rich.console import Console
from sqlalchemy.orm import Session

from bot.bootstrap import Services, bootstrap
from bot.settings import Settings
from core.clock import Clock

out = Console(highlight=False)
# Errors stay one line each, whatever the terminal width, so scripts and people can read them.
err = Console(stderr=True, highlight=False, soft_wrap=True)


class CLIError(Exception):
    """A one-line error for the user."""


def load_settings() -> Settings:
    """Read the settings from the environment and .env."""
    return Settings()


def open_services(clock: Clock | None = None, settings: Settings | None = None, platforms: bool = True) -> Services:
    """Start the services; on SQLite, bring the database to the newest migration first if it is behind."""
    settings = settings or load_settings()
    services = bootstrap(settings, clock=clock, platforms=platforms)
    if services.db.is_sqlite:
        # The embedded default needs no separate step: bring the file up to date on first use. Reading
        # the stored revision is one query; Alembic is imported and run only when it is behind.
        from bot.dbsetup import at_head, upgrade

        if not at_head(services.db.engine):
            upgrade(settings.database_url)
    return services


@contextmanager
def session_of(services: Services) -> Iterator[Session]:
    """Yield a session of the services' database (committed on success)."""
    with services.db.session() as s:
        yield s


def parse_instant(value: str) -> datetime:
    """Return the UTC instant an --at value names, or raise a one-line CLIError."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CLIError(f"--at: {value!r} is not an ISO-8601 instant such as 2027-01-04T14:31:00Z") from None
    if when.tzinfo is None:
        raise CLIError(f"--at: {value!r} has no offset; add Z or +01:00 so the instant is unambiguous")
    return when.astimezone(UTC)


def parse_date(value: str, option: str) -> date:
    """Return the date an option's value names, or raise a one-line CLIError."""
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CLIError(f"{option}: {value!r} is not a date such as 2027-01-04") from None
