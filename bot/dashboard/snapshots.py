"""Campaign figures that are expensive to count, kept briefly so big campaigns' pages stay fast.

A figure that took under FRESH_BELOW to compute is computed again on every request (small campaigns
always show live numbers). A slower one is served from its last computation and recomputed in a
background thread once it is older than MAX_AGE (stale-while-revalidate); the page says as of when.
Only one recomputation per key runs at a time.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from core.db import Database

T = TypeVar("T")
FRESH_BELOW = 0.05  # seconds
MAX_AGE = 60.0  # seconds


@dataclass(frozen=True)
class Snapshot(Generic[T]):
    """A computed value, when it was computed (service clock) and how long that took."""

    value: T
    as_of: datetime
    took: float
    at: float  # monotonic time of computation

    live: bool  # recomputed on every request (it is cheap)


class Snapshots:
    """Per-key snapshots of expensive figures, refreshed in the background."""

    def __init__(self, db: Database, now: Callable[[], datetime], max_age: float = MAX_AGE,
                 fresh_below: float = FRESH_BELOW) -> None:
        self.db = db
        self.now = now
        self.max_age = max_age
        self.fresh_below = fresh_below
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._data: dict[Any, Snapshot[Any]] = {}
        self._running: set[Any] = set()

    def _compute(self, key: Any, fn: Callable[[Session], T]) -> Snapshot[T]:
        start = time.perf_counter()
        as_of = self.now()
        with self.db.session() as s:
            value = fn(s)
        took = time.perf_counter() - start
        snap = Snapshot(value, as_of, took, time.monotonic(), took < self.fresh_below)
        with self._lock:
            self._data[key] = snap
            self._running.discard(key)
        return snap

    def get(self, key: Any, fn: Callable[[Session], T]) -> Snapshot[T]:
        """Return the figures for `key`, computing them with `fn(session)` now or in the background."""
        with self._lock:
            hit = self._data.get(key)
            stale = hit is not None and time.monotonic() - hit.at > self.max_age
            refresh = stale and key not in self._running
            if refresh:
                self._running.add(key)
        if hit is None or hit.live:
            return self._compute(key, fn)
        if refresh:
            thread = threading.Thread(target=self._refresh, args=(key, fn), daemon=True, name="dashboard-snapshot")
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
            thread.start()
        return hit

    def _refresh(self, key: Any, fn: Callable[[Session], Any]) -> None:
        try:
            self._compute(key, fn)
        finally:
            with self._lock:
                self._running.discard(key)

    def join(self, timeout: float = 30.0) -> None:
        """Wait for the background recounts started so far (for tests and shutdown)."""
        for t in list(self._threads):
            t.join(timeout)

    def forget(self, key: Any) -> None:
        """Drop a key's snapshot (after a change that its page must show at once)."""
        with self._lock:
            self._data.pop(key, None)
