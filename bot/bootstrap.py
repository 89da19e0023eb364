"""Wire settings, database, clock, channels, dispatcher and conversation together, once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from bot.channels.console.channel import ConsoleChannel, Echo
from bot.conversation import Conversation
from bot.settings import Settings
from core.clock import Clock, SystemClock
from core.db import Database
from core.ports import ChatChannel
from scheduler.dispatcher import Dispatcher
from scheduler.worker import Worker

log = logging.getLogger("nudgebot")

Hook = Callable[[], Awaitable[None]]


@dataclass
class Services:
    """Everything the web app, the worker and the CLI share. Channels add themselves in `install`."""

    settings: Settings
    db: Database
    clock: Clock
    channels: dict[str, ChatChannel]
    dispatcher: Dispatcher
    conversation: Conversation
    routes: list[Any] = field(default_factory=list)  # starlette routes added by channels
    on_startup: list[Hook] = field(default_factory=list)
    on_shutdown: list[Hook] = field(default_factory=list)
    before_tick: list[Hook] = field(default_factory=list)  # e.g. fetch Slack time zones before planning
    extras: dict[str, Any] = field(default_factory=dict)

    def worker(self) -> Worker:
        """Return a periodic worker over these services."""
        return Worker(self.db, self.dispatcher, self.clock, timedelta(seconds=self.settings.tick_seconds),
                      before_tick=self.before_tick)


def bootstrap(settings: Settings, *, clock: Clock | None = None, echo: Echo | None = None,
              platforms: bool = True) -> Services:
    """Build the services for `settings`; Slack and Telegram join when their tokens are set."""
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    channels: dict[str, ChatChannel] = {"console": ConsoleChannel(db, clock, echo)}
    dispatcher = Dispatcher(db, channels, clock, concurrency=settings.send_concurrency)
    conversation = Conversation(db, channels, dispatcher, clock)
    services = Services(settings, db, clock, channels, dispatcher, conversation)
    if platforms and settings.slack_bot_token:
        from bot.channels import slack

        slack.install(services)
    if platforms and settings.telegram_bot_token:
        from bot.channels import telegram

        telegram.install(services)
    return services
