"""Shared pieces of the command line: the Typer apps (the rest is in bot/cli/base.py, re-exported here)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import typer
from typer.core import TyperGroup

from bot.cli.base import CLIError, err, load_settings, open_services, out, parse_date, parse_instant, session_of

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

T = TypeVar("T")

__all__ = ["CLIError", "LazyGroup", "T", "app", "campaign_app", "content_app", "db_app", "err", "lazy_commands",
           "load_settings", "open_services", "out", "parse_date", "parse_instant", "people_app", "session_of"]
