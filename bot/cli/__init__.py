"""The `nudgebot` command line (Typer + Rich). Command names are a contract for docs and scripts."""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import OperationalError, ProgrammingError

from bot.cli import (  # noqa: F401 - importing them registers their commands
    admin,
    console,
    export,
    importing,
    learning,
    privacy,
    reach,
    report,
    serve,
    simulate,
)
from bot.cli.common import CLIError, app, err, open_services
from content.loader import ContentError
from core.errors import UserError

# ----------------------------------------------------------------------------- platform sub-commands


def _mount_platforms() -> None:
    from bot.channels.slack.cli import make_app as slack_cli
    from bot.channels.telegram.cli import app as telegram_app

    app.add_typer(telegram_app, name="telegram", help="Telegram webhook management.")
    app.add_typer(slack_cli(lambda: open_services(platforms=False)), name="slack", help="Slack workspace sync.")


_mount_platforms()


def main() -> None:
    """Run the CLI, turning user mistakes into one clear line and a non-zero exit."""
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


