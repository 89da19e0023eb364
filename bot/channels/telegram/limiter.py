"""Telegram's flood limits, held across every process of the deployment: 30 messages/s, 1/s per chat.

The slots come from the limiter kept in the database (core/ratelimit.py), so `web` and every
`worker` together stay within the limits. Slots are spaced a little wider than the limits
(`margin`), so that a request that leaves a few milliseconds late never lands closer to its
neighbour than Telegram allows. A 429, whatever it was about, pauses every send of this bot for
its `retry_after`, including the slots already handed out.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from core.ratelimit import Limit, SharedLimiter


class TelegramLimiter:
    """Slots for one bot's messages: `slot(chat)` to send, `slot(chat, edit=True)`, `slot(None)` for other calls."""

    def __init__(self, shared: SharedLimiter, bot_id: str, *, per_second: float = 30.0, chat_interval: float = 1.0,
                 margin: float = 0.03) -> None:
        self.shared = shared
        self.pause_key = f"telegram:{bot_id}:pause"
        self.bot = Limit(f"telegram:{bot_id}", (1.0 + margin) / per_second)
        self._bot_id = bot_id
        self.chat_interval = chat_interval * (1.0 + margin)

    def chat(self, chat: str) -> Limit:
        """Return the per-chat limit of `chat`."""
        return Limit(f"telegram:{self._bot_id}:chat:{chat}", self.chat_interval)

    @contextlib.asynccontextmanager
    async def slot(self, chat: str | None = None, *, edit: bool = False) -> AsyncIterator[None]:
        """Wait for a slot around one request: a message to `chat`, an edit in it, or (`chat` None) no message.

        An edit counts against the bot's 30/s only. A call that sends no message (typing, answering a
        button, the command menu) takes no slot and only waits out a pause this process knows of.
        """
        if chat is None:
            await self.shared.wait_unpaused(self.pause_key)
        else:
            await self.shared.acquire([self.bot] if edit else [self.bot, self.chat(chat)], self.pause_key)
        yield

    async def pause(self, seconds: float) -> None:
        """Hold every send of this bot for `seconds` (Telegram answered 429 with this retry_after)."""
        await self.shared.pause(self.pause_key, seconds)
