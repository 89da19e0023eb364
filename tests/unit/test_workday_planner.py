"""A learner's working day through the real planner and worker: a roster with 12 zones (country, region,
weekend, quiet hours), imported leave and a pause in chat, over a month with Easter and DST changes."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.calendar import parse_weekend
from core.errors import UserError
from core.models import Enrollment, LeavePeriod, Person
from core.ports import CommandIssued, Sender
from core.services.leave import calendars_of
from flows import people as flows_people
from scheduler.planner import cadence_of
from scheduler.workday import window_slots
from scheduler.workrules import rules_of
from tests.helpers import World, make_track
from tests.unit.test_workday import TWELVE

ROSTER = "email,name,timezone,country,region,weekend,quiet_hours\n" + "".join(
    f"{n}@example.org,{n.title()},{z},{c},{r},{w},{q}\n" for n, (z, c, r, w, q) in TWELVE.items())
START, END = date(2027, 3, 8), date(2027, 4, 7)


def _quiet(local: datetime, spans: tuple[tuple[object, ...], ...]) -> bool:
    t = local.time()
    return any((s <= t < e) if s < e else (t >= s or t < e) for s, e in spans)  # type: ignore[operator]


def run_until(world: World, end: datetime) -> None:
    """Tick at each next-due instant up to `end`, as a worker would."""
    while True:
        due = world.do(lambda s: s.scalar(select(Enrollment.next_due_at).where(Enrollment.status == "active")
                                          .order_by(Enrollment.next_due_at).limit(1)))
        if due is None or due > end:
            world.clock.set(end)
            return
        world.tick(due)


def test_a_month_in_twelve_zones_only_nudges_on_working_time(world: World, tmp_path: Path) -> None:
    roster, leave = tmp_path / "roster.csv", tmp_path / "leave.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    leave.write_text("person,start,end\nlondon@example.org,2027-03-15,2027-03-19\n", encoding="utf-8")
    world.clock.set(datetime(2027, 3, 1, tzinfo=UTC))
    world.do(lambda s: flows_people.import_roster(s, roster, world.clock.now()))
    world.publish(make_track(units=40))
    emails = [f"{n}@example.org" for n in TWELVE]
    world.campaign(emails, days="mon,tue,wed,thu,fri,sat,sun", at="07:30", start=START, end=END,
                   quiet_hours="19:00-08:00")
    assert world.do(lambda s: flows_people.import_leave(s, leave, world.clock.now())) == (1, 0)
    assert world.do(lambda s: flows_people.import_leave(s, leave, world.clock.now())) == (0, 1)  # once
    ids = world.do(lambda s: {p.email.split("@")[0]: p.id for p in s.scalars(select(Person))})
    run_until(world, datetime(2027, 3, 9, 16, tzinfo=UTC))  # 01:00 on the 10th in Tokyo
    # Tokyo pauses in chat until the 19th; nothing goes out meanwhile and nothing piles up after.
    asyncio.run(world.services.conversation.handle(
        CommandIssued(Sender("console", str(ids["tokyo"])), "pause", ["until", "2027-03-19"]), wait=True))
    run_until(world, datetime(2027, 4, 9, tzinfo=UTC))

    def expected(s: object) -> dict[str, list[date]]:
        out = {}
        for name, pid in ids.items():
            p = s.get(Person, pid)  # type: ignore[attr-defined]
            e = s.scalars(select(Enrollment).where(Enrollment.person_id == pid)).one()  # type: ignore[attr-defined]
            r = rules_of(p, e.campaign, calendars_of(s, [p])[pid])  # type: ignore[arg-type]
            out[name] = [d for d, _ in window_slots(cadence_of(e.campaign), r, START, 31)]
        return out

    want = world.do(expected)
    for name, pid in ids.items():
        zone, _country, _region, weekend, _own = TWELVE[name]
        lessons = world.deliveries(pid, "lesson")
        days = [d.slot_day for d in lessons]
        assert len(days) == len(set(days)), f"{name}: two lessons on one local day"
        assert [date.fromisoformat(d or "") for d in days] == want[name], name
        assert lessons and all(d.sent_at == d.slot_at for d in lessons)
        spans = ((time(19, 0), time(8, 0)),)
        for d in world.deliveries(pid):
            if d.kind in ("lesson", "question") and d.sent_at is not None:
                local = d.sent_at.astimezone(ZoneInfo(zone))
                assert not _quiet(local, spans), (name, local)
                assert local.weekday() not in parse_weekend(weekend), (name, local)
    # Easter in Berlin and Sydney's own quiet hours; the US and EU changes of clock keep the wall time.
    berlin = [d for d in world.deliveries(ids["berlin"], "lesson")]
    assert {d.slot_day for d in berlin}.isdisjoint({"2027-03-26", "2027-03-29"})
    assert {d.sent_at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") for d in berlin} == {"10:00"}
    sydney = world.deliveries(ids["sydney"], "lesson")
    assert {d.sent_at.astimezone(ZoneInfo("Australia/Sydney")).strftime("%H:%M") for d in sydney} == {"09:45"}
    assert not [d for d in world.deliveries(ids["london"], "lesson") if "2027-03-15" <= (d.slot_day or "")
                <= "2027-03-19"]
    tokyo = [d.slot_day or "" for d in world.deliveries(ids["tokyo"], "lesson")]
    assert not [d for d in tokyo if "2027-03-10" <= d <= "2027-03-19"]
    assert "2027-03-22" not in tokyo and "2027-03-23" in tokyo  # after the weekend and a substitute holiday
    kinds = world.do(lambda s: sorted({r.source for r in s.scalars(select(LeavePeriod))}))
    assert kinds == ["leave", "pause"]


def test_a_bad_roster_or_leave_line_is_named_and_changes_nothing(world: World, tmp_path: Path) -> None:
    roster, leave = tmp_path / "roster.csv", tmp_path / "leave.csv"
    roster.write_text("email,name,timezone,country,region\na@example.org,A,Europe/Berlin,DE,BY\n"
                      "b@example.org,B,Europe/Berlin,DE,XX\n", encoding="utf-8")
    with pytest.raises(UserError, match=r"roster.csv:3: region: unknown region 'XX' of DE"):
        world.do(lambda s: flows_people.import_roster(s, roster, world.clock.now()))
    assert world.do(lambda s: s.scalars(select(Person)).all()) == []
    world.person("a@example.org")
    leave.write_text("person,start,end\na@example.org,2027-03-15,2027-03-19\na@example.org,2027-03-20,soon\n",
                     encoding="utf-8")
    with pytest.raises(UserError, match=r"leave.csv:3: end: 'soon' is not a date"):
        world.do(lambda s: flows_people.import_leave(s, leave, world.clock.now()))
    assert world.do(lambda s: s.scalars(select(LeavePeriod)).all()) == []


def test_pause_in_chat_understands_days_and_dates(world: World) -> None:
    pid = world.person("a@example.org")
    sender = Sender("console", str(pid))
    world.clock.set(datetime(2027, 3, 10, 9, tzinfo=UTC))
    for args, until in ((["10d"], date(2027, 3, 19)), (["3"], date(2027, 3, 12)),
                        (["until", "2027-02-01"], None), (["until", "2027-04-01"], date(2027, 4, 1))):
        reply = asyncio.run(world.services.conversation.handle(CommandIssued(sender, "pause", args), wait=True))
        text = reply.messages[0].text
        if until is None:
            assert text.startswith("Feb 1, 2027 has already passed") and "*pause until 2027-03-24*" in text
        else:
            assert until.isoformat() in text
            assert world.do(lambda s, u=until: s.get(Person, pid).paused_until == u)
    # Each new pause replaces the one before: one open row, from today, ending on the last date asked for.
    rows = world.do(lambda s: [(r.start_date, r.end_date) for r in s.scalars(select(LeavePeriod))])
    assert rows == [(date(2027, 3, 10), date(2027, 4, 1))]
    world.clock.set(world.clock.now() + timedelta(days=2))
    asyncio.run(world.services.conversation.handle(CommandIssued(sender, "resume", []), wait=True))
    rows = world.do(lambda s: [(r.start_date, r.end_date) for r in s.scalars(select(LeavePeriod))])
    assert rows == [(date(2027, 3, 10), date(2027, 3, 11))]  # away until the day before resuming
