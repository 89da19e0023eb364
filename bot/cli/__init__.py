"""The `nudgebot` command line (Typer + Rich). Command names are a contract for docs and scripts."""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.cli.common import CLIError, err, lazy_commands, open_services
from content.problems import ContentError
from core.errors import UserError

# Every module that registers commands, in the order --help lists them.
MODULES = ("admin", "backup", "tick", "console", "dashboard", "digests", "export", "history", "importing",
           "learning", "privacy", "reach", "report", "serve", "simulate")
# Commands that run often or for long (cron's tick, the worker process) import only their own module, so
# they start without the rest of the CLI's imports (content loader, reports, Rich tables, the LRS client).
# Each is the only command of that name, so its --help, usage errors and exit codes stay the same.
ALONE = {"tick": "tick", "worker": "serve"}


def load_commands(argv: list[str]) -> typer.Typer:
    """Import the command modules the command line `argv` needs (all of them unless it is one of ALONE)."""
    from bot.cli.common import app

    wanted = [ALONE[argv[0]]] if argv and argv[0] in ALONE else MODULES
    for name in wanted:
        importlib.import_module(f"bot.cli.{name}")
    return app


def __getattr__(name: str) -> typer.Typer:
    """Return `app` with every command registered (`from bot.cli import app`, as tests and tools use)."""
    if name == "app":
        return load_commands([])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ----------------------------------------------------------------------------- platform sub-commands


def _telegram_command() -> Any:
    from bot.channels.telegram.cli import app as telegram_app

    cmd = typer.main.get_command(telegram_app)
    cmd.help = "Telegram webhook management."
    return cmd


def _slack_command() -> Any:
    from bot.channels.slack.cli import make_app as slack_cli

    cmd = typer.main.get_command(slack_cli(lambda: open_services(platforms=False)))
    cmd.help = "Slack workspace sync."
    return cmd


# Imported only when their command is used: the chat SDKs cost most of the CLI's start-up.
lazy_commands.update(telegram=_telegram_command, slack=_slack_command)


def main() -> None:
    """Run the CLI, turning user mistakes into one clear line and a non-zero exit."""
    app = load_commands(sys.argv[1:])
    try:
        rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err.print("aborted")
        sys.exit(130)
    except (UserError, CLIError) as exc:
        err.print(f"error: {exc}", markup=False)
        sys.exit(1)
    except ContentError as exc:
        for p in exc.problems:
            err.print(str(p), markup=False)
        sys.exit(1)
    except (OperationalError, ProgrammingError) as exc:
        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        err.print(f"error: database problem: {first} (is DATABASE_URL right? try `nudgebot db upgrade`)",
                  markup=False)
        sys.exit(1)
    except Exception as exc:
        # Usage errors: Typer may raise its own bundled copy of click's exceptions, so match by shape.
        show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(exit_code, int):
            show()
            sys.exit(exit_code)
        raise


