"""Streaks that forgive and mean something: working days answered, one miss in seven forgiven, and
weekends, holidays, leave and pauses never breaking them; shown next to accuracy."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.calendar import WorkCalendar, calendar_of
from core.models import Delivery, LeavePeriod
from core.services.progress import person_stats, streak_of
from tests.helpers import World, make_track

BERLIN = ZoneInfo("Europe/Berlin")
MON = date(2027, 3, 1)


def day_rows(outcomes: dict[int, bool | None]) -> list[tuple[datetime, bool | None, datetime | None]]:
    """One question per day offset from MON (09:30 Berlin): True/False answered that day, None silent."""
    rows = []
    for n, correct in sorted(outcomes.items(), reverse=True):
        sent = datetime.combine(MON + timedelta(days=n), time(9, 30), tzinfo=BERLIN).astimezone(UTC)
        rows.append((sent, correct, sent + timedelta(minutes=5) if correct is not None else None))
    return rows


WEEKDAYS_OF = [n for n in range(28) if (MON + timedelta(days=n)).weekday() < 5]
WEEKEND = calendar_of("sat;sun", "", "")


def test_every_working_day_answered_counts_whether_right_or_wrong() -> None:
    rows = day_rows({n: False for n in WEEKDAYS_OF[:10]})
    assert streak_of(rows, BERLIN, WEEKEND) == 10  # accuracy is shown beside it: 0%


def test_one_miss_in_seven_is_forgiven_a_second_ends_the_streak() -> None:
    outcomes: dict[int, bool | None] = {n: True for n in WEEKDAYS_OF[:12]}
    outcomes[WEEKDAYS_OF[8]] = None  # one miss: forgiven
    assert streak_of(day_rows(outcomes), BERLIN, WEEKEND) == 11
    outcomes[WEEKDAYS_OF[4]] = None  # a second, four working days before the first: the streak ends there
    assert streak_of(day_rows(outcomes), BERLIN, WEEKEND) == 6
    outcomes[WEEKDAYS_OF[4]] = True
    outcomes[WEEKDAYS_OF[1]] = None  # seven working days apart: forgiven again
    assert streak_of(day_rows(outcomes), BERLIN, WEEKEND) == 10


def test_the_latest_day_may_still_be_answered() -> None:
    outcomes: dict[int, bool | None] = {n: True for n in WEEKDAYS_OF[:5]}
    outcomes[WEEKDAYS_OF[5]] = None
    assert streak_of(day_rows(outcomes), BERLIN, WEEKEND) == 5


def test_weekends_holidays_leave_and_pauses_neither_count_nor_break() -> None:
    # Silent on every day off; questions were sent before the days off were known.
    outcomes: dict[int, bool | None] = {n: (True if n in WEEKDAYS_OF[:15] else None) for n in range(21)}
    outcomes[WEEKDAYS_OF[3]] = None  # Thursday 4 March: on leave
    outcomes[WEEKDAYS_OF[7]] = None  # Wednesday 10 March: paused
    away = [(MON + timedelta(days=3), MON + timedelta(days=3)), (MON + timedelta(days=9), MON + timedelta(days=9))]
    assert streak_of(day_rows(outcomes), BERLIN, calendar_of("sat;sun", "", "", away)) == 13
    assert streak_of(day_rows(outcomes), BERLIN, WEEKEND) == 10  # without them, two misses in seven end it
    # A public holiday: Good Friday 2027 in Germany (answered Wed, Thu, then Tue, Wed after Easter).
    good_friday = date(2027, 3, 26)
    rows = [r for r in day_rows({(good_friday - MON).days + k: True for k in (-2, -1, 4, 5)})]
    rows += day_rows({(good_friday - MON).days: None})
    assert streak_of(rows, BERLIN, calendar_of("sat;sun", "DE", "BY")) == 4
    assert streak_of(rows, BERLIN, WorkCalendar()) == 4  # one miss is forgiven anyway


def test_stats_read_leave_from_the_database(world: World) -> None:
    world.publish(make_track(units=12))
    pid = world.person("ann@example.org")
    world.campaign(["ann@example.org"], start=date(2027, 1, 4))
    for n in range(12):
        day = date(2027, 1, 4) + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        world.tick(datetime.combine(day, time(8, 30), tzinfo=UTC))
        if day not in (date(2027, 1, 6), date(2027, 1, 7)):  # silent Wed and Thu
            q = world.open_question(pid)
            world.press(pid, q.id, 1, datetime.combine(day, time(10, 0), tzinfo=UTC))  # always wrong
    stats = world.do(lambda s: person_stats(s, pid))
    assert stats.accuracy == 0.0 and stats.streak == 6  # back to Wed and Thu: two misses within seven
    world.do(lambda s: s.add(LeavePeriod(person_id=pid, start_date=date(2027, 1, 6), end_date=date(2027, 1, 7),
                                         source="leave", created_at=world.clock.now())))
    stats = world.do(lambda s: person_stats(s, pid))
    assert stats.accuracy == 0.0 and stats.streak == 8  # leave never breaks it
    assert world.do(lambda s: len(s.scalars(select(Delivery).where(Delivery.kind == "question")).all())) >= 10
