"""`nudgebot telegram ...`: register or remove the webhook."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.channels.telegram import make_channel
from bot.channels.telegram.inbound import ALLOWED_UPDATES, WEBHOOK_HINT
from bot.settings import Settings

app = typer.Typer(no_args_is_help=True)

DropPending = Annotated[bool, typer.Option("--drop-pending", help="Discard updates waiting at Telegram.")]


def _settings() -> Settings:
    settings = Settings()
    if not settings.telegram_bot_token:
        typer.echo("TELEGRAM_BOT_TOKEN is not set.", err=True)
        raise typer.Exit(2)
    return settings


@app.command("set-webhook")
def set_webhook(url: Annotated[str, typer.Argument(metavar="URL", help=WEBHOOK_HINT)],
                drop_pending: DropPending = False) -> None:
    """Point Telegram at URL, with TELEGRAM_WEBHOOK_SECRET as the secret token."""
    settings = _settings()
    if not settings.telegram_webhook_secret:
        typer.echo("TELEGRAM_WEBHOOK_SECRET is not set; the webhook would refuse every update.", err=True)
        raise typer.Exit(2)
    if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
        typer.echo("Telegram only delivers to https:// URLs.", err=True)
        raise typer.Exit(2)
    secret = settings.telegram_webhook_secret

    async def go() -> None:
        channel = make_channel(settings)
        try:
            bot = await channel.bot()
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES,
                                  drop_pending_updates=drop_pending)
        finally:
            await channel.aclose()

    asyncio.run(go())
    typer.echo(f"Webhook set: {url} (updates: {', '.join(ALLOWED_UPDATES)})")


@app.command("delete-webhook")
def delete_webhook(drop_pending: DropPending = False) -> None:
    """Remove the webhook (e.g. before long polling)."""
    settings = _settings()

    async def go() -> None:
        channel = make_channel(settings)
        try:
            bot = await channel.bot()
            await bot.delete_webhook(drop_pending_updates=drop_pending)
        finally:
            await channel.aclose()

    asyncio.run(go())
    typer.echo("Webhook deleted.")
