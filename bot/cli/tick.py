"""`nudgebot tick`: one scheduler pass from cron or a terminal; its body is in bot/cli/plain.py."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.common import app
from bot.cli.plain import run_tick

# ----------------------------------------------------------------------------- tick


@app.command()
def tick(at: Annotated[str | None, typer.Option("--at", help="ISO-8601 instant (default now).")] = None) -> None:
    """Run one scheduler pass at an instant and print what it sent."""
    run_tick(at)
