"""Shared pieces of the command line: the Typer apps, consoles, errors and service start-up."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import typer
from rich.console import Console
from sqlalchemy.orm import Session
from typer.core import TyperGroup

from bot.bootstrap import Services, bootstrap
from bot.settings import Settings
from core.clock import Clock

# Sub-commands built only when named (or listed by --help), so `nudgebot tick` never imports a chat SDK.
# (Typer carries its own click, so the commands are typed loosely here.)
lazy_commands: dict[str, Callable[[], Any]] = {}


class LazyGroup(TyperGroup):
    """The top-level command group: adds the lazily built sub-commands on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        """Return every command name, the lazy ones included."""
        return list(super().list_commands(ctx)) + [n for n in lazy_commands if n not in self.commands]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """Return the command, building a lazy one the first time it is asked for."""
        if cmd_name in lazy_commands and cmd_name not in self.commands:
            self.add_command(lazy_commands[cmd_name](), cmd_name)
        return super().get_command(ctx, cmd_name)


app = typer.Typer(help="nudgebot: microlessons and quizzes in chat, on each learner's schedule.",
                  no_args_is_help=True, pretty_exceptions_enable=False, add_completion=False, cls=LazyGroup)
db_app = typer.Typer(help="Database migrations.", no_args_is_help=True)
content_app = typer.Typer(help="Check and publish content files.", no_args_is_help=True)
people_app = typer.Typer(help="Import and invite people.", no_args_is_help=True)
campaign_app = typer.Typer(help="Schedule campaigns.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(content_app, name="content")
app.add_typer(people_app, name="people")
app.add_typer(campaign_app, name="campaign")

out = Console(highlight=False)
# Errors stay one line each, whatever the terminal width, so scripts and people can read them.
err = Console(stderr=True, highlight=False, soft_wrap=True)
T = TypeVar("T")


class CLIError(Exception):
    """A one-line error for the user."""


def load_settings() -> Settings:
    return Settings()


def open_services(clock: Clock | None = None, settings: Settings | None = None, platforms: bool = True) -> Services:
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
    with services.db.session() as s:
        yield s


def parse_instant(value: str) -> datetime:
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CLIError(f"--at: {value!r} is not an ISO-8601 instant such as 2027-01-04T14:31:00Z") from None
    if when.tzinfo is None:
        raise CLIError(f"--at: {value!r} has no offset; add Z or +01:00 so the instant is unambiguous")
    return when.astimezone(UTC)


def parse_date(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CLIError(f"{option}: {value!r} is not a date such as 2027-01-04") from None


