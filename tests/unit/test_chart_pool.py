"""The chart helper process: what it draws is what this process would draw, and its death loses nothing."""

from __future__ import annotations

import time
from datetime import date, timedelta

from core.charts import PersonWeek
from scheduler.chart_pool import ChartPool, draw_many


def jobs(n: int) -> list[tuple[list[PersonWeek], str, str]]:
    weeks = [date(2027, 1, 4) + timedelta(days=7 * w) for w in range(6)]
    return [([PersonWeek(f"Learner {t}.{p}", wk, w + p, 12, 5, (t + p + w) % 6, p)
              for p in range(1 + t % 4) for w, wk in enumerate(weeks)], "Your team's progress", "en")
            for t in range(n)]


def test_a_helper_draws_the_same_bytes_in_the_same_order() -> None:
    work = jobs(60)
    with ChartPool(due=0, processes=1) as pool:
        assert pool.result(pool.submit(work)) == draw_many(work)


def test_charts_are_drawn_here_when_the_helper_dies() -> None:
    work = jobs(60)
    with ChartPool(due=0, processes=1) as pool:
        assert pool._pool is not None
        pool.result(pool.submit(jobs(1)))  # the helper is up
        pending = pool.submit(work)
        for process in list(pool._pool._processes.values()):  # type: ignore[attr-defined]
            process.kill()
        for _ in range(500):  # until the pool has noticed
            if pool._broken():
                break
            time.sleep(0.01)
        assert pool.result(pending) == draw_many(work)
        # Later batches are drawn here, not lost.
        assert pool.result(pool.submit(work[:3])) == draw_many(work[:3])


def test_no_helper_for_a_small_run() -> None:
    with ChartPool(due=10) as pool:
        assert pool._pool is None
        assert pool.result(pool.submit(jobs(2))) == draw_many(jobs(2))
