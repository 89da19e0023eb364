"""A learner's working day: move each scheduled slot out of quiet hours, weekends, holidays and leave.

Pure functions over a Cadence and a person's WorkRules. A slot whose local day is not a working
day moves to the next working day at the same wall time; a slot inside quiet hours moves to the
end of them (the next working day's, if the quiet hours run into a day off). Several slots that
land on one local day collapse into one, so nothing piles up after a weekend or a leave.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.calendar import CalendarError, WorkCalendar, parse_quiet
from scheduler.cadence import Cadence, latest_occurrence, local_instant, next_occurrence, occurrences

# How far back a slot may have come from (a skipped weekend or a holiday), and how far forward a
# working day is looked for before giving up on a slot.
LOOKBACK = timedelta(days=9)
HORIZON = 400


@dataclass(frozen=True)
class WorkRules:
    """One person's working time in one campaign: their zone, calendar and quiet hours."""

    zone: ZoneInfo
    calendar: WorkCalendar = field(default_factory=WorkCalendar)
    # Each (start, end) span is quiet; end < start wraps past midnight.
    quiet: tuple[tuple[time, time], ...] = ()

    @property
    def trivial(self) -> bool:
        """Return True when no rule can move a slot."""
        return self.calendar.trivial and not self.quiet


def quiet_spans(*values: str | None) -> tuple[tuple[time, time], ...]:
    """Parse stored quiet hours ('19:00-08:00'), skipping empty or unusable ones."""
    spans = []
    for v in values:
        if not v:
            continue
        try:
            (h1, m1), (h2, m2) = parse_quiet(v)
        except CalendarError:
            continue
        spans.append((time(h1, m1), time(h2, m2)))
    return tuple(spans)


def _quiet_end(rules: WorkRules, local: datetime) -> datetime | None:
    """Return the local end of the quiet span `local` falls in, or None when it is not quiet."""
    t = local.time().replace(tzinfo=None, fold=0)
    for start, end in rules.quiet:
        if start < end and start <= t < end:
            return datetime.combine(local.date(), end)
        if start > end and (t >= start or t < end):
            day = local.date() + timedelta(days=1) if t >= start else local.date()
            return datetime.combine(day, end)
    return None


def next_allowed(rules: WorkRules, instant: datetime) -> datetime | None:
    """Return the first instant at or after `instant` on a working day and outside quiet hours."""
    cur = instant.astimezone(UTC)
    for _ in range(HORIZON * 2):
        local = cur.astimezone(rules.zone)
        if not rules.calendar.is_working_day(local.date()):
            day = _next_working_day(rules.calendar, local.date() + timedelta(days=1))
            if day is None:
                return None
            cur = local_instant(day, time(0), rules.zone)
            continue
        end = _quiet_end(rules, local)
        if end is None:
            return cur
        nxt = local_instant(end.date(), end.time(), rules.zone)
        cur = nxt if nxt > cur else cur + timedelta(minutes=1)
    return None


def _next_working_day(cal: WorkCalendar, day: date) -> date | None:
    for _ in range(HORIZON):
        if cal.is_working_day(day):
            return day
        day += timedelta(days=1)
    return None


def shift(rules: WorkRules, day: date, at: time) -> tuple[date, datetime] | None:
    """Return where a slot planned for local `day` at wall time `at` goes: (local date, UTC instant)."""
    if rules.trivial:
        return day, local_instant(day, at, rules.zone)
    work = _next_working_day(rules.calendar, day)
    if work is None:
        return None
    moved = next_allowed(rules, local_instant(work, at, rules.zone))
    if moved is None:
        return None
    return moved.astimezone(rules.zone).date(), moved


def slots(cadence: Cadence, rules: WorkRules, after: datetime) -> Iterator[tuple[date, datetime]]:
    """Yield the moved slots strictly after `after`, in order, at most one per local day."""
    if rules.trivial:
        yield from occurrences(cadence, rules.zone, after)
        return
    last: date | None = None
    for day, _ in occurrences(cadence, rules.zone, after - LOOKBACK):
        moved = shift(rules, day, cadence.at)
        if moved is None:
            return  # no working day within the horizon; later slots cannot find one sooner
        if moved[0] == last:
            continue
        last = moved[0]
        if moved[1] > after:
            yield moved


def next_slot(cadence: Cadence, rules: WorkRules, after: datetime) -> tuple[date, datetime] | None:
    """Return the first moved slot strictly after `after`, or None past the campaign's end."""
    if rules.trivial:
        return next_occurrence(cadence, rules.zone, after)
    return next(slots(cadence, rules, after), None)


def latest_slot(cadence: Cadence, rules: WorkRules, upto: datetime) -> tuple[date, datetime] | None:
    """Return the last moved slot at or before `upto` (looking back about a week), or None."""
    if rules.trivial:
        return latest_occurrence(cadence, rules.zone, upto)
    found = None
    for day, _ in occurrences(cadence, rules.zone, upto - LOOKBACK):
        if local_instant(day, cadence.at, rules.zone) > upto:
            break
        moved = shift(rules, day, cadence.at)
        if moved is not None and moved[1] <= upto:
            found = moved
    return found


def window_slots(cadence: Cadence, rules: WorkRules, start: date, days: int) -> list[tuple[date, datetime]]:
    """Return the moved slots on local dates start .. start+days-1."""
    end = start + timedelta(days=days)
    after = local_instant(start, time(0), rules.zone) - timedelta(microseconds=1)
    out = []
    for d, instant in slots(cadence, rules, after):
        if d >= end:
            break
        if d >= start:
            out.append((d, instant))
    return out


__all__ = ["LOOKBACK", "WorkRules", "latest_slot", "next_allowed", "next_slot", "quiet_spans", "shift", "slots",
           "window_slots"]
