"""Telegram channel: python-telegram-bot behind the ChatChannel port.

`install` adds the channel, the webhook route (POST /telegram/webhook), the command menu and,
with Settings.telegram_polling, a long-polling loop. `invite_link` builds the t.me deep link.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.settings import Settings
from core.ports import ChannelHost

if TYPE_CHECKING:
    from bot.channels.telegram.channel import TelegramChannel
    from core.ratelimit import SharedLimiter

log = logging.getLogger("nudgebot.telegram")

WEBHOOK_PATH = "/telegram/webhook"


def is_configured(settings: Settings) -> bool:
    """Return True when a Telegram bot token is set."""
    return bool(settings.telegram_bot_token)


def check_user_id(user_id: str) -> str | None:
    """Return what is wrong with a roster's Telegram user id, if anything."""
    return None if user_id.lstrip("-").isdigit() else f"{user_id!r} is not a numeric Telegram user id"


def make_channel(settings: Settings, limiter: SharedLimiter | None = None) -> TelegramChannel:
    """Return a TelegramChannel configured from `settings`, paced by `limiter` (else one on the database)."""
    from bot.channels.telegram.channel import TelegramChannel
    from bot.channels.telegram.limiter import TelegramLimiter
    from core.db import Database
    from core.ratelimit import SharedLimiter

    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    # httpx logs every request URL at INFO, and Bot API URLs contain the bot token.
    logging.getLogger("httpx").setLevel(max(logging.getLogger("httpx").getEffectiveLevel(), logging.WARNING))
    shared = limiter or SharedLimiter(Database(settings.database_url))
    bot_id = settings.telegram_bot_token.split(":", 1)[0]
    paced = TelegramLimiter(shared, bot_id, per_second=settings.telegram_global_rate,
                            chat_interval=settings.telegram_chat_interval)
    return TelegramChannel(settings.telegram_bot_token, settings.telegram_api_url, limiter=paced,
                           username=settings.telegram_bot_username)


def install(host: ChannelHost, settings: Settings) -> None:
    """Add the Telegram channel, its webhook route and its startup hooks to `host`."""
    from bot.channels.telegram.inbound import Inbound, Poller, webhook_endpoint
    from bot.channels.telegram.menu import publish_profile

    channel = make_channel(settings, host.rate_limiter)
    inbound = Inbound(channel, host.inbound, answer_within=settings.telegram_webhook_wait)
    host.on_inbox("telegram", inbound.replay)
    host.add_channel(channel)
    host.add_route(WEBHOOK_PATH, webhook_endpoint(inbound, settings.telegram_webhook_secret), ["POST"])

    async def publish_commands() -> None:
        try:
            await publish_profile(channel)
        except Exception as exc:  # a missing menu must not keep the bot from starting
            log.warning("could not publish the Telegram command menu: %s", exc)

    host.on_startup(publish_commands)
    host.on_startup(inbound.warm_up)
    if settings.telegram_polling:
        poller = Poller(inbound)
        host.on_startup(poller.start)
        host.on_shutdown(poller.stop)
        host.provide("telegram_poller", poller)
    host.on_shutdown(inbound.drain)
    host.on_shutdown(channel.aclose)
    host.provide("telegram", inbound)


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


__all__ = ["check_user_id", "install", "invite_link", "is_configured", "make_channel"]
