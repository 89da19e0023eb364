"""Keep outgoing Telegram traffic under the Bot API's flood limits: 30 messages/s overall, 1/s per chat.

The limiter is shared by every event loop of the process (the web app's and the worker's), so it
keeps its books under a threading lock and only the waiting happens with asyncio.sleep.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """A sliding-window limiter: at most `per_second` sends in any window, one per chat per interval."""

    def __init__(self, per_second: float = 30.0, chat_interval: float = 1.0, margin: float = 0.1,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity = max(1, int(per_second))
        # The margin absorbs jitter between our clock and the moment the server sees the request.
        self.window = 1.0 + margin
        self.chat_interval = chat_interval + margin
        self._clock = clock
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()
        self._chat_next: dict[str, float] = {}
        self._paused_until = 0.0

    def try_acquire(self, chat: str | None) -> float:
        """Take a slot now and return 0, or return how long to wait before asking again."""
        with self._lock:
            now = self._clock()
            while self._sent and self._sent[0] <= now - self.window:
                self._sent.popleft()
            waits = [self._paused_until - now]
            if len(self._sent) >= self.capacity:
                waits.append(self._sent[0] + self.window - now)
            if chat is not None:
                waits.append(self._chat_next.get(chat, 0.0) - now)
            wait = max(waits)
            if wait > 0:
                return wait
            self._sent.append(now)
            if chat is not None:
                self._chat_next[chat] = now + self.chat_interval
                if len(self._chat_next) > 10_000:  # forget chats whose interval is long over
                    self._chat_next = {k: v for k, v in self._chat_next.items() if v > now}
            return 0.0

    async def acquire(self, chat: str | None = None) -> None:
        """Wait until a message may go out (to `chat`, or any chat for edits and other calls)."""
        while True:
            wait = self.try_acquire(chat)
            if wait <= 0:
                return
            await asyncio.sleep(min(wait, 1.0))

    def hold_chat(self, chat: str, seconds: float) -> None:
        """Keep `chat` quiet for `seconds` (after the server asked us to retry later)."""
        with self._lock:
            until = self._clock() + seconds
            self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), until)

    def hold_all(self, seconds: float) -> None:
        """Keep every chat quiet for `seconds`."""
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)
