"""Keep outgoing Telegram traffic under the Bot API's flood limits: 30 messages/s overall, 1/s per chat.

A slot is held from the moment a request may go until its response is back, and only then starts
its window. The server sees a request somewhere in between, so however long a request waits in
our process or on the wire, the server never sees two sends closer than the limits allow.

The limiter is shared by every event loop of the process (the web app's and a worker's), so it
keeps its books under a threading lock and only the waiting happens with asyncio.sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import AsyncIterator, Callable

_POLL = 0.02  # how often to look again while every blocking slot is still in flight


class Slot:
    """One permitted request; `release` it when its response has arrived."""

    __slots__ = ("chat", "expires")

    def __init__(self, chat: str | None) -> None:
        self.chat = chat
        self.expires = math.inf  # in flight: blocks its window until released


class RateLimiter:
    """At most `per_second` requests in any window overall, and one per `chat_interval` in a chat."""

    def __init__(self, per_second: float = 30.0, chat_interval: float = 1.0, margin: float = 0.05,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1, int(per_second))
        self.window = 1.0 + margin
        self.chat_interval = chat_interval + margin
        self._clock = clock
        self._lock = threading.Lock()
        self._slots: list[Slot] = []
        self._chat_next: dict[str, float] = {}
        self._paused_until = 0.0

    def try_acquire(self, chat: str | None) -> tuple[float, Slot | None]:
        """Take a slot now, or say how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            self._slots = [s for s in self._slots if s.expires > now]
            waits = [self._paused_until - now]
            if len(self._slots) >= self.capacity:
                waits.append(min(s.expires for s in self._slots) - now)
            if chat is not None:
                waits.append(self._chat_next.get(chat, 0.0) - now)
            wait = max(waits)
            if wait > 0:
                return (_POLL if math.isinf(wait) else wait), None
            slot = Slot(chat)
            self._slots.append(slot)
            if chat is not None:
                self._chat_next[chat] = math.inf
            return 0.0, slot

    def release(self, slot: Slot) -> None:
        """Start the slot's window now that the server has answered."""
        with self._lock:
            now = self._clock()
            slot.expires = now + self.window
            if slot.chat is not None:
                held = self._chat_next.get(slot.chat, 0.0)
                self._chat_next[slot.chat] = now + self.chat_interval if math.isinf(held) else max(
                    held, now + self.chat_interval)
                if len(self._chat_next) > 10_000:  # forget chats whose interval is long over
                    self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}

    async def acquire(self, chat: str | None = None) -> Slot:
        """Wait until a request may go out (to `chat`, or to no chat in particular for edits)."""
        while True:
            wait, slot = self.try_acquire(chat)
            if slot is not None:
                return slot
            await asyncio.sleep(min(wait, 1.0))

    @contextlib.asynccontextmanager
    async def slot(self, chat: str | None = None) -> AsyncIterator[None]:
        """Hold a slot around one request."""
        s = await self.acquire(chat)
        try:
            yield
        finally:
            self.release(s)

    def hold_chat(self, chat: str, seconds: float) -> None:
        """Keep `chat` quiet for `seconds` (after the server asked us to retry later)."""
        with self._lock:
            until = self._clock() + seconds
            held = self._chat_next.get(chat, 0.0)
            self._chat_next[chat] = until if math.isinf(held) else max(held, until)

    def hold_all(self, seconds: float) -> None:
        """Keep every chat quiet for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
