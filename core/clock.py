"""Clocks: services take `now` from one of these so tests and the demo can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that tells the current UTC instant."""

    def now(self) -> datetime:
        """Return the current instant, timezone-aware, in UTC."""
        ...


class SystemClock:
    """The wall clock."""

    def now(self) -> datetime:
        """Return the current instant in UTC."""
        return datetime.now(UTC)


class VirtualClock:
    """A clock that moves only when told to (demo, tests, `tick --at`)."""

    def __init__(self, start: datetime) -> None:
        self._now = ensure_utc(start)

    def now(self) -> datetime:
        """Return the virtual instant."""
        return self._now

    def set(self, when: datetime) -> None:
        """Jump to `when`."""
        self._now = ensure_utc(when)

    def advance(self, delta: timedelta) -> None:
        """Move forward by `delta`."""
        self._now += delta


def ensure_utc(when: datetime) -> datetime:
    """Return `when` in UTC, refusing naive datetimes."""
    if when.tzinfo is None:
        raise ValueError(f"naive datetime {when.isoformat()} has no time zone")
    return when.astimezone(UTC)
