"""A rate limiter shared by every process of one deployment, kept in the database.

Each key (a platform's global limit, one chat, a workspace) is a row holding the instant its next
send may go (`next_at`). A send names the keys it falls under; one transaction locks those rows
(PostgreSQL: SELECT ... FOR UPDATE in key order; SQLite: the database's write lock, taken first),
takes the latest of their instants and of the platform's pause as its slot, and moves each key's
instant one interval past that slot. So the web process and every worker draw from one schedule,
and the sends of all of them together keep the spacing the platform asks for.

A 429 pauses the platform (`paused_until`): a slot handed out before the pause is checked again
when it comes, so sends already reserved wait too. A key may adapt its rate (a platform's
ceiling that is not published): each 429 cuts it, each send lets it grow back slowly, never above the
configured rate.

Instants are seconds on an injected clock (Unix time by default; every process of a deployment
must read the same clock). Tests and benchmarks inject a clock and a sleep, so nothing really waits.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import cast

from sqlalchemy import Table, bindparam, delete, select, update
from sqlalchemy.orm import Session

from core.batching import Batcher
from core.db import Database, insert_new
from core.models import RateLimitRow

Sleep = Callable[[float], Awaitable[None]]
CUT = 0.85  # an adaptive key's rate is multiplied by this on the first 429 of a pause
GROW = 2000  # an adaptive key grows by its configured rate / GROW per send
FORGET_AFTER = 60.0  # a key idle this long (and not paused, not adaptive) is deleted: it would allow at once anyway
PURGE_EVERY = 2000  # reservations between two clean-ups, per process


@dataclass(frozen=True)
class Limit:
    """A key and its rate: at most one send per `interval` seconds (`adaptive`: the rate may be cut by 429s)."""

    key: str
    interval: float
    adaptive: bool = False
    floor: float = 0.0  # an adaptive key's lowest rate, in sends per second (0: a tenth of the configured one)

    @property
    def rate(self) -> float:
        """Return the configured rate in sends per second."""
        return 1.0 / self.interval if self.interval > 0 else float("inf")


def _ensure(session: Session, keys: Sequence[str]) -> None:
    """Create missing rows for `keys` (on SQLite this also takes the write lock, before any read)."""
    values = [{"key": k, "next_at": 0.0, "paused_until": 0.0} for k in keys]
    session.execute(insert_new(session, RateLimitRow, values))


def _locked(session: Session, keys: Sequence[str]) -> dict[str, tuple[float, float, float | None]]:
    """Lock the rows of `keys` (in key order, so two processes never deadlock) and return them."""
    _ensure(session, keys)
    stmt = select(RateLimitRow.key, RateLimitRow.next_at, RateLimitRow.paused_until, RateLimitRow.rate).where(
        RateLimitRow.key.in_(list(keys))).order_by(RateLimitRow.key)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {k: (n, p, r) for k, n, p, r in session.execute(stmt)}


Request = tuple[Sequence[Limit], str]  # the limits a send falls under, and its platform's pause key


def reserve(session: Session, limits: Sequence[Limit], pause_key: str, now: float) -> float:
    """Take the next slot under every one of `limits` and the pause of `pause_key`; return its instant."""
    return reserve_many(session, [(limits, pause_key)], now)[0]


def reserve_many(session: Session, requests: Sequence[Request], now: float) -> list[float]:
    """Take one slot per request, in order, in one transaction; return their instants."""
    keys = sorted({lim.key for limits, _ in requests for lim in limits} | {p for _, p in requests})
    rows = _locked(session, keys)
    state = {k: [n, r] for k, (n, _, r) in rows.items()}
    slots = []
    for limits, pause_key in requests:
        slot = max([now, rows[pause_key][1], *(state[lim.key][0] or 0.0 for lim in limits)])
        for lim in limits:
            interval, rate = lim.interval, state[lim.key][1]
            if lim.adaptive:
                current = rate if rate is not None else lim.rate
                interval = 1.0 / current
                # Additive increase: the configured rate regained in GROW sends.
                state[lim.key][1] = min(lim.rate, current + lim.rate / GROW)
            state[lim.key][0] = slot + interval
        slots.append(slot)
    changed = [{"k": k, "old": rows[k][0], "n": n, "r": r} for k, (n, r) in state.items() if n != rows[k][0]]
    if changed:
        # Conditional: the rows are locked, so this always matches; it guards against anything that is not.
        table = cast(Table, RateLimitRow.__table__)
        session.execute(update(table).where(table.c.key == bindparam("k"), table.c.next_at == bindparam("old"))
                        .values(next_at=bindparam("n"), rate=bindparam("r")), changed)
    return slots


def pause(session: Session, pause_key: str, now: float, until: float, cut: Sequence[Limit] = ()) -> None:
    """Hold every send under `pause_key` until `until`; cut the rate of the adaptive keys in `cut`.

    Only the first 429 of a pause cuts: the sends already in flight when it came draw 429s too, and
    they tell nothing new.
    """
    rows = _locked(session, sorted({pause_key, *(lim.key for lim in cut)}))
    first = rows[pause_key][1] <= now
    if rows[pause_key][1] < until:
        session.execute(update(RateLimitRow).where(RateLimitRow.key == pause_key).values(paused_until=until))
    for lim in cut:
        if lim.adaptive and first:
            rate = rows[lim.key][2]
            current = rate if rate is not None else lim.rate
            floor = lim.floor or lim.rate / 10.0
            session.execute(update(RateLimitRow).where(RateLimitRow.key == lim.key)
                            .values(rate=max(floor, current * CUT)))


def paused_until(session: Session, pause_key: str) -> float:
    """Return until when sends under `pause_key` are held (0 when never paused)."""
    value = session.scalar(select(RateLimitRow.paused_until).where(RateLimitRow.key == pause_key))
    return float(value or 0.0)


def current_rate(session: Session, limit: Limit) -> float:
    """Return an adaptive key's rate now (the configured one until a 429 cut it)."""
    value = session.scalar(select(RateLimitRow.rate).where(RateLimitRow.key == limit.key))
    return float(value) if value is not None else limit.rate


