"""The shared limiter on PostgreSQL: several processes' connections reserve at once, no slot is given twice."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.dbsetup import upgrade
from core.db import Database
from core.ratelimit import Limit, SharedLimiter

BOT = Limit("tg", 1 / 30)


def test_concurrent_reservations_from_separate_pools_share_one_schedule(pg_url: str) -> None:
    upgrade(pg_url)
    dbs = [Database(pg_url) for _ in range(3)]  # web and two workers: one pool each
    limiters = [SharedLimiter(db, clock=lambda: 5000.0) for db in dbs]

    def reserve(i: int) -> float:
        return limiters[i % 3]._reserve([BOT, Limit(f"tg:chat:{i % 10}", 1.0)], "tg:pause")

    with ThreadPoolExecutor(6) as pool:
        slots = sorted(pool.map(reserve, range(60)))
    assert len(set(slots)) == 60
    gaps = [b - a for a, b in zip(slots, slots[1:], strict=False)]
    assert min(gaps) >= 1 / 30 - 1e-9  # never closer than the bot's rate
    asyncio.run(limiters[0].pause("tg:pause", 3.0))
    assert limiters[2]._reserve([BOT], "tg:pause") == pytest.approx(max(5003.0, slots[-1] + 1 / 30))
    for db in dbs:
        db.dispose()
