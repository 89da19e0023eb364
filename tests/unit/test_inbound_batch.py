"""Inbound work shares transactions without one event's failure costing the others; replies keep their order."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from bot.inbound_batch import Batcher, ReplySender
from core.db import Database


def db_with_table(tmp_path: Path) -> Database:
    """Return a SQLite database with one table of names (unique)."""
    db = Database(f"sqlite:///{tmp_path}/b.db")
    with db.session() as s:
        s.execute(text("CREATE TABLE names (name TEXT PRIMARY KEY)"))
    return db


def names(db: Database) -> list[str]:
    """Return the stored names, sorted."""
    with db.session() as s:
        return sorted(s.scalars(text("SELECT name FROM names")))


def insert(name: str):  # type: ignore[no-untyped-def]
    """Return work that stores `name` and returns it."""
    def work(s: Session) -> str:
        s.execute(text("INSERT INTO names VALUES (:n)"), {"n": name})
        return name

    return work


def test_events_queued_together_share_one_transaction_and_a_failure_stays_its_own(tmp_path: Path) -> None:
    db = db_with_table(tmp_path)
    batcher = Batcher(db)
    sizes: list[int] = []
    apply = batcher._apply
    batcher._apply = lambda fns: (sizes.append(len(fns)), apply(fns))[1]  # type: ignore[method-assign]

    async def go() -> list[object]:
        return await asyncio.gather(batcher.run(insert("ada")), batcher.run(insert("bo")),
                                    batcher.run(insert("ada")), batcher.run(insert("cy")), return_exceptions=True)

    results = asyncio.run(go())
    assert results[:2] == ["ada", "bo"] and results[3] == "cy"
    assert "UNIQUE" in str(results[2])  # only the duplicate fails
    assert names(db) == ["ada", "bo", "cy"]
    assert sizes[0] == 4  # all four went in one batch first (then one by one, after the failure)
    db.dispose()


def test_a_lone_event_goes_at_once_and_each_loop_gets_its_own_runner(tmp_path: Path) -> None:
    db = db_with_table(tmp_path)
    batcher = Batcher(db)
    assert asyncio.run(batcher.run(insert("ada"))) == "ada"
    assert asyncio.run(batcher.run(insert("bo"))) == "bo"  # a second event loop, as the CLI makes
    assert names(db) == ["ada", "bo"]
    db.dispose()


def test_replies_to_one_chat_go_in_the_order_they_were_queued() -> None:
    sent: list[list[int]] = []
    release = asyncio.Event()

    async def send(ids: list[int]) -> None:
        if ids == [1]:
            await release.wait()  # the first reply is slow to go out
        sent.append(ids)

    async def go() -> None:
        replies = ReplySender(send)
        replies.queue(("telegram", "1"), [1])
        await asyncio.sleep(0)
        replies.queue(("telegram", "1"), [2, 3])
        replies.queue(("telegram", "2"), [4])  # queued in the same turn: sent in the same pass
        await asyncio.sleep(0.05)
        assert sent == []  # the second pass waits for the first reply to that chat
        release.set()
        await replies.drain()

    asyncio.run(go())
    assert sent == [[1], [2, 3, 4]]


@pytest.mark.parametrize("count", [1, 100])
def test_drain_waits_for_every_queued_reply(count: int) -> None:
    sent: list[int] = []

    async def send(ids: list[int]) -> None:
        await asyncio.sleep(0.001)
        sent.extend(ids)

    async def go() -> None:
        replies = ReplySender(send)
        for i in range(count):
            replies.queue(("slack", str(i % 7)), [i])
        await replies.drain()

    asyncio.run(go())
    assert sorted(sent) == list(range(count))


def test_urgent_work_goes_before_waiting_work_and_a_batch_stops_early_for_it(tmp_path: Path) -> None:
    db = db_with_table(tmp_path)
    order: list[str] = []

    def slow(name: str):  # type: ignore[no-untyped-def]
        def fn(s: Session) -> None:
            order.append(name)
            s.execute(text("INSERT INTO names VALUES (:n)"), {"n": name})
            time.sleep(0.02)
        return fn

    async def go() -> None:
        batcher, urgent = Batcher(db), Batcher(db, urgent=True)
        work = [asyncio.ensure_future(batcher.run(slow(f"b{i}"))) for i in range(4)]
        await asyncio.sleep(0.005)  # the batch of four is running
        await urgent.run(slow("u"))
        await asyncio.gather(*work)

    asyncio.run(go())
    assert order.index("u") == 1  # the batch of four stopped after its first to let it in
    assert sorted(order) == ["b0", "b1", "b2", "b3", "u"] and names(db) == sorted(order)
    db.dispose()
