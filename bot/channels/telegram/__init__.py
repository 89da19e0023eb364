"""Telegram channel: python-telegram-bot behind the ChatChannel port.

`install` adds the channel, the webhook route (POST /telegram/webhook), the command menu and,
with Settings.telegram_polling, a long-polling loop. `invite_link` builds the t.me deep link.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from starlette.routing import Route

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbound import COMMANDS, Inbound, Poller, webhook_endpoint
from bot.channels.telegram.limiter import RateLimiter
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.bootstrap import Services

log = logging.getLogger("nudgebot.telegram")

WEBHOOK_PATH = "/telegram/webhook"


def make_channel(settings: Settings) -> TelegramChannel:
    """Return a TelegramChannel configured from `settings`."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(max(logging.getLogger("httpx").getEffectiveLevel(), logging.WARNING))
    return TelegramChannel(settings.telegram_bot_token, settings.telegram_api_url,
                           limiter=RateLimiter(per_second=settings.telegram_global_rate),
                           username=settings.telegram_bot_username)


def install(services: Services) -> None:
    """Add the Telegram channel, its webhook route and its startup hooks to `services`."""
    settings = services.settings
    channel = make_channel(settings)
    inbound = Inbound(channel, services.conversation)
    services.channels["telegram"] = channel
    services.routes.append(Route(WEBHOOK_PATH, webhook_endpoint(inbound, settings.telegram_webhook_secret),
                                 methods=["POST"]))

    async def publish_commands() -> None:
        try:
            await channel.set_commands(COMMANDS)
        except Exception as exc:  # a missing menu must not keep the bot from starting
            log.warning("could not publish the Telegram command menu: %s", exc)

    services.on_startup.append(publish_commands)
    if settings.telegram_polling:
        poller = Poller(inbound)
        services.on_startup.append(poller.start)
        services.on_shutdown.append(poller.stop)
        services.extras["telegram_poller"] = poller
    services.on_shutdown.append(inbound.drain)
    services.on_shutdown.append(channel.aclose)
    services.extras["telegram"] = inbound


async def invite_link(settings: Settings, code: str) -> str:
    """Return the deep link that opens the bot with /start <code>: https://t.me/<username>?start=<code>."""
    username = settings.telegram_bot_username
    if not username:
        channel = make_channel(settings)
        try:
            bot = await channel.bot()  # getMe
            username = bot.username
        finally:
            await channel.aclose()
    return f"https://t.me/{username.lstrip('@')}?start={code}"


__all__ = ["TelegramChannel", "install", "invite_link", "make_channel"]
