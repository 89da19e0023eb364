"""The periodic worker: one tick plans, queues what is due and sends it. APScheduler only drives the tick."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from core.clock import Clock
from core.db import Database
from core.services import inbound, inbox
from core.services.outbox import write_lock
from scheduler import metrics
from scheduler.digests import plan_digests, process_digests
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.ladder import process_ladder
from scheduler.ladder_batch import send_batches
from scheduler.planner import PlanReport, plan_pending, process_due
from scheduler.retention import anonymise_expired
from scheduler.unmanaged import notify_unmanaged

log = logging.getLogger("nudgebot.worker")


@dataclass
class TickReport:
    """What one tick queued and sent."""

    at: datetime
    plan: PlanReport
    dispatch: DispatchReport


def plan_and_queue(db: Database, now: datetime, batch: int = 2000, platforms: Sequence[str] = ()) -> PlanReport:
    """Plan new enrollments, queue due nudges, escalations and digests; each batch commits on its own.

    `platforms` are the chat platforms configured besides the console (who lacks an account on them is unreachable).
    """
    report = PlanReport()
    # Each transaction takes SQLite's write lock first, so concurrent ticks wait for each other.
    with db.session() as s:
        write_lock(s)
        report.planned += plan_pending(s, now)
        plan_digests(s, now)
    while True:
        with db.session() as s:
            write_lock(s)
            part = process_due(s, now, limit=batch)
        report.add(part)
        if part.due < batch:
            break
    with db.session() as s:
        write_lock(s)
        process_ladder(s, now, platforms)
        send_batches(s, now)
        report.add(process_digests(s, now))
        notify_unmanaged(s, now, platforms)
    with db.session() as s:
        write_lock(s)
        anonymise_expired(s, now)
        inbox.purge(s, now)
        inbound.purge(s, now)
    return report


async def tick(db: Database, dispatcher: Dispatcher, now: datetime) -> TickReport:
    """Run one scheduler pass at `now`: queue what fell due (with catch-up) and send it."""
    with metrics.time_tick():
        platforms = [name for name in dispatcher.channels if name != "console"]
        plan = await asyncio.to_thread(plan_and_queue, db, now, 2000, platforms)
        sent = await dispatcher.run_once()
    return TickReport(now, plan, sent)


class Worker:
    """Runs `tick` every `interval` on an AsyncIOScheduler; overlapping ticks are coalesced."""

    def __init__(self, db: Database, dispatcher: Dispatcher, clock: Clock,
                 interval: timedelta = timedelta(seconds=30),
                 before_tick: Sequence[Callable[[], Awaitable[None]]] = ()) -> None:
        self.db = db
        self.dispatcher = dispatcher
        self.clock = clock
        self.interval = interval
        self.before_tick = list(before_tick)
        from apscheduler.schedulers.asyncio import AsyncIOScheduler  # only a long-running worker needs it

        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self._running: asyncio.Task[object] | None = None

    async def run_tick(self) -> TickReport | None:
        """Run one tick now, logging instead of raising so the schedule keeps going."""
        if self.dispatcher.stopping:
            return None
        self._running = asyncio.current_task()
        try:
            for hook in self.before_tick:
                await hook()
            report = await tick(self.db, self.dispatcher, self.clock.now())
        except asyncio.CancelledError:
            log.info("tick cancelled at shutdown; its unsent claims were given back")
            return None
        except Exception:
            log.exception("tick failed")
            return None
        finally:
            self._running = None
        if report.dispatch.sent or report.plan.lessons or report.plan.digests:
            log.info("tick: queued %d lessons, %d digests; sent %d", report.plan.lessons,
                     report.plan.digests, len(report.dispatch.sent))
        return report

    def start(self) -> None:
        """Start ticking on the running event loop."""
        self.scheduler.add_job(self.run_tick, "interval", seconds=self.interval.total_seconds(),
                               id="nudgebot-tick", max_instances=1, coalesce=True,
                               next_run_time=self.clock.now())
        self.scheduler.start()

    def stop(self) -> None:
        """Stop ticking."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def shutdown(self, grace: float) -> bool:
        """Take no new work; let a running tick finish within `grace` seconds, else cancel it.

        A cancelled tick gives its unsent claims back at once. Return True if it finished in time.
        """
        self.dispatcher.stop()
        if self.scheduler.running:
            self.scheduler.pause()  # shutting the scheduler down now would cancel the running tick
        task = self._running
        finished = True
        if task is not None and not task.done():
            done, _ = await asyncio.wait([task], timeout=grace)
            if not done:
                log.warning("shutdown: the running tick did not finish within %gs; releasing what it holds", grace)
                task.cancel()
                await asyncio.wait([task], timeout=5)
                finished = False
        self.stop()
        return finished
