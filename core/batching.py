"""Gather what many coroutines ask for into one call: one database transaction instead of one each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class Batcher(Generic[T, R]):
    """Runs `fn` (blocking, in a thread) over everything submitted meanwhile in one event loop.

    While one call runs, new submissions wait and go together in the next one, so under load the
    calls grow and their number stays small; alone, a submission goes at once. `thread` runs the
    call (a database's own thread, `Database.run`); by default any thread of asyncio's pool.
    """

    def __init__(self, fn: Callable[[Sequence[T]], Sequence[R]],
                 thread: Callable[..., Awaitable[Any]] | None = None) -> None:
        self.fn = fn
        self.thread = thread or asyncio.to_thread
        self._waiting: dict[asyncio.AbstractEventLoop, list[tuple[T, asyncio.Future[R]]]] = {}
        self._flushers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}

    async def submit(self, item: T) -> R:
        """Add `item` to the next call and return its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[R] = loop.create_future()
        self._waiting.setdefault(loop, []).append((item, future))
        if loop not in self._flushers:
            self._flushers[loop] = loop.create_task(self._flush(loop))
        return await future

    async def _flush(self, loop: asyncio.AbstractEventLoop) -> None:
        try:
            while batch := self._waiting.pop(loop, []):
                try:
                    results = await self.thread(self.fn, [item for item, _ in batch])
                except Exception as exc:  # every waiting submission learns of it
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                for (_, future), result in zip(batch, results, strict=True):
                    if not future.done():
                        future.set_result(result)
        finally:
            del self._flushers[loop]
