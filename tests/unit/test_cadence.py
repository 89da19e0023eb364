"""Cadence maths: local wall times in IANA zones turned into UTC instants, across DST and odd offsets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scheduler.cadence import Cadence, latest_occurrence, local_instant, next_occurrence, occurrences, window

ALL_DAYS = frozenset(range(7))


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# --------------------------------------------------------------------------- fixed cases


def test_instants_are_stored_in_utc() -> None:
    instant = local_instant(date(2027, 1, 4), time(9, 30), ZoneInfo("Europe/Berlin"))
    assert instant.tzinfo is UTC
    assert instant == utc(2027, 1, 4, 8, 30)


@pytest.mark.parametrize(
    ("zone", "day", "expected"),
    [
        ("America/New_York", date(2027, 3, 14), utc(2027, 3, 14, 7, 30)),  # 02:30 missing -> 03:30 EDT
        ("Europe/Berlin", date(2027, 3, 28), utc(2027, 3, 28, 1, 30)),  # 02:30 missing -> 03:30 CEST
    ],
)
def test_spring_forward_gap_moves_forward_by_gap_length(zone: str, day: date, expected: datetime) -> None:
    instant = local_instant(day, time(2, 30), ZoneInfo(zone))
    assert instant == expected
    assert wall(instant, zone).time() == time(3, 30)
    assert wall(instant, zone).date() == day


def test_fall_back_ambiguous_time_takes_first_occurrence() -> None:
    instant = local_instant(date(2027, 11, 7), time(1, 30), ZoneInfo("America/New_York"))
    assert instant == utc(2027, 11, 7, 5, 30)  # 01:30 EDT (UTC-4), not 01:30 EST
    assert wall(instant, "America/New_York").utcoffset() == timedelta(hours=-4)


def test_new_york_0930_before_and_after_dst_change() -> None:
    zone = ZoneInfo("America/New_York")
    assert local_instant(date(2027, 3, 12), time(9, 30), zone) == utc(2027, 3, 12, 14, 30)
    assert local_instant(date(2027, 3, 15), time(9, 30), zone) == utc(2027, 3, 15, 13, 30)


@pytest.mark.parametrize(
    ("zone", "day", "at", "expected_utc", "expected_wall"),
    [
        # Newfoundland: -03:30 in winter, -02:30 in summer.
        ("America/St_Johns", date(2027, 1, 4), time(9, 30), utc(2027, 1, 4, 13, 0), time(9, 30)),
        ("America/St_Johns", date(2027, 7, 5), time(9, 30), utc(2027, 7, 5, 12, 0), time(9, 30)),
        # Nepal: +05:45 all year.
        ("Asia/Kathmandu", date(2027, 1, 4), time(9, 30), utc(2027, 1, 4, 3, 45), time(9, 30)),
        # Chatham Islands: +13:45 in (southern) summer, +12:45 in winter.
        ("Pacific/Chatham", date(2027, 1, 4), time(9, 30), utc(2027, 1, 3, 19, 45), time(9, 30)),
        ("Pacific/Chatham", date(2027, 7, 5), time(9, 30), utc(2027, 7, 4, 20, 45), time(9, 30)),
        # Lord Howe: a 30-minute DST shift at 02:00 on 2027-10-03; 02:15 does not exist -> 02:45.
        ("Australia/Lord_Howe", date(2027, 10, 3), time(2, 15), utc(2027, 10, 2, 15, 45), time(2, 45)),
        ("Australia/Lord_Howe", date(2027, 1, 4), time(9, 30), utc(2027, 1, 3, 22, 30), time(9, 30)),
        # Havana springs forward at midnight on 2027-03-14: 00:30 does not exist -> 01:30 CDT.
        ("America/Havana", date(2027, 3, 14), time(0, 30), utc(2027, 3, 14, 5, 30), time(1, 30)),
    ],
)
def test_odd_offsets_and_rules(zone: str, day: date, at: time, expected_utc: datetime,
                               expected_wall: time) -> None:
    instant = local_instant(day, at, ZoneInfo(zone))
    assert instant == expected_utc
    local = wall(instant, zone)
    assert local.date() == day
    assert local.time() == expected_wall


def test_havana_midnight_gap_keeps_the_scheduled_date_in_occurrences() -> None:
    cad = Cadence(ALL_DAYS, time(0, 30), date(2027, 3, 12))
    got = list(_take(occurrences(cad, ZoneInfo("America/Havana"), utc(2027, 3, 12)), 4))
    assert [d for d, _ in got] == [date(2027, 3, 12), date(2027, 3, 13), date(2027, 3, 14), date(2027, 3, 15)]
    assert wall(got[2][1], "America/Havana").time() == time(1, 30)


def test_parse_days_and_time() -> None:
    cad = Cadence.parse("mon, Wed,fri", "07:05", date(2027, 1, 1), date(2027, 2, 1))
    assert cad.days == frozenset({0, 2, 4})
    assert cad.at == time(7, 5)
    assert Cadence.parse(["Tuesday", "sun"], "23:59", date(2027, 1, 1)).days == frozenset({1, 6})


def test_occurrences_respect_weekdays_start_and_end() -> None:
    cad = Cadence.parse("mon,wed,fri", "09:30", date(2027, 1, 6), date(2027, 1, 15))
    got = list(occurrences(cad, ZoneInfo("Europe/Berlin"), utc(2026, 12, 1)))
    assert [d for d, _ in got] == [date(2027, 1, 6), date(2027, 1, 8), date(2027, 1, 11), date(2027, 1, 13),
                                   date(2027, 1, 15)]
    assert next_occurrence(cad, ZoneInfo("Europe/Berlin"), utc(2027, 1, 15, 8, 30)) is None


def test_next_occurrence_is_strictly_after() -> None:
    cad = Cadence.parse("mon,tue", "09:30", date(2027, 1, 4))
    zone = ZoneInfo("Europe/Berlin")
    at_instant = utc(2027, 1, 4, 8, 30)
    assert next_occurrence(cad, zone, at_instant) == (date(2027, 1, 5), utc(2027, 1, 5, 8, 30))
    assert next_occurrence(cad, zone, at_instant - timedelta(seconds=1)) == (date(2027, 1, 4), at_instant)


def test_latest_occurrence_and_window() -> None:
    cad = Cadence.parse("mon,tue,wed,thu,fri", "09:30", date(2027, 1, 4))
    zone = ZoneInfo("America/New_York")
    # Saturday: the latest is Friday's.
    assert latest_occurrence(cad, zone, utc(2027, 1, 9, 20)) == (date(2027, 1, 8), utc(2027, 1, 8, 14, 30))
    # Exactly at the instant counts.
    assert latest_occurrence(cad, zone, utc(2027, 1, 5, 14, 30)) == (date(2027, 1, 5), utc(2027, 1, 5, 14, 30))
    assert latest_occurrence(cad, zone, utc(2027, 1, 4, 14, 29)) is None  # before the start
    w = window(cad, zone, date(2027, 3, 12), 4)
    assert w == [(date(2027, 3, 12), utc(2027, 3, 12, 14, 30)), (date(2027, 3, 15), utc(2027, 3, 15, 13, 30))]


# --------------------------------------------------------------------------- properties

ZONES = sorted(z for z in available_timezones() if not z.startswith(("SystemV/", "posix", "right/")))
DATES = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
TIMES = st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 29, 30, 45, 59]))
DAY_SETS = st.frozensets(st.integers(0, 6), min_size=1)


def _take(it, n):  # type: ignore[no-untyped-def]
    for _ in range(n):
        try:
            yield next(it)
        except StopIteration:
            return


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), start=DATES, span=st.integers(1, 60), days=DAY_SETS, at=TIMES)
def test_occurrences_one_per_scheduled_local_date(zone: str, start: date, span: int, days: frozenset[int],
                                                  at: time) -> None:
    tz = ZoneInfo(zone)
    end = start + timedelta(days=span - 1)
    cad = Cadence(days, at, start, end)
    before = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC) - timedelta(days=2)
    got = list(occurrences(cad, tz, before))
    expected_dates = [start + timedelta(days=i) for i in range(span)
                      if (start + timedelta(days=i)).weekday() in days]
    # (a) exactly one instant per scheduled local date: none skipped, none twice
    assert [d for d, _ in got] == expected_dates
    for d, instant in got:
        assert instant.tzinfo is not None and instant.utcoffset() == timedelta(0)
        local = instant.astimezone(tz)
        # (b) the instant falls on the scheduled date, at or just after the scheduled wall time
        assert local.date() == d
        scheduled = datetime.combine(d, at)
        naive = local.replace(tzinfo=None)
        assert scheduled <= naive < scheduled + timedelta(hours=3)
    # (c) strictly increasing
    instants = [i for _, i in got]
    assert all(a < b for a, b in zip(instants, instants[1:], strict=False))


@settings(max_examples=200, deadline=None)
@given(zone=st.sampled_from(ZONES), start=DATES, days=DAY_SETS, at=TIMES,
       offset_minutes=st.integers(-2 * 1440, 20 * 1440))
def test_next_occurrence_has_nothing_scheduled_in_between(zone: str, start: date, days: frozenset[int],
                                                          at: time, offset_minutes: int) -> None:
    tz = ZoneInfo(zone)
    cad = Cadence(days, at, start, start + timedelta(days=40))
    after = datetime.combine(start, time(0), tzinfo=tz).astimezone(UTC) + timedelta(minutes=offset_minutes)
    nxt = next_occurrence(cad, tz, after)
    # Every scheduled instant of the whole cadence, computed independently of `after`.
    every = [local_instant(start + timedelta(days=i), at, tz) for i in range(41)
             if (start + timedelta(days=i)).weekday() in days]
    later = [i for i in every if i > after]
    if not later:
        assert nxt is None
        return
    assert nxt is not None
    day, instant = nxt
    # (d) strictly after `after`, and no scheduled instant strictly between them
    assert instant > after
    assert not [i for i in every if after < i < instant]
    assert instant == min(later)
    assert instant.astimezone(tz).date() == day
