"""Cadence maths: turn 'mon-fri at 09:30 local' into UTC instants with zoneinfo.

A local time that does not exist (spring forward) moves forward by the length of the
gap, and an ambiguous one (fall back) takes its first occurrence: this is PEP 495's
fold=0 rule, the same answer java.time and dateutil give.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class Cadence:
    """Which local days and at what local time, between start and optional end dates."""

    days: frozenset[int]  # 0 = Monday
    at: time
    start: date
    end: date | None = None

    @classmethod
    def parse(cls, days: str | list[str], at: str, start: date, end: date | None = None) -> Cadence:
        """Build a cadence from day names ('mon,tue' or a list) and 'HH:MM'."""
        names = days.split(",") if isinstance(days, str) else days
        idx = frozenset(WEEKDAYS.index(n.strip().lower()[:3]) for n in names if n.strip())
        hh, mm = at.split(":")
        return cls(idx, time(int(hh), int(mm)), start, end)

    def is_scheduled(self, day: date) -> bool:
        """Return True when a nudge belongs on this local date."""
        if day < self.start or (self.end is not None and day > self.end):
            return False
        return day.weekday() in self.days


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of wall time `at` on `day` in `zone` (gap: shift forward; overlap: first)."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def occurrences(cadence: Cadence, zone: ZoneInfo, after: datetime) -> Iterator[tuple[date, datetime]]:
    """Yield (local date, UTC instant) of every scheduled nudge strictly after `after`, in order."""
    day = max(after.astimezone(zone).date() - timedelta(days=1), cadence.start)
    while cadence.end is None or day <= cadence.end:
        if day.weekday() in cadence.days:
            instant = local_instant(day, cadence.at, zone)
            if instant > after:
                yield day, instant
        day += timedelta(days=1)


def next_occurrence(cadence: Cadence, zone: ZoneInfo, after: datetime) -> tuple[date, datetime] | None:
    """Return the first scheduled (local date, UTC instant) strictly after `after`, or None past the end."""
    return next(occurrences(cadence, zone, after), None)


def latest_occurrence(cadence: Cadence, zone: ZoneInfo, upto: datetime) -> tuple[date, datetime] | None:
    """Return the last scheduled (local date, UTC instant) at or before `upto`, looking back 8 days."""
    day = upto.astimezone(zone).date() + timedelta(days=1)
    for _ in range(9):
        if cadence.is_scheduled(day):
            instant = local_instant(day, cadence.at, zone)
            if instant <= upto:
                return day, instant
        day -= timedelta(days=1)
    return None


def window(cadence: Cadence, zone: ZoneInfo, start: date, days: int) -> list[tuple[date, datetime]]:
    """Return the scheduled (local date, UTC instant) pairs on local dates start .. start+days-1."""
    out = []
    for i in range(days):
        day = start + timedelta(days=i)
        if cadence.is_scheduled(day):
            out.append((day, local_instant(day, cadence.at, zone)))
    return out
