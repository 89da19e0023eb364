"""The `nudgebot` command line (Typer + Rich). Command names are a contract for docs and scripts."""

from __future__ import annotations

import gc
import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import typer

# Every module that registers commands, in the order --help lists them.
MODULES = ("admin", "backup", "tick", "console", "dashboard", "digests", "export", "history", "importing",
           "learning", "privacy", "reach", "report", "serve", "simulate")
# Commands that run often or for long (cron's tick, the worker process) import only their own module, so
# they start without the rest of the CLI's imports (content loader, reports, Rich tables, the LRS client).
# Each is the only command of that name, so its --help, usage errors and exit codes stay the same.
ALONE = {"tick": "tick", "worker": "serve"}


def load_commands(argv: list[str]) -> typer.Typer:
    """Import the command modules the command line `argv` needs (all of them unless it is one of ALONE)."""
    from bot.cli.common import app, lazy_commands

    # Imported only when their command is used: the chat SDKs cost most of the CLI's start-up.
    lazy_commands.update(telegram=_telegram_command, slack=_slack_command)
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
    import typer

    from bot.channels.telegram.cli import app as telegram_app

    cmd = typer.main.get_command(telegram_app)
    cmd.help = "Telegram webhook management."
    return cmd


def _slack_command() -> Any:
    import typer

    from bot.channels.slack.cli import make_app as slack_cli
    from bot.cli.common import open_services

    cmd = typer.main.get_command(slack_cli(lambda: open_services(platforms=False)))
    cmd.help = "Slack workspace sync."
    return cmd


def main(plain: bool = True) -> None:
    """Run the CLI, turning user mistakes into one clear line and a non-zero exit.

    `plain=False` parses even a plain `tick` or `worker` with Typer (to compare the two in tests).
    """
    argv = sys.argv[1:]
    # Start-up builds some hundred thousand long-lived objects (SQLAlchemy, the models): collecting during
    # the imports finds nothing to free, and freezing them spares every later collection (and the
    # interpreter's at exit) from walking them again. Only a process's first start imports them (tests
    # call main() again and again), so only that one touches the collector.
    starting = "bot.cli.plain" not in sys.modules
    if starting:
        gc.disable()
    try:
        from bot.cli.plain import plain_command, run_plain

        body = plain_command(argv) if plain else None
        app = None if body else load_commands(argv)
    finally:
        if starting:
            gc.freeze()
            gc.enable()
    try:
        if body is not None:
            rc = run_plain(body)
        else:
            assert app is not None
            rc = app(standalone_mode=False)
        if isinstance(rc, int) and rc:
            sys.exit(rc)
    except Exception as exc:
        sys.exit(failure(exc))
    except KeyboardInterrupt as exc:
        sys.exit(failure(exc))


def failure(exc: BaseException) -> int:
    """Report an error the way the CLI does and return the exit code; re-raise what is a bug."""
    from sqlalchemy.exc import OperationalError, ProgrammingError

    from bot.cli.base import CLIError, err
    from content.problems import ContentError
    from core.errors import UserError

    # Typer is not imported by a plain `tick` or `worker`, so none of its exceptions can come from them.
    typer = sys.modules.get("typer")
    if typer is not None and isinstance(exc, typer.Exit):
        return int(exc.exit_code)
    if isinstance(exc, KeyboardInterrupt) or (typer is not None and isinstance(exc, typer.Abort)):
        err.print("aborted")
        return 130
    if isinstance(exc, (UserError, CLIError)):
        err.print(f"error: {exc}", markup=False)
        return 1
    if isinstance(exc, ContentError):
        for p in exc.problems:
            err.print(str(p), markup=False)
        return 1
    if isinstance(exc, (OperationalError, ProgrammingError)):
        first = str(exc.orig).splitlines()[0] if exc.orig else str(exc).splitlines()[0]
        err.print(f"error: database problem: {first} (is DATABASE_URL right? try `nudgebot db upgrade`)",
                  markup=False)
        return 1
    # Usage errors: Typer may raise its own bundled copy of click's exceptions, so match by shape.
    show, exit_code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
    if callable(show) and isinstance(exit_code, int):
        show()
        return exit_code
    raise exc
