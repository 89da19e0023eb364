"""Inbound work in few, short transactions, and the replies it queued sent in few dispatcher passes.

A busy chat platform delivers many presses a second. Each one handled in its own worker thread and
transaction makes them fight over the database (SQLite lets one writer in at a time, and a waiting
writer sleeps) and over the interpreter, and the web requests that should be answered at once wait
behind them. Here the work of every event that arrived while a batch was running shares the next
transaction, one batch at a time in the database's own thread (`Database.run`, where the dispatcher
also claims and marks the replies): one thread hop and one commit for the lot, no writer against
writer. Nothing is delayed on purpose: a lone event goes alone.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.orm import Session

from core.db import Database

log = logging.getLogger("nudgebot.inbound")
T = TypeVar("T")
MAX_BATCH = 32  # events per transaction; more wait for the next one
MAX_PAUSE = 0.05  # seconds; see Batcher._drain
YIELD_AFTER = 0.0  # seconds a batch runs before it stops early for urgent work (see Batcher._apply)
Outcome = tuple[bool, Any]  # (True, result) or (False, the exception)


class Batcher:
    """Runs session functions together: what queues up while one batch runs forms the next."""

    def __init__(self, db: Database, *, urgent: bool = False) -> None:
        self.db = db
        # Urgent work (what an acknowledgement waits on) goes before the database thread's other calls,
        # and without a pause between batches.
        self.urgent = urgent
        self._pending: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = []
        self._runner: asyncio.Task[None] | None = None

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run `fn` in a transaction shared with the other work queued now; return its result."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        self._pending.append((fn, future))
        if self._runner is None or self._runner.done() or self._runner.get_loop() is not loop:
            self._runner = loop.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            started = loop.time()
            try:
                run = self.db.run_first if self.urgent else self.db.run
                outcomes = await run(self._apply, [fn for fn, _ in batch])
            except BaseException as exc:  # cancelled at shutdown: every waiter hears of it
                outcomes = [(False, exc)] * len(batch)
            stopped = len(outcomes) < len(batch)
            if stopped:  # stopped early for urgent work: the rest goes next, first
                self._pending[:0] = batch[len(outcomes):]
            for (_, future), (ok, value) in zip(batch, outcomes, strict=False):
                if future.done():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)
            if self._pending and not self.urgent and not stopped:
                # Under a steady stream, leave the database to the other writers (the dispatcher recording
                # its sends) for a moment: SQLite's waiting writers sleep, and would starve otherwise.
                await asyncio.sleep(min(loop.time() - started, MAX_PAUSE))

    def _apply(self, fns: list[Callable[[Session], Any]]) -> list[Outcome]:
        if len(fns) > 1:
            try:
                with self.db.session() as s:
                    done: list[Outcome] = []
                    started = time.perf_counter()
                    for fn in fns:
                        done.append((True, fn(s)))
                        if (not self.urgent and self.db.urgent_waiting()
                                and time.perf_counter() - started > YIELD_AFTER):
                            # An acknowledgement waits on the database: commit what is done, and let it in.
                            break
                    return done
            except Exception as exc:
                # One of them failed: the batch is rolled back, and each runs alone so only that one fails.
                log.info("a batch of %d inbound events failed (%r); running them one by one", len(fns), exc)
        return [self._alone(fn) for fn in fns]

    def _alone(self, fn: Callable[[Session], Any]) -> Outcome:
        try:
            with self.db.session() as s:
                return True, fn(s)
        except Exception as exc:
            return False, exc


class ReplySender:
    """Hands queued replies to the dispatcher: those queued in one loop turn go in one pass, in order per chat."""

    def __init__(self, send: Callable[[list[int]], Awaitable[Any]]) -> None:
        self.send = send
        self._queued: list[tuple[tuple[str, str], list[int]]] = []
        self._scheduled: asyncio.AbstractEventLoop | None = None  # the loop that will start the queued sends
        self._tails: dict[tuple[str, str], asyncio.Task[Any]] = {}
        self._sending: set[asyncio.Task[Any]] = set()

    def queue(self, chat: tuple[str, str], ids: list[int]) -> None:
        """Send the deliveries `ids` to `chat` soon, after what was queued for that chat before."""
        self._queued.append((chat, ids))
        loop = asyncio.get_running_loop()
        if self._scheduled is not loop:
            self._scheduled = loop
            loop.call_soon(self._start)

    def now(self, chat: tuple[str, str], ids: list[int]) -> asyncio.Task[Any]:
        """Start sending `ids` to `chat` at once (after that chat's earlier replies); return the task."""
        return self._launch({chat}, ids)

    def _start(self) -> None:
        self._scheduled = None
        queued, self._queued = self._queued, []
        if queued:
            self._launch({chat for chat, _ in queued}, [i for _, ids in queued for i in ids])

    def _launch(self, chats: set[tuple[str, str]], ids: list[int]) -> asyncio.Task[Any]:
        before = [self._tails[c] for c in chats if c in self._tails]
        task = asyncio.get_running_loop().create_task(self._send_after(before, ids))
        for chat in chats:
            self._tails[chat] = task
        self._sending.add(task)
        task.add_done_callback(lambda t: self._forget(chats, t))
        return task

    async def _send_after(self, before: list[asyncio.Task[Any]], ids: list[int]) -> None:
        # Replies to one person go out in the order their events arrived.
        if before:
            await asyncio.wait(before)
        try:
            await self.send(ids)
        except Exception:  # the rows stay in the outbox; the worker's pass takes them when their lease is up
            log.exception("replies %s could not be handed over now; the outbox keeps them", ids)

    def _forget(self, chats: set[tuple[str, str]], task: asyncio.Task[Any]) -> None:
        self._sending.discard(task)
        for chat in chats:
            if self._tails.get(chat) is task:
                del self._tails[chat]

    async def drain(self) -> None:
        """Wait until the replies queued so far have been handed to their platforms."""
        while self._sending or self._queued:
            if self._queued:
                self._start()
            if self._sending:
                await asyncio.wait(list(self._sending))
            else:
                await asyncio.sleep(0)
