"""Wire settings, database, clock, channels, dispatcher and conversation together, once."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot import channels as platforms_registry
from bot.channels.console.channel import ConsoleChannel, Echo
from bot.settings import Settings
from core.clock import Clock, SystemClock
from core.db import Database
from core.ports import ChatChannel, Hook, InboundHandler, Replay
from core.ratelimit import SharedLimiter
from scheduler.dispatcher import Dispatcher
from scheduler.worker import Worker

if TYPE_CHECKING:
    from bot.conversation import Conversation

log = logging.getLogger("nudgebot")


@dataclass
class Services:
    """Everything the web app, the worker and the CLI share; also the host chat platforms install into."""

    settings: Settings
    db: Database
    clock: Clock
    channels: dict[str, ChatChannel]
    dispatcher: Dispatcher
    rate_limiter: SharedLimiter
    routes: list[tuple[str, Callable[..., Awaitable[Any]], list[str]]] = field(default_factory=list)
    startup_hooks: list[Hook] = field(default_factory=list)
    shutdown_hooks: list[Hook] = field(default_factory=list)
    tick_hooks: list[Hook] = field(default_factory=list)  # e.g. fetch Slack time zones before planning
    extras: dict[str, Any] = field(default_factory=dict)
    replays: dict[str, Replay] = field(default_factory=dict)  # per platform: handles an inbox event again
    _conversation: Conversation | None = None

    @property
    def conversation(self) -> Conversation:
        """Return the conversation, built on first use (a `tick` never needs it, nor its imports)."""
        if self._conversation is None:
            from bot.conversation import Conversation

            self._conversation = Conversation(self.db, self.channels, self.dispatcher, self.clock,
                                              self.settings.dashboard_url, hand_off=self.settings.inbox_hand_off)
        return self._conversation

    @property
    def inbound(self) -> InboundHandler:
        """Return the handler channels give their events to."""
        return self.conversation

    def add_channel(self, channel: ChatChannel) -> None:
        """Register a chat channel under its name."""
        self.channels[channel.name] = channel

    def add_route(self, path: str, endpoint: Callable[..., Awaitable[Any]], methods: list[str]) -> None:
        """Serve a channel's endpoint in the web app."""
        self.routes.append((path, endpoint, methods))

    def on_startup(self, hook: Hook) -> None:
        """Run `hook` at start-up."""
        self.startup_hooks.append(hook)

    def on_shutdown(self, hook: Hook) -> None:
        """Run `hook` at shutdown."""
        self.shutdown_hooks.append(hook)

    def before_tick(self, hook: Hook) -> None:
        """Run `hook` before each tick."""
        self.tick_hooks.append(hook)

    def on_inbox(self, platform: str, replay: Replay) -> None:
        """Let `replay` handle the platform's inbox events left open."""
        self.replays[platform] = replay

    def provide(self, name: str, value: Any) -> None:
        """Make a channel's object reachable by name (for its CLI and tests)."""
        self.extras[name] = value

    def worker(self) -> Worker:
        """Return a periodic worker over these services."""
        return Worker(self.db, self.dispatcher, self.clock, timedelta(seconds=self.settings.tick_seconds),
                      before_tick=self.tick_hooks)

    async def start(self) -> None:
        """Run the start-up hooks (channels connect, menus are published)."""
        for hook in self.startup_hooks:
            await hook()

    async def stop(self) -> None:
        """Send what replies are still queued, then run the shutdown hooks."""
        if self._conversation is not None:
            await self._conversation.drain()
        for hook in self.shutdown_hooks:
            await hook()


def bootstrap(settings: Settings, *, clock: Clock | None = None, echo: Echo | None = None,
              platforms: bool = True, rate_limiter: SharedLimiter | None = None) -> Services:
    """Build the services for `settings`; every configured chat platform installs itself.

    `rate_limiter` replaces the database-kept limiter on the real clock (a benchmark's scaled clock).
    """
    clock = clock or SystemClock()
    db = Database(settings.database_url)
    channels: dict[str, ChatChannel] = {"console": ConsoleChannel(db, clock, echo)}
    dispatcher = Dispatcher(db, channels, clock, concurrency=settings.send_concurrency, batch=settings.outbox_batch,
                            lease=timedelta(seconds=settings.outbox_lease_seconds))
    services = Services(settings, db, clock, channels, dispatcher, rate_limiter or SharedLimiter(db))
    if platforms:
        for name in platforms_registry.configured(settings):
            platforms_registry.platform(name).install(services, settings)
    if settings.lrs_url:
        # Imported here, not at the top: it imports this module's Services, and its HTTP client is only
        # worth loading when there is an LRS to send to.
        from bot import xapi_outbox

        xapi_outbox.install(services, settings)
    return services
