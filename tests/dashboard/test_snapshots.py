"""Expensive figures: live when cheap, otherwise served from the last count and recounted in the background."""

from __future__ import annotations

from datetime import timedelta

from bot.dashboard.snapshots import Snapshots
from tests.helpers import World


def test_cheap_figures_are_always_live(world: World) -> None:
    snaps = Snapshots(world.db, world.clock.now)
    counter = iter(range(10))
    assert [snaps.get("k", lambda s: next(counter)).value for _ in range(3)] == [0, 1, 2]


def test_slow_figures_are_served_stale_then_recounted_once_in_the_background(world: World) -> None:
    snaps = Snapshots(world.db, world.clock.now, max_age=0.0, fresh_below=0.0)  # every count counts as slow
    counter = iter(range(10))
    first = snaps.get("k", lambda s: next(counter))
    assert first.value == 0 and not first.live and first.as_of == world.clock.now()
    world.clock.advance(timedelta(minutes=2))
    assert snaps.get("k", lambda s: next(counter)).value == 0  # stale, while a recount starts
    snaps.join()
    fresh = snaps.get("k", lambda s: next(counter))
    assert fresh.value == 1 and fresh.as_of == world.clock.now()
    snaps.join()
    snaps.forget("k")
    assert snaps.get("k", lambda s: next(counter)).value == 3  # the second recount made 2; forgetting recounts now
