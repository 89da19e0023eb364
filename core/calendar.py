"""A learner's working days: weekend days, public holidays (the `holidays` package) and leave.

Pure: nothing here reads the clock or the database. The scheduler moves slots with it
(scheduler/workday.py) and progress counts streaks on it (core/services/progress.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUIET_RE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


# Optional roster columns; an absent column leaves stored values alone.
WORKDAY_COLUMNS = ("country", "region", "weekend", "quiet_hours")


class CalendarError(ValueError):
    """A weekend, country, region or quiet-hours value that cannot be used; the message says why."""

    def __init__(self, message: str, column: str = "") -> None:
        super().__init__(message)
        self.column = column


def parse_weekend(value: str) -> frozenset[int]:
    """Parse 'sat;sun' (or commas) into weekday numbers, 0 = Monday; raise CalendarError on a bad day."""
    days: set[int] = set()
    for part in re.split(r"[;,\s]+", value.strip().lower()):
        if not part:
            continue
        if part[:3] not in WEEKDAYS:
            raise CalendarError(f"unknown day {part!r}; use mon, tue, wed, thu, fri, sat, sun separated by ';'")
        days.add(WEEKDAYS.index(part[:3]))
    if len(days) == 7:
        raise CalendarError("a weekend cannot be every day of the week")
    return frozenset(days)


def format_weekend(days: Iterable[int]) -> str:
    """Return weekday numbers as the stored form, 'sat;sun'."""
    return ";".join(WEEKDAYS[d] for d in sorted(set(days)))


def parse_quiet(value: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """Parse quiet hours 'HH:MM-HH:MM' into ((h, m), (h, m)); raise CalendarError when malformed."""
    m = QUIET_RE.match(value)
    if not m:
        raise CalendarError(f"{value!r} is not quiet hours such as 19:00-08:00")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise CalendarError(f"{value!r} is not quiet hours such as 19:00-08:00 (24-hour clock)")
    if (h1, m1) == (h2, m2):
        raise CalendarError(f"{value!r}: quiet hours must start and end at different times")
    return (h1, m1), (h2, m2)


def check_region(country: str, region: str) -> tuple[str, str]:
    """Return (COUNTRY, REGION) normalised; raise CalendarError for a code `holidays` does not know."""
    c, r = country.strip().upper(), region.strip().upper()
    if not c:
        if r:
            raise CalendarError("a region needs a country")
        return "", ""
    import holidays  # here, not at the top: a tick that meets no holiday calendar never pays for it

    supported = holidays.list_supported_countries()
    if c not in supported:
        raise CalendarError(f"unknown country {country!r}; use an ISO 3166 code such as DE or US")
    if r and r not in supported[c]:
        shown = ", ".join(supported[c][:12]) + (", ..." if len(supported[c]) > 12 else "")
        raise CalendarError(f"unknown region {region!r} of {c}; use one of {shown}")
    return c, r


def workday_cells(cell: Mapping[str, str]) -> dict[str, str]:
    """Validate and normalise the working-day columns present in a roster row (CalendarError names the column)."""
    out: dict[str, str] = {}
    if "country" in cell or "region" in cell:
        try:
            country, region = check_region(cell.get("country", ""), cell.get("region", ""))
        except CalendarError as exc:
            raise CalendarError(str(exc), "region" if "region" in str(exc) else "country") from None
        out.update({k: v for k, v in (("country", country), ("region", region)) if k in cell})
    if "weekend" in cell:
        try:
            out["weekend"] = format_weekend(parse_weekend(cell["weekend"]))
        except CalendarError as exc:
            raise CalendarError(str(exc), "weekend") from None
    if "quiet_hours" in cell:
        value = cell["quiet_hours"].strip()
        if value:
            try:
                (h1, m1), (h2, m2) = parse_quiet(value)
            except CalendarError as exc:
                raise CalendarError(str(exc), "quiet_hours") from None
            value = f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
        out["quiet_hours"] = value
    return out


@lru_cache(maxsize=512)
def holidays_of(country: str, region: str, year: int) -> frozenset[date]:
    """Return the public holidays of a country (and region) in a year."""
    if not country:
        return frozenset()
    import holidays

    return frozenset(holidays.country_holidays(country, subdiv=region or None, years=year).keys())


@dataclass(frozen=True)
class WorkCalendar:
    """Which local dates are a person's working days: not a weekend day, a public holiday or leave."""

    weekend: frozenset[int] = frozenset()
    country: str = ""
    region: str = ""
    # Inclusive (first, last) local dates away: leave, or a pause with an end date.
    away: tuple[tuple[date, date], ...] = ()

    @property
    def trivial(self) -> bool:
        """Return True when every day is a working day (the fast path)."""
        return not self.weekend and not self.country and not self.away

    def is_holiday(self, day: date) -> bool:
        """Return True on a public holiday of the person's country and region."""
        return bool(self.country) and day in holidays_of(self.country, self.region, day.year)

    def is_away(self, day: date) -> bool:
        """Return True on a day of leave or pause."""
        return any(a <= day <= b for a, b in self.away)

    def is_working_day(self, day: date) -> bool:
        """Return True when nudges belong on this local date."""
        return day.weekday() not in self.weekend and not self.is_holiday(day) and not self.is_away(day)


def calendar_of(weekend: str | None, country: str | None, region: str | None,
                away: Iterable[tuple[date, date]] = ()) -> WorkCalendar:
    """Build a WorkCalendar from stored values (a bad stored value counts as unset)."""
    try:
        days = parse_weekend(weekend) if weekend else frozenset()
    except CalendarError:
        days = frozenset()
    return WorkCalendar(days, (country or "").upper(), (region or "").upper(), tuple(sorted(away)))


__all__ = ["WORKDAY_COLUMNS", "CalendarError", "WorkCalendar", "calendar_of", "check_region", "format_weekend",
           "holidays_of", "parse_quiet", "parse_weekend", "workday_cells"]
