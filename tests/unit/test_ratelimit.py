"""The limiter kept in the database: slots spaced per key, pauses that hold reserved slots, adaptive rates.

Every process of a deployment is a `SharedLimiter` on the same database; here two of them share one
file, with an injected clock and a sleep that only moves that clock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from core.db import Database
from core.ratelimit import Limit, SharedLimiter, purge

BOT = Limit("tg", 0.1)  # 10 sends/s


class FakeTime:
    """An injected clock: a sleep moves it (`auto`), or waits until the test moves it."""

    def __init__(self, auto: bool = True) -> None:
        self.now = 1000.0
        self.auto = auto
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        if self.auto:
            self.now += seconds
        end = self.now + (0 if self.auto else seconds)
        await until(lambda: self.now >= end)


async def until(condition: Callable[[], bool]) -> None:
    """Let other tasks and threads run until `condition` holds (at most 10 s)."""
    for _ in range(10_000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


@pytest.fixture
def db(db_url: str) -> Database:
    return Database(db_url)


def limiter(db: Database, t: FakeTime, late: float = 0.01) -> SharedLimiter:
    return SharedLimiter(db, clock=t.clock, sleep=t.sleep, late=late)


def chat(n: int) -> Limit:
    return Limit(f"tg:chat:{n}", 1.0)


def test_two_processes_draw_from_one_schedule(db: Database) -> None:
    t = FakeTime()
    web, worker = limiter(db, t), limiter(db, t)
    slots = [(web if i % 2 else worker)._reserve([BOT, chat(i)], "tg:pause") for i in range(5)]
    assert slots == pytest.approx([1000.0, 1000.1, 1000.2, 1000.3, 1000.4])
    # A second message to chat 0 waits a full second after the first, whichever process sends it.
    assert web._reserve([BOT, chat(0)], "tg:pause") == pytest.approx(1001.0)
    assert worker._reserve([BOT, chat(9)], "tg:pause") == pytest.approx(1001.1)


def test_a_pause_holds_slots_already_given_out(db: Database) -> None:
    t = FakeTime(auto=False)
    worker, web = limiter(db, t, late=1.0), limiter(db, t)

    async def go() -> list[float]:
        sent: list[float] = []

        async def send(n: int) -> None:
            await worker.acquire([BOT, chat(n)], "tg:pause")
            sent.append(t.now)

        await send(0)  # goes at once
        later = [asyncio.create_task(send(n)) for n in range(1, 4)]
        await until(lambda: len(t.slept) >= 3)  # each has its slot (1000.1, .2, .3) and waits for it
        await web.pause("tg:pause", 5.0)  # another process drew a 429 with retry_after 5
        for step in (1000.5, 1004.9, 1005.2, 1005.5):
            t.now = step
            await asyncio.sleep(0.1)
        await asyncio.gather(*later)
        return sent

    sent = asyncio.run(go())
    assert sent == [1000.0, 1005.2, 1005.5, 1005.5]  # nothing reserved before the pause went during it


def test_a_send_woken_too_late_takes_a_new_slot_rather_than_crowd_the_next(db: Database) -> None:
    t = FakeTime(auto=False)
    lim = limiter(db, t)

    async def go() -> float:
        lim._reserve([BOT], "tg:pause")  # 1000.0 is taken
        task = asyncio.create_task(lim.acquire([BOT], "tg:pause"))  # gets 1000.1
        await until(lambda: bool(t.slept))
        t.now = 1000.3  # the event loop was busy: 200 ms late
        await task  # a new slot, 1000.3, is now: it goes without waiting
        return t.now

    went = asyncio.run(go())
    assert went == 1000.3
    assert lim._reserve([BOT], "tg:pause") == pytest.approx(1000.4)  # and the next one is a full interval later


def test_a_call_that_is_no_message_waits_only_for_a_pause_this_process_knows(db: Database) -> None:
    t = FakeTime()
    lim = limiter(db, t)

    async def go() -> None:
        await lim.wait_unpaused("tg:pause")
        assert t.slept == []
        await lim.pause("tg:pause", 2.0)
        await lim.wait_unpaused("tg:pause")

    asyncio.run(go())
    assert t.now == pytest.approx(1002.0)


def test_an_adaptive_rate_is_cut_once_per_pause_and_grows_back(db: Database) -> None:
    t = FakeTime()
    lim = limiter(db, t)
    ws = Limit("slack:ws", 1 / 20, adaptive=True)
    assert lim.rate(ws) == 20.0
    asyncio.run(lim.pause("slack:pause", 1.0, cut=[ws]))
    assert lim.rate(ws) == pytest.approx(17.0)
    asyncio.run(lim.pause("slack:pause", 1.0, cut=[ws]))  # a send in flight drew a 429 of the same pause
    assert lim.rate(ws) == pytest.approx(17.0)
    t.now += 2
    first = lim._reserve([ws], "slack:pause")
    second = lim._reserve([ws], "slack:pause")
    assert second - first == pytest.approx(1 / 17.0)  # the cut rate spaces the sends
    for _ in range(400):
        lim._reserve([ws], "slack:pause")
    assert lim.rate(ws) == 20.0  # never above the configured rate
    for _ in range(30):
        asyncio.run(lim.pause("slack:pause", 1.0, cut=[ws]))
        t.now += 2
    assert lim.rate(ws) == pytest.approx(2.0)  # the floor: a tenth of the configured rate


def test_idle_keys_are_forgotten_but_not_pauses_or_learned_rates(db: Database) -> None:
    t = FakeTime()
    lim = limiter(db, t)
    ws = Limit("slack:ws", 1 / 20, adaptive=True)
    lim._reserve([BOT, chat(1)], "tg:pause")
    lim._reserve([ws], "slack:pause")
    asyncio.run(lim.pause("tg:pause", 600.0))
    with db.session() as s:
        assert purge(s, t.now + 120) == 3  # the bot, the chat and the Slack pause key
    assert lim.held_until("tg:pause") == pytest.approx(1600.0)
    assert lim.rate(ws) == 20.0


def test_slots_are_the_same_on_a_shared_file_across_threads(tmp_path: Path, db: Database) -> None:
    t = FakeTime()
    lims = [limiter(db, t) for _ in range(4)]

    async def go() -> list[float]:
        return list(await asyncio.gather(*(asyncio.to_thread(lims[i % 4]._reserve, [BOT], "tg:pause")
                                           for i in range(40))))

    slots = sorted(asyncio.run(go()))
    assert slots == pytest.approx([1000.0 + 0.1 * i for i in range(40)])  # no slot given twice