def purge(session: Session, now: float) -> int:
    """Delete keys idle for a minute that hold nothing (no pause, no learned rate); return how many."""
    result = session.execute(delete(RateLimitRow).where(RateLimitRow.next_at < now - FORGET_AFTER,
                                                        RateLimitRow.paused_until < now,
                                                        RateLimitRow.rate.is_(None)))
    return int(getattr(result, "rowcount", 0) or 0)


class SharedLimiter:
    """Waits for slots from the database's schedule; one per deployment, used from any event loop."""

    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time,
                 sleep: Sleep = asyncio.sleep, lead: float = 0.05, late: float = 0.01) -> None:
        self.db = db
        self.lead = lead
        self.late = late
        self.clock = clock
        self.sleep = sleep
        self._known_pause: dict[str, float] = {}  # the latest pause this process has seen, per pause key
        self._pause_read: dict[str, float] = {}  # when the database's pause was last read, per pause key
        self._reservations = 0
        # The sends waiting for a slot in one event loop are reserved in one transaction.
        # In the database's own thread, behind the answer path's writes rather than against them.
        self._batcher: Batcher[Request, float] = Batcher(self._reserve_many, db.run)

    def _reserve(self, limits: Sequence[Limit], pause_key: str) -> float:
        return self._reserve_many([(limits, pause_key)])[0]

    def _reserve_many(self, requests: Sequence[Request]) -> list[float]:
        now = self.clock()
        with self.db.session() as s:
            slots = reserve_many(s, requests, now)
            self._reservations += len(requests)
            if self._reservations >= PURGE_EVERY:
                self._reservations = 0
                purge(s, now)
        return slots

    def held_until(self, pause_key: str) -> float:
        """Return until when sends under `pause_key` are held, as the database says now."""
        read_at = self.clock()
        with self.db.session() as s:
            until = paused_until(s, pause_key)
        self._known_pause[pause_key] = max(self._known_pause.get(pause_key, 0.0), until)
        self._pause_read[pause_key] = read_at
        return until

    async def _paused(self, pause_key: str) -> bool:
        """Return True while `pause_key` is paused, reading the database at most every `lead` / 2."""
        if self.clock() - self._pause_read.get(pause_key, -1e18) > self.lead / 2:
            await self.db.run(self.held_until, pause_key)
        return self._known_pause.get(pause_key, 0.0) > self.clock()

    def _pause(self, pause_key: str, now: float, until: float, cut: Sequence[Limit]) -> None:
        with self.db.session() as s:
            pause(s, pause_key, now, until, cut)

    async def acquire(self, limits: Sequence[Limit], pause_key: str) -> None:
        """Wait until a send under `limits` may go; a pause that began meanwhile voids the slot.

        The database's pause is looked up `lead` seconds before the slot, and a pause this process
        saw is looked at again right before the send, so a send leaves on time however busy the
        database threads are and never during a known pause. A send that would leave more than
        `late` after its slot (a busy event loop) takes a new one, at most twice, rather than crowd
        the sends behind it.
        """
        late = 0
        while True:
            await self.wait_unpaused(pause_key)
            slot = await self._batcher.submit((limits, pause_key))
            wait = slot - self.clock()
            if wait > self.lead:
                await self.sleep(wait - self.lead)
                if await self._paused(pause_key):
                    continue  # paused since we reserved: the slot is void, take one after the pause
            if (rest := slot - self.clock()) > 0:
                await self.sleep(rest)
            if self._known_pause.get(pause_key, 0.0) > self.clock():
                continue
            if slot - self.clock() >= -self.late or late == 2:
                return
            late += 1

    async def wait_unpaused(self, pause_key: str) -> None:
        """Wait out a pause this process knows of (for calls that are not messages and take no slot)."""
        while (left := self._known_pause.get(pause_key, 0.0) - self.clock()) > 0:
            await self.sleep(left)

    async def pause(self, pause_key: str, seconds: float, cut: Sequence[Limit] = ()) -> None:
        """Hold every send under `pause_key` for `seconds` (a 429's Retry-After), in every process."""
        now = self.clock()
        until = now + seconds
        self._known_pause[pause_key] = max(self._known_pause.get(pause_key, 0.0), until)  # this process: at once
        await asyncio.to_thread(self._pause, pause_key, now, until, cut)

    def rate(self, limit: Limit) -> float:
        """Return an adaptive key's current rate."""
        with self.db.session() as s:
            return current_rate(s, limit)
