"""`nudgebot slack ...`: check the roster against the Slack workspace."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.settings import Settings

app = typer.Typer(help="Slack workspace sync.", no_args_is_help=True)


@app.callback()
def slack() -> None:
    """Manage the Slack workspace connection."""


@app.command()
def sync(all_: Annotated[bool, typer.Option("--all/--new", help="Re-check everyone, or only people "
                                                                "not checked yet.")] = True,
         limit: Annotated[int, typer.Option(help="Check at most this many people.")] = 10_000) -> None:
    """Fetch Slack ids, time zones and locales; print one line per person Slack cannot reach."""
    from types import SimpleNamespace

    from bot.channels.slack.app import make_client
    from bot.channels.slack.channel import SlackChannel
    from bot.channels.slack.sync import sync_profiles
    from bot.conversation import Conversation
    from core.clock import SystemClock
    from core.db import Database
    from core.services import people
    from scheduler.dispatcher import Dispatcher

    settings = Settings()
    if not settings.slack_bot_token:
        typer.echo("error: SLACK_BOT_TOKEN is not set", err=True)
        raise typer.Exit(1)
    # Only what a sync needs; bot.bootstrap would pull in every other channel.
    db, clock = Database(settings.database_url), SystemClock()
    channel = SlackChannel(make_client(settings.slack_bot_token, settings.slack_api_url),
                           workspace_rate=settings.slack_workspace_rate)
    channels = {"slack": channel}
    dispatcher = Dispatcher(db, channels, clock)
    services = SimpleNamespace(db=db, clock=clock, conversation=Conversation(db, channels, dispatcher, clock))
    report = asyncio.run(sync_profiles(services, channel, force=all_, limit=limit))
    with services.db.session() as s:
        noted = [(p.handle, p.platform_note) for p in people.platform_notes(s)]
    for handle, note in noted:
        typer.echo(f"slack: {handle}: {note}")
    typer.echo(f"checked {report.checked} people, linked {report.linked} by email, "
               f"{len(noted)} with a problem")
    if report.interrupted:
        typer.echo(f"stopped early: {report.interrupted}; run again later", err=True)
        raise typer.Exit(1)
