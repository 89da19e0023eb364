"""Digest charts drawn in a helper process while this one gathers the next batch of teams.

A Monday with thousands of digests spends about half its time drawing charts. A chart is a pure
function of its rows, title and language (core/digest_chart.py), so a second process can draw one
batch while this process reads and writes the next: on a machine with two cores or more, the run
takes about half as long. The helper is started (spawned, so it shares no database connection or
thread with this process) only for a run with at least `POOL_AFTER` digests, and lives only for that
run. If it cannot start or dies, the charts are drawn here instead: a digest is never lost to it.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from core.charts import PersonWeek

log = logging.getLogger("nudgebot.digests")
POOL_AFTER = 1500  # digests due in one run; fewer do not repay the helper loading the drawing code
CHUNK = 25  # charts per piece of work: small enough for this process to take back what the helper hasn't begun
Job = tuple["list[PersonWeek]", str, str]  # a chart's rows, title and language
Pending = list[tuple[list[Job], "Future[list[bytes]] | None"]]


def draw_many(jobs: Sequence[Job]) -> list[bytes]:
    """Draw each chart as PNG bytes, in order."""
    from core.digest_chart import digest_png

    return [digest_png(rows, title, locale) for rows, title, locale in jobs]


def _warm() -> None:
    # The helper imports the drawing code once, before the first batch arrives.
    import core.digest_chart  # noqa: F401


class ChartPool:
    """Draws batches of charts in one helper process when it is worth it, else in this process."""

    def __init__(self, due: int, processes: int | None = None) -> None:
        wanted = processes if processes is not None else (1 if due >= POOL_AFTER and (os.cpu_count() or 1) > 1 else 0)
        self._pool: ProcessPoolExecutor | None = None
        if wanted > 0:
            try:
                self._pool = ProcessPoolExecutor(wanted, mp_context=multiprocessing.get_context("spawn"),
                                                 initializer=_warm)
            except OSError as exc:
                log.warning("digest charts are drawn in this process: no helper process (%s)", exc)

    def submit(self, jobs: Sequence[Job]) -> Pending:
        """Hand `jobs` to the helper in chunks (drawn here later if it hasn't started them), or keep them."""
        chunks = [list(jobs[i : i + CHUNK]) for i in range(0, len(jobs), CHUNK)]
        if self._pool is None:
            return [(chunk, None) for chunk in chunks]
        try:
            return [(chunk, self._pool.submit(draw_many, chunk)) for chunk in chunks]
        except RuntimeError as exc:  # the helper died earlier (BrokenProcessPool is a RuntimeError)
            log.warning("digest charts are drawn in this process from now on: %s", exc)
            self._pool = None
            return [(chunk, None) for chunk in chunks]

    def result(self, pending: Pending) -> list[bytes]:
        """Return a submitted batch's charts, in order, drawing here what the helper hasn't begun."""
        drawn: dict[int, list[bytes]] = {}
        # The helper works from the front; this process takes back chunks from the back, so the two meet.
        for i in range(len(pending) - 1, -1, -1):
            chunk, future = pending[i]
            # A broken pool fails its futures itself; cancelling them meanwhile trips up its own thread.
            if future is None or (not self._broken() and future.cancel()):
                drawn[i] = draw_many(chunk)
        for i, (chunk, future) in enumerate(pending):
            if i in drawn or future is None:
                continue
            try:
                drawn[i] = future.result()
            except Exception as exc:
                log.warning("the chart helper failed on a batch (%r); drawing it in this process", exc)
                drawn[i] = draw_many(chunk)
        return [png for i in range(len(pending)) for png in drawn[i]]

    def _broken(self) -> bool:
        return self._pool is None or bool(getattr(self._pool, "_broken", False))

    def __enter__(self) -> ChartPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
