"""A learner's working day, pure: 12 zones over a month with quiet hours, weekends, holidays, leave and
the DST changes of March/April 2027; every slot lands on a working day, outside quiet hours, once a day."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from core.calendar import CalendarError, calendar_of, check_region, parse_quiet, parse_weekend, workday_cells
from scheduler.cadence import Cadence
from scheduler.workday import WorkRules, latest_slot, next_allowed, next_slot, quiet_spans, shift, window_slots

# zone, country, region, weekend, own quiet hours
TWELVE = {
    "berlin": ("Europe/Berlin", "DE", "BY", "sat;sun", "07:00-10:00"),
    "london": ("Europe/London", "GB", "ENG", "sat;sun", ""),
    "new_york": ("America/New_York", "US", "NY", "sat;sun", ""),
    "los_angeles": ("America/Los_Angeles", "US", "CA", "sat;sun", "12:00-13:00"),
    "sao_paulo": ("America/Sao_Paulo", "BR", "", "sat;sun", ""),
    "st_johns": ("America/St_Johns", "CA", "NL", "sat;sun", ""),
    "jerusalem": ("Asia/Jerusalem", "IL", "", "fri;sat", ""),
    "kolkata": ("Asia/Kolkata", "IN", "", "sun", ""),
    "kathmandu": ("Asia/Kathmandu", "NP", "", "sat", ""),
    "tokyo": ("Asia/Tokyo", "JP", "", "sat;sun", ""),
    "sydney": ("Australia/Sydney", "AU", "NSW", "sat;sun", "06:00-09:45"),
    "auckland": ("Pacific/Auckland", "NZ", "", "sat;sun", ""),
}
START, DAYS = date(2027, 3, 8), 31  # US DST starts 14 March, EU 28 March, AU/NZ DST ends 4 April
CAMPAIGN_QUIET = "19:00-08:00"
EVERY_DAY = Cadence.parse("mon,tue,wed,thu,fri,sat,sun", "09:30", date(2027, 3, 1))
LEAVE = {"london": [(date(2027, 3, 15), date(2027, 3, 19))]}


def rules(name: str, cadence_quiet: str = CAMPAIGN_QUIET) -> WorkRules:
    zone, country, region, weekend, quiet = TWELVE[name]
    cal = calendar_of(weekend, country, region, LEAVE.get(name, []))
    return WorkRules(ZoneInfo(zone), cal, quiet_spans(cadence_quiet, quiet))


def quiet(r: WorkRules, local: datetime) -> bool:
    t = local.time()
    return any((s <= t < e) if s < e else (t >= s or t < e) for s, e in r.quiet)


@pytest.mark.parametrize("name", sorted(TWELVE))
def test_a_month_of_slots_lands_on_working_time_once_a_day(name: str) -> None:
    r = rules(name)
    slots = window_slots(EVERY_DAY, r, START, DAYS)
    days = [d for d, _ in slots]
    assert len(days) == len(set(days)), "two nudges on one local day"
    working = [START + timedelta(days=i) for i in range(DAYS) if r.calendar.is_working_day(START + timedelta(days=i))]
    assert days == working  # every working day has its one slot, and no other day has any
    expected_wall = {"berlin": time(10, 0), "sydney": time(9, 45)}.get(name, time(9, 30))
    for day, instant in slots:
        local = instant.astimezone(r.zone)
        assert local.date() == day and r.calendar.is_working_day(day)
        assert not quiet(r, local), (name, local)
        assert local.time() == expected_wall, (name, local)  # wall time holds across the DST change


def test_dst_changes_move_the_utc_instant_not_the_wall_time() -> None:
    ny = dict(window_slots(EVERY_DAY, rules("new_york"), START, DAYS))
    assert ny[date(2027, 3, 12)] == datetime(2027, 3, 12, 14, 30, tzinfo=UTC)  # EST
    assert ny[date(2027, 3, 15)] == datetime(2027, 3, 15, 13, 30, tzinfo=UTC)  # EDT
    be = dict(window_slots(EVERY_DAY, rules("berlin"), START, DAYS))
    assert be[date(2027, 3, 25)] == datetime(2027, 3, 25, 9, 0, tzinfo=UTC)  # 10:00 CET
    assert be[date(2027, 3, 30)] == datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST
    syd = dict(window_slots(EVERY_DAY, rules("sydney"), START, DAYS))
    assert syd[date(2027, 4, 2)] == datetime(2027, 4, 1, 22, 45, tzinfo=UTC)  # 09:45 AEDT
    assert syd[date(2027, 4, 5)] == datetime(2027, 4, 4, 23, 45, tzinfo=UTC)  # 09:45 AEST


def test_holidays_weekends_and_leave_are_skipped_and_collapse_into_the_next_working_day() -> None:
    be = dict(window_slots(EVERY_DAY, rules("berlin"), START, DAYS))
    for off in (date(2027, 3, 26), date(2027, 3, 29), date(2027, 3, 27), date(2027, 3, 28)):  # Easter, weekend
        assert off not in be
    # Thursday's slot is the last before Easter; Good Friday .. Easter Monday all move to Tuesday, once.
    r = rules("berlin")
    assert shift(r, date(2027, 3, 26), time(9, 30)) == (date(2027, 3, 30), be[date(2027, 3, 30)])
    assert shift(r, date(2027, 3, 29), time(9, 30)) == (date(2027, 3, 30), be[date(2027, 3, 30)])
    lon = dict(window_slots(EVERY_DAY, rules("london"), START, DAYS))
    assert not [d for d in lon if date(2027, 3, 13) <= d <= date(2027, 3, 21)]  # weekend, leave, weekend
    after = datetime(2027, 3, 12, 12, tzinfo=UTC)
    assert next_slot(EVERY_DAY, rules("london"), after) == (date(2027, 3, 22), datetime(2027, 3, 22, 9, 30,
                                                                                         tzinfo=UTC))
    il = dict(window_slots(EVERY_DAY, rules("jerusalem"), START, DAYS))
    assert date(2027, 3, 12) not in il and date(2027, 3, 14) in il  # Friday off, Sunday a working day
    kol = dict(window_slots(EVERY_DAY, rules("kolkata"), START, DAYS))
    assert date(2027, 3, 22) not in kol and date(2027, 3, 20) in kol  # Holi; Saturday is a working day
    jp = dict(window_slots(EVERY_DAY, rules("tokyo"), START, DAYS))
    assert date(2027, 3, 22) not in jp  # Vernal Equinox Day observed (21st is a Sunday)


def test_latest_slot_finds_a_moved_slot_for_the_planner() -> None:
    r = rules("berlin")
    tue = datetime(2027, 3, 30, 8, 0, tzinfo=UTC)  # 10:00 CEST, where Good Friday..Easter Monday went
    assert latest_slot(EVERY_DAY, r, tue) == (date(2027, 3, 30), tue)
    assert latest_slot(EVERY_DAY, r, tue - timedelta(seconds=1)) == (date(2027, 3, 25),
                                                                      datetime(2027, 3, 25, 9, 0, tzinfo=UTC))
    assert next_slot(EVERY_DAY, r, datetime(2027, 3, 25, 9, 0, tzinfo=UTC)) == (date(2027, 3, 30), tue)


def test_quiet_hours_move_a_slot_to_their_end_even_across_a_weekend() -> None:
    r = WorkRules(ZoneInfo("Europe/Berlin"), calendar_of("sat;sun", "", ""), quiet_spans("19:00-08:00"))
    # Friday 20:00 is quiet; the end of the quiet hours falls on Saturday, so Monday 08:00.
    fri = datetime(2027, 3, 12, 19, 0, tzinfo=UTC)
    assert next_allowed(r, fri) == datetime(2027, 3, 15, 7, 0, tzinfo=UTC)
    late = Cadence.parse("mon,tue,wed,thu,fri", "21:00", date(2027, 3, 1))
    got = window_slots(late, r, date(2027, 3, 8), 7)
    # Mon..Thu 21:00 go to the next morning 08:00; the Friday before goes to Monday morning.
    assert [(d.isoformat(), i.astimezone(r.zone).strftime("%H:%M")) for d, i in got] == [
        ("2027-03-08", "08:00"), ("2027-03-09", "08:00"), ("2027-03-10", "08:00"), ("2027-03-11", "08:00"),
        ("2027-03-12", "08:00")]
    # An everyday 07:00 slot with 19:00-08:00 quiet hours goes out at 08:00 the same day.
    early = Cadence.parse("mon", "07:00", date(2027, 3, 1))
    assert shift(r, date(2027, 3, 8), early.at) == (date(2027, 3, 8), datetime(2027, 3, 8, 7, 0, tzinfo=UTC))


def test_a_trivial_calendar_is_the_plain_cadence() -> None:
    r = WorkRules(ZoneInfo("Europe/Berlin"))
    weekdays = Cadence.parse("mon,tue,wed,thu,fri", "09:30", date(2027, 3, 1))
    assert [d.weekday() for d, _ in window_slots(weekdays, r, START, 7)] == [0, 1, 2, 3, 4]


def test_roster_values_are_validated_with_the_column_named() -> None:
    assert parse_weekend("Fri; sat") == frozenset({4, 5})
    assert parse_quiet("19:00-08:00") == ((19, 0), (8, 0))
    assert check_region("de", "by") == ("DE", "BY")
    assert workday_cells({"country": "us", "region": "ca", "weekend": "sun,sat", "quiet_hours": "7:00-9:30"}) == {
        "country": "US", "region": "CA", "weekend": "sat;sun", "quiet_hours": "07:00-09:30"}
    for cell, column in (({"country": "XX"}, "country"), ({"country": "DE", "region": "ZZ"}, "region"),
                         ({"weekend": "funday"}, "weekend"), ({"weekend": "mon;tue;wed;thu;fri;sat;sun"}, "weekend"),
                         ({"quiet_hours": "25:00-08:00"}, "quiet_hours"), ({"region": "BY"}, "region")):
        with pytest.raises(CalendarError) as info:
            workday_cells(cell)
        assert info.value.column == column
