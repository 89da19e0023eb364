"""The dispatcher: send what the outbox holds, concurrently, through each person's ChatChannel.

Messages to one address go in order, one at a time; different addresses go in parallel up to
`concurrency`. Platform rate limits (per chat, per workspace) are the channels' own business:
their `send` waits for a slot. A 429 is waited out and retried; the outbox row is marked sent
only after the platform accepted it, and its unique key means it is never queued twice.

Crash safety: rows are claimed in small batches under a short lease that is renewed while the batch
is being sent, and each send is recorded as soon as the platform answers. A worker killed mid-send
leaves at most the messages in flight at that instant unrecorded; their lease runs out and another
worker takes them. Before re-sending such an orphaned row, a channel that can look for it
on the platform by its delivery key, so it is not sent twice. Rows due longer ago than the catch-up
window are expired instead of sent.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.orm import Session

from core.clock import Clock
from core.db import Database
from core.ports import ChatChannel, OutboundMessage, RecipientGone, Reconciling, RetryLater, TransientError
from core.services import attachments, outbox
from scheduler import metrics
from scheduler.planner import CATCH_UP  # anything due longer ago is too late to be useful

log = logging.getLogger("nudgebot.dispatcher")


@dataclass(frozen=True)
class Job:
    """A claimed delivery, detached from its session."""

    id: int
    channel: str
    address: str
    kind: str
    item: str
    person_id: int | None
    payload: dict[str, object]
    key: str = ""
    orphaned: bool = False  # an earlier claim ran out without a result: it may have reached the platform


SendStatus = Literal["sent", "retry", "gone", "error", "defer", "follow", "release"]


@dataclass(frozen=True)
class SendResult:
    """What became of one job: sent (with the platform's ref), or why not and what stopped it."""

    status: SendStatus
    job: Job
    ref: str = ""
    error: Exception | None = None
    lead: SendResult | None = None  # for "follow": the earlier message to this chat that could not go


@dataclass
class DispatchReport:
    """What one dispatch pass did."""

    sent: list[Job] = field(default_factory=list)
    retried: int = 0
    failed: int = 0
    undeliverable: int = 0
    expired: int = 0
    released: int = 0


class Dispatcher:
    """Sends due outbox rows; safe to run in several processes at once."""

    def __init__(self, db: Database, channels: Mapping[str, ChatChannel], clock: Clock, *, batch: int = 100,
                 concurrency: int = 200, lease: timedelta = timedelta(seconds=60),
                 max_inline_wait: float = 60.0, catch_up: timedelta = CATCH_UP,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, pipeline: int = 2) -> None:
        self.db = db
        self.pipeline = pipeline  # batches being sent at once (the next is claimed while one is sent)
        self.sleep = sleep  # waits out a Retry-After or a backoff (a benchmark's scaled clock replaces it)
        self.channels = channels
        self.clock = clock
        self.batch = batch
        self.concurrency = concurrency
        self.lease = lease
        self.max_inline_wait = max_inline_wait
        self.catch_up = catch_up
        self.stopping = False  # set on shutdown: claim nothing more, give back what is not yet sent
        # Per event loop and chat, the end of the messages to it already being sent (see _send_batch).
        self._tails: dict[tuple[asyncio.AbstractEventLoop, str, str], asyncio.Future[SendResult | None]] = {}
        self._lock = asyncio.Lock()

    def stop(self) -> None:
        """Stop taking new work; a running pass releases what it has not started sending."""
        self.stopping = True

    def _claim(self, ids: list[int] | None = None) -> list[Job]:
        with self.db.session() as s:
            rows = outbox.claim(s, self.clock.now(), self.batch if ids is None else len(ids), self.lease, ids)
            return [Job(d.id, d.channel, d.address, d.kind, d.item, d.person_id, d.payload, d.key, orphaned)
                    for d, orphaned in rows]

    def _expire(self) -> int:
        with self.db.session() as s:
            return outbox.expire_stale(s, self.clock.now(), self.catch_up)

    async def run_once(self) -> DispatchReport:
        """Send everything due now (expiring what is too old); return what was sent."""
        report = DispatchReport()
        async with self._lock:  # one pass at a time per process; other processes are kept apart by leases
            report.expired = await asyncio.to_thread(self._expire)
            if report.expired:
                log.warning("expired %d deliveries older than the %s catch-up window", report.expired,
                            self.catch_up)
            await self._pipeline(report)
        return report

    async def _pipeline(self, report: DispatchReport) -> None:
        # The next batch is claimed while the previous one is still being sent, so the platform's
        # pace never stops at a batch boundary. A chat in both waits for the earlier batch's
        # messages to it (see _send_batch), so its messages keep their order.
        running: set[asyncio.Task[None]] = set()
        try:
            while not self.stopping:
                jobs = await asyncio.to_thread(self._claim) if len(running) < self.pipeline else []
                if jobs:
                    running.add(asyncio.create_task(self._send_batch(jobs, report)))
                if not running:
                    break
                if not jobs or len(running) >= self.pipeline:
                    done, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                    for task in done:
                        running.discard(task)
                        task.result()
        except asyncio.CancelledError:  # the shutdown grace ran out: stop the batches being sent too
            for task in running:
                task.cancel()
            raise
        finally:
            if running:
                await asyncio.gather(*running, return_exceptions=True)

    async def send_now(self, ids: list[int]) -> DispatchReport:
        """Send these deliveries right away, in this order (e.g. feedback, then the next question)."""
        report = DispatchReport()
        jobs = await self.db.run(self._claim, ids)
        # In the order given: the feedback edit before the question that follows it.
        position = {delivery_id: n for n, delivery_id in enumerate(ids)}
        jobs.sort(key=lambda j: position.get(j.id, len(position)))
        if jobs:
            await self._send_batch(jobs, report)
        return report

    async def _send_batch(self, jobs: list[Job], report: DispatchReport) -> None:
        by_address: dict[tuple[str, str], list[Job]] = defaultdict(list)
        for j in jobs:
            by_address[(j.channel, j.address)].append(j)
        results: asyncio.Queue[SendResult | None] = asyncio.Queue()
        unfinished = {j.id for j in jobs}
        writer = asyncio.create_task(self._write_results(results, report, unfinished))
        renewer = asyncio.create_task(self._renew_leases(unfinished))
        sem = asyncio.Semaphore(self.concurrency)

        loop = asyncio.get_running_loop()
        held: list[tuple[tuple[asyncio.AbstractEventLoop, str, str], asyncio.Future[SendResult | None]]] = []

        async def run(key: tuple[str, str], items: list[Job]) -> None:
            # Messages to this chat claimed in an earlier batch (of this event loop) go first; if one
            # of them could not go, these wait behind it too.
            tail = (loop, *key)
            before = self._tails.get(tail)
            mine: asyncio.Future[SendResult | None] = loop.create_future()
            self._tails[tail] = mine
            lead: SendResult | None = None
            try:
                if before is not None:
                    lead = await asyncio.shield(before)
                async with sem:
                    if lead is None:
                        lead = await self._send_address(key[0], items, results)
                    else:
                        for job in items:
                            await results.put(SendResult("follow", job, error=lead.error, lead=lead))
            finally:
                if not mine.done():
                    mine.set_result(lead)
                if lead is None and self._tails.get(tail) is mine:
                    del self._tails[tail]  # a chat held by a failure stays held until its retry is written
                elif lead is not None:
                    held.append((tail, mine))

        try:
            await asyncio.gather(*(run(k, v) for k, v in by_address.items()))
        finally:
            renewer.cancel()
            await results.put(None)
            try:
                await asyncio.shield(writer)
            finally:
                for tail, mine in held:
                    if self._tails.get(tail) is mine:
                        del self._tails[tail]
                if unfinished:  # cancelled (shutdown grace ran out): give the rest back at once
                    await asyncio.shield(asyncio.to_thread(self._release, sorted(unfinished)))

    async def _renew_leases(self, unfinished: set[int]) -> None:
        # A batch may take longer than one lease (rate limits); keep it ours while we work on it.
        every = max(self.lease.total_seconds() / 3, 0.05)
        while True:
            await asyncio.sleep(every)
            ids = sorted(unfinished)
            if ids:
                await asyncio.to_thread(self._renew, ids)

    def _renew(self, ids: list[int]) -> None:
        with self.db.session() as s:
            outbox.renew(s, ids, self.clock.now() + self.lease)

    def _release(self, ids: list[int]) -> None:
        with self.db.session() as s:
            outbox.release(s, ids)

    async def _send_address(self, channel_name: str, jobs: list[Job],
                            results: asyncio.Queue[SendResult | None]) -> SendResult | None:
        """Send one chat's jobs in order; return the outcome of the one that could not go, if any."""
        channel = self.channels.get(channel_name)
        for i, job in enumerate(jobs):
            if channel is None:
                missing = TransientError(f"channel {channel_name} is not configured")
                for rest in jobs[i:]:
                    await results.put(SendResult("defer", rest, error=missing))
                return SendResult("defer", job, error=missing)
            if self.stopping:
                for rest in jobs[i:]:
                    await results.put(SendResult("release", rest))
                return SendResult("release", job)
            outcome = await self._send_one(channel, job)
            await results.put(outcome)
            if outcome.status != "sent":
                # Keep this chat's order: what follows waits for the message that could not go.
                for rest in jobs[i + 1 :]:
                    await results.put(SendResult("follow", rest, error=outcome.error, lead=outcome))
                return outcome
        return None

    async def _send_one(self, channel: ChatChannel, job: Job) -> SendResult:
        message = OutboundMessage.from_dict(job.payload, delivery_key=job.key)
        if message.image is not None:
            message = await asyncio.to_thread(attachments.with_image_data, self.db, message)
        edit_ref = str(job.payload.get("edit_ref") or "")
        if job.orphaned and not edit_ref and isinstance(channel, Reconciling):
            found = await self._reconcile(channel, job)
            if found is not None:
                return found
        transient = 0
        waited = 0.0
        while True:
            try:
                if edit_ref:
                    return SendResult("sent", job, await self._edit(channel, job, edit_ref, message))
                return SendResult("sent", job, await channel.send(job.address, message))
            except RetryLater as exc:
                if waited + exc.retry_after > self.max_inline_wait:
                    return SendResult("retry", job, error=exc)
                waited += exc.retry_after
                if not await self._nap(exc.retry_after):
                    return SendResult("retry", job, error=exc)  # shutting down: leave it for later
            except RecipientGone as exc:
                return SendResult("gone", job, error=exc)
            except TransientError as exc:
                transient += 1
                if transient >= 3:
                    return SendResult("error", job, error=exc)
                await self.sleep(0.2 * 2**transient)
            except Exception as exc:
                log.exception("send failed for delivery %s", job.id)
                return SendResult("error", job, error=exc)

    async def _nap(self, seconds: float) -> bool:
        """Sleep `seconds`, waking early on shutdown; return False if woken by it."""
        left = seconds
        while not self.stopping:
            if left <= 0:
                return True
            await self.sleep(min(left, 0.25))
            left -= 0.25
        return False

    async def _reconcile(self, channel: Reconciling, job: Job) -> SendResult | None:
        # The worker that claimed this before may have died after the platform accepted it.
        try:
            ref = await channel.find_sent(job.address, job.key)
        except RecipientGone as exc:
            return SendResult("gone", job, error=exc)
        except (RetryLater, TransientError) as exc:
            return SendResult("retry", job, error=exc)  # look again later rather than risk a duplicate
        except Exception as exc:
            log.exception("could not look for delivery %s on %s", job.id, job.channel)
            return SendResult("error", job, error=exc)
        if ref is None:
            return None
        log.info("delivery %s was sent before a crash (%s); recording it instead of sending again", job.id, ref)
        return SendResult("sent", job, ref)

    async def _edit(self, channel: ChatChannel, job: Job, ref: str, message: OutboundMessage) -> str:
        try:
            await channel.edit(job.address, ref, message)
            return ref
        except (RetryLater, TransientError, RecipientGone):
            raise
        except Exception as exc:
            # The original may be gone or too old to edit; the person still gets the content.
            log.warning("could not edit message %s (%r); sending it anew", ref, exc)
            return await channel.send(job.address, message)

    async def _write_results(self, results: asyncio.Queue[SendResult | None], report: DispatchReport,
                             unfinished: set[int]) -> None:
        pending: list[SendResult] = []
        done = False
        while not done:
            item = await results.get()
            if item is None:
                done = True
            else:
                pending.append(item)
                # Record each answer at once: only what is ready now shares a transaction (and one
                # statement), never waiting for more, so a crash loses the record of at most the
                # sends in flight and those answered while the previous write ran.
                while not results.empty() and len(pending) < 1000:
                    nxt = results.get_nowait()
                    if nxt is None:
                        done = True
                        break
                    pending.append(nxt)
            if pending:
                await self.db.run(self._apply, pending, report)
                unfinished.difference_update(r.job.id for r in pending)
                pending = []

    def _apply(self, items: list[SendResult], report: DispatchReport) -> None:
        now = self.clock.now()
        sent = [r for r in items if r.status == "sent"]
        with self.db.session() as s:
            # Everything sent is recorded in one statement; what was not is looked at one by one.
            outbox.mark_sent_many(s, [(r.job.id, r.ref) for r in sent], now,
                                  lessons=[r.job.id for r in sent if r.job.kind == "lesson"])
            for r in items:
                if r.status != "sent":
                    self._apply_one(s, r, now, report)
        for r in sent:
            metrics.count_sent(r.job.channel, r.job.kind)
            report.sent.append(r.job)

    def _apply_one(self, s: Session, r: SendResult, now: datetime, report: DispatchReport) -> None:
        job, error, detail = r.job, r.error, str(r.error or "")
        if r.status == "release":
            outbox.release(s, [job.id])
            report.released += 1
            return
        metrics.count_not_sent(job.channel, r.status)
        if r.status == "follow" and isinstance(error, RecipientGone):
            return  # mark_undeliverable already cancelled this person's pending rows
        if r.status == "follow" and r.lead is not None and r.lead.status == "error":
            # Wait as long as the message in front (retried in 2 minutes), or this one would
            # overtake it and the chat's order would break.
            outbox.mark_retry(s, job.id, now + timedelta(minutes=2), detail, count=False)
            report.retried += 1
        elif r.status == "gone" and isinstance(error, RecipientGone):
            outbox.mark_undeliverable(s, job.id, error.status, detail)
            report.undeliverable += 1
        elif r.status in ("retry", "defer", "follow"):
            wait = error.retry_after if isinstance(error, RetryLater) else 30.0
            outbox.mark_retry(s, job.id, now + timedelta(seconds=wait), detail, count=False)
            report.retried += 1
        else:
            outbox.mark_retry(s, job.id, now + timedelta(minutes=2), detail)
            report.failed += 1
        if r.status != "follow":  # the chat's messages not claimed yet wait behind this one too
            outbox.hold_behind(s, job.id, now)
