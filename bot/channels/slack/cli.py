"""`nudgebot slack ...`: check the roster against the Slack workspace."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated

import typer

from bot.settings import Settings
from core.ports import ChannelHost


def make_app(open_host: Callable[[], ChannelHost]) -> typer.Typer:
    """Return the `slack` sub-commands; `open_host` gives them the database, clock and inbound handler."""
    app = typer.Typer(help="Slack workspace sync.", no_args_is_help=True)

    @app.callback()
    def slack() -> None:
        """Manage the Slack workspace connection."""

    @app.command()
    def sync(all_: Annotated[bool, typer.Option("--all/--new", help="Re-check everyone, or only people "
                                                                    "not checked yet.")] = True,
             limit: Annotated[int, typer.Option(help="Check at most this many people.")] = 10_000) -> None:
        """Fetch Slack ids, time zones and locales; print one line per person Slack cannot reach."""
        from bot.channels.slack.app import make_client
        from bot.channels.slack.channel import SlackChannel
        from bot.channels.slack.sync import sync_profiles
        from core.services import people

        settings = Settings()
        if not settings.slack_bot_token:
            typer.echo("error: SLACK_BOT_TOKEN is not set", err=True)
            raise typer.Exit(1)
        host = open_host()
        channel = SlackChannel(make_client(settings.slack_bot_token, settings.slack_api_url),
                               limiter=host.rate_limiter, workspace_rate=settings.slack_workspace_rate,
                               per_channel_interval=settings.slack_channel_interval)
        report = asyncio.run(sync_profiles(host, channel, force=all_, limit=limit))
        with host.db.session() as s:
            noted = [(p.handle, p.platform_note) for p in people.platform_notes(s)]
        for handle, note in noted:
            typer.echo(f"slack: {handle}: {note}")
        typer.echo(f"checked {report.checked} people, linked {report.linked} by email, "
                   f"{len(noted)} with a problem")
        if report.interrupted:
            typer.echo(f"stopped early: {report.interrupted}; run again later", err=True)
            raise typer.Exit(1)

    return app
