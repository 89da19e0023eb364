"""The planner through the real worker tick: one nudge per scheduled local day, catch-up, pauses,
time zone changes, reminders, manager escalations and weekly digests, on a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from core.models import Person
from core.services import campaigns, people
from tests.helpers import World, make_track

MON = date(2027, 1, 4)


def at(day: date, hh: int, mm: int, zone: str = "UTC") -> datetime:
    """The UTC instant of a wall time in a zone."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def d(n: int) -> date:
    """The n-th day after Monday 2027-01-04 (0 = that Monday)."""
    return MON + timedelta(days=n)


def lessons(world: World, pid: int) -> list[str]:
    """Lesson titles the console showed this person, in order."""
    return [m.title.rsplit(": ", 1)[-1] for _, m in world.inbox(pid, "lesson")]


def setup(world: World, zones: dict[str, str], **campaign: object) -> dict[str, int]:
    world.publish(make_track(units=campaign.pop("units", 8)))  # type: ignore[arg-type]
    ids = {email: world.person(email, tz) for email, tz in zones.items()}
    world.campaign(list(zones), **campaign)  # type: ignore[arg-type]
    return ids


def test_nudge_goes_out_at_local_time_once_per_day(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    assert not world.tick(at(MON, 8, 29)).dispatch.sent  # 09:29 Berlin: not yet
    report = world.tick(at(MON, 8, 30))  # 09:30 Berlin
    assert [j.kind for j in report.dispatch.sent] == ["lesson", "question"]
    inbox = world.inbox(lea)
    assert [m.kind for _, m in inbox] == ["lesson", "question"]  # lesson first, then its question
    assert lessons(world, lea) == ["Unit 1"]
    assert [b.label for b in inbox[1][1].buttons] == ["Right", "Wrong", "Also wrong"]
    assert all(x.sent_at == at(MON, 8, 30) for x in world.deliveries(lea))
    # The same tick again, and later ticks that day, send nothing new.
    assert not world.tick(at(MON, 8, 30)).dispatch.sent
    for hh in (9, 12, 18, 22):
        assert not world.tick(at(MON, hh, 0)).dispatch.sent
    assert len(world.inbox(lea)) == 2
    # Next scheduled day: the next unit, once.
    assert len(world.tick(at(d(1), 8, 30)).dispatch.sent) == 2
    assert not world.tick(at(d(1), 8, 45)).dispatch.sent
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]


def test_weekend_is_skipped(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    for n in range(7):
        world.tick(at(d(n), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2", "Unit 3", "Unit 4", "Unit 5"]


def test_learners_in_different_zones_get_their_own_0930(world: World) -> None:
    ids = setup(world, {"ber@example.org": "Europe/Berlin", "ny@example.org": "America/New_York",
                        "ktm@example.org": "Asia/Kathmandu", "nf@example.org": "America/St_Johns"})
    # Tick every 15 minutes across Monday UTC (and a bit either side).
    t = at(MON, 0, 0) - timedelta(hours=1)
    while t <= at(MON, 23, 45):
        world.tick(t)
        t += timedelta(minutes=15)
    expected = {"ber@example.org": at(MON, 8, 30), "ny@example.org": at(MON, 14, 30),
                "ktm@example.org": at(MON, 3, 45), "nf@example.org": at(MON, 13, 0)}
    for email, pid in ids.items():
        sent = world.deliveries(pid, "lesson")
        assert len(sent) == 1, email
        assert sent[0].sent_at == expected[email], email
        tz = ZoneInfo(world.do(lambda s, pid=pid: s.get(Person, pid).timezone))
        assert sent[0].sent_at.astimezone(tz).time() == time(9, 30)


def test_tick_three_hours_late_catches_up_once(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    world.tick(at(MON, 8, 30))
    # The service was down over Tuesday 09:30 Berlin; it comes back three hours later.
    report = world.tick(at(d(1), 11, 30))
    assert [j.kind for j in report.dispatch.sent] == ["lesson", "question"]
    assert not world.tick(at(d(1), 11, 31)).dispatch.sent
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]
    world.tick(at(d(2), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2", "Unit 3"]


def test_tick_two_days_late_sends_only_the_latest_day(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    world.tick(at(MON, 8, 30))
    # Down from Monday until Thursday 11:00 Berlin: Tuesday and Wednesday are not flooded in.
    report = world.tick(at(d(3), 10, 0))
    assert [j.kind for j in report.dispatch.sent] == ["lesson", "question"]
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]
    assert {x.key.split(":")[1] for x in world.deliveries(lea, "lesson")} == {"2027-01-04", "2027-01-07"}
    assert not world.tick(at(d(3), 10, 5)).dispatch.sent
    world.tick(at(d(4), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2", "Unit 3"]


def test_tick_outside_catch_up_window_sends_nothing_then_next_day_proceeds(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    world.tick(at(MON, 8, 30))
    # Back on Thursday evening, 11.5 hours after Thursday's 09:30: too late for any nudge today.
    report = world.tick(at(d(3), 20, 0))
    assert not report.dispatch.sent
    assert lessons(world, lea) == ["Unit 1"]
    world.tick(at(d(4), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]


def test_time_zone_change_takes_effect_from_next_due_instant(world: World) -> None:
    ids = setup(world, {"leo@example.org": "America/New_York"})
    leo = ids["leo@example.org"]
    world.tick(at(MON, 14, 30))  # 09:30 New York
    assert lessons(world, leo) == ["Unit 1"]
    world.clock.set(at(MON, 15, 0))
    world.do(lambda s: people.set_timezone(s, s.get(Person, leo), "Europe/Berlin", "chat"))
    # Tuesday: 09:30 Berlin is 08:30Z; the old New York instant 14:30Z sends nothing.
    assert not world.tick(at(d(1), 8, 29)).dispatch.sent
    assert len(world.tick(at(d(1), 8, 30)).dispatch.sent) == 2
    assert not world.tick(at(d(1), 14, 30)).dispatch.sent
    assert lessons(world, leo) == ["Unit 1", "Unit 2"]
    assert world.deliveries(leo, "lesson")[-1].sent_at == at(d(1), 9, 30, "Europe/Berlin")


def test_moving_west_does_not_give_a_second_nudge_on_the_same_local_date(world: World) -> None:
    ids = setup(world, {"lea@example.org": "Europe/Berlin"})
    lea = ids["lea@example.org"]
    world.tick(at(MON, 8, 30))  # Monday 09:30 Berlin = Monday 00:30 in Los Angeles
    world.clock.set(at(MON, 9, 0))
    world.do(lambda s: people.set_timezone(s, s.get(Person, lea), "America/Los_Angeles", "chat"))
    world.tick(at(MON, 9, 1))  # the worker keeps ticking and replans her in her new zone
    world.tick(at(MON, 17, 30))  # Monday 09:30 Los Angeles: Monday's nudge already went out
    assert lessons(world, lea) == ["Unit 1"]
    world.tick(at(d(1), 17, 30))  # Tuesday 09:30 Los Angeles
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]
    assert world.deliveries(lea, "lesson")[-1].sent_at.astimezone(ZoneInfo("America/Los_Angeles")).time() \
        == time(9, 30)


def test_paused_learner_gets_nothing_and_is_not_flooded_on_resume(world: World) -> None:
    ids = setup(world, {"lea@example.org": "Europe/Berlin", "max@example.org": "Europe/Berlin"})
    lea, other = ids["lea@example.org"], ids["max@example.org"]
    world.tick(at(MON, 8, 30))
    world.do(lambda s: people.pause(s, s.get(Person, lea), None))
    for n in (1, 2, 3):
        report = world.tick(at(d(n), 8, 30))
        assert {j.person_id for j in report.dispatch.sent} == {other}
    assert lessons(world, lea) == ["Unit 1"]
    world.clock.set(at(d(3), 12, 0))
    world.do(lambda s: people.resume(s, s.get(Person, lea)))
    assert not world.tick(at(d(3), 12, 0)).dispatch.sent  # missed days are not sent on resume
    assert lessons(world, lea) == ["Unit 1"]
    world.tick(at(d(4), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]  # carries on where they left off, once
    assert lessons(world, other) == ["Unit 1", "Unit 2", "Unit 3", "Unit 4", "Unit 5"]


def test_pause_until_a_date_resumes_by_itself_the_day_after(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    world.tick(at(MON, 8, 30))
    world.do(lambda s: people.pause(s, s.get(Person, lea), d(2)))  # paused through Wednesday
    world.tick(at(d(1), 8, 30))
    world.tick(at(d(2), 8, 30))
    assert lessons(world, lea) == ["Unit 1"]
    world.tick(at(d(3), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]


def test_campaign_pause_and_resume(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"})["lea@example.org"]
    world.tick(at(MON, 8, 30))
    world.do(lambda s: campaigns.set_status(s, "drill-c", "paused"))
    for n in (1, 2):
        assert not world.tick(at(d(n), 8, 30)).dispatch.sent
    world.clock.set(at(d(2), 15, 0))
    world.do(lambda s: campaigns.set_status(s, "drill-c", "active"))
    assert not world.tick(at(d(2), 15, 0)).dispatch.sent  # not flooded with Tuesday and Wednesday
    world.tick(at(d(3), 8, 30))
    world.tick(at(d(3), 9, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]


def test_campaign_ends_after_last_unit(world: World) -> None:
    lea = setup(world, {"lea@example.org": "Europe/Berlin"}, units=2)["lea@example.org"]
    for n in range(5):
        world.tick(at(d(n), 8, 30))
    assert lessons(world, lea) == ["Unit 1", "Unit 2"]
    # Lea never answered: running out of units is not completing; her questions keep coming back.
    assert world.enrollment(lea).status == "active"
    assert len(world.deliveries(lea, "question")) > 2


def _escalation_world(world: World, remind_after: int, manager_after: int) -> tuple[int, int]:
    world.publish(make_track(units=20))
    boss = world.person("max@example.org", "Europe/London", name="Max Manager", roles="manager")
    lea = world.person("lea@example.org", "Europe/Berlin", name="Lea Learner", manager=boss)
    # A drip (each question once) keeps the count of missed questions one a day.
    world.campaign(["lea@example.org"], remind_after=remind_after, manager_after=manager_after,
                   days="mon,tue,wed,thu,fri,sat,sun", learning={"spacing": "drip"}, escalation={"at": "08:00"})
    return boss, lea


def test_reminder_then_one_manager_escalation_per_inactivity_episode(world: World) -> None:
    boss, lea = _escalation_world(world, remind_after=2, manager_after=4)
    reminders_by_day, escalations_by_day = [], []
    for n in range(8):
        world.tick(at(d(n), 8, 30))
        reminders_by_day.append(len(world.inbox(lea, "reminder")))
        escalations_by_day.append(len(world.inbox(boss, "escalation")))
    # Day 2 closes the 2nd unanswered question -> one reminder with the nudge. The default ladder tells the
    # manager 3 working days after the first unanswered question (day 0): on day 3, at 09:00 London.
    assert reminders_by_day == [0, 0, 1, 1, 1, 1, 1, 1]
    assert escalations_by_day == [0, 0, 0, 1, 1, 1, 1, 1]
    reminder_row, reminder = world.inbox(lea, "reminder")[0]
    assert "Lea" in reminder.text
    # The reminder comes just before that day's lesson.
    kinds = [m.kind for r, m in world.inbox(lea) if r.id >= reminder_row.id]
    assert kinds[:3] == ["reminder", "lesson", "question"]
    _, escalation = world.inbox(boss, "escalation")[0]
    assert "Lea Learner" in escalation.text and "quiet since" in escalation.text
    assert not world.inbox(lea, "escalation") and not world.inbox(boss, "lesson")

    # An answer ends the episode...
    q = world.open_question(lea)
    world.press(lea, q.id, 0, at(d(7), 9, 0))
    e = world.enrollment(lea)
    assert (e.unanswered, e.reminded, e.escalated) == (0, False, False)
    # ...and a later silence escalates again, once.
    for n in range(8, 16):
        world.tick(at(d(n), 8, 30))
    assert len(world.inbox(lea, "reminder")) == 2
    assert len(world.inbox(boss, "escalation")) == 2


def test_no_escalation_without_active_manager(world: World) -> None:
    world.publish(make_track(units=10))
    lea = world.person("lea@example.org", "Europe/Berlin")
    world.campaign(["lea@example.org"], remind_after=1, manager_after=2, days="mon,tue,wed,thu,fri,sat,sun")
    for n in range(5):
        world.tick(at(d(n), 8, 30))
    assert len(world.inbox(lea, "reminder")) == 1
    assert not world.deliveries(kind="escalation")


def _digest_world(world: World) -> tuple[int, int, int]:
    world.publish(make_track(units=20))
    boss = world.person("mia@example.org", "America/New_York", name="Mia Manager", roles="manager")
    ann = world.person("ann@example.org", "Europe/Berlin", name="Ann Active", manager=boss)
    sam = world.person("sam@example.org", "Europe/Berlin", name="Sam Silent", manager=boss)
    world.campaign(["ann@example.org", "sam@example.org"], learning={"spacing": "drip"})
    return boss, ann, sam


def test_weekly_digest_once_at_manager_local_time(world: World) -> None:
    boss, ann, sam = _digest_world(world)
    # Week 1 (Mon 4 - Fri 8 Jan): Ann answers four of five, three right; Sam never answers.
    plan = {0: "right", 1: "right", 2: "wrong", 3: None, 4: "right", 7: "right"}
    for n, choice in plan.items():
        world.tick(at(d(n), 8, 30))
        if choice is not None:
            world.press(ann, world.open_question(ann).id, 0 if choice == "right" else 1, at(d(n), 10, 0))
    digests_before = len(world.inbox(boss, "digest"))
    # Monday 11 Jan, 08:30 New York = 13:30Z. Not a minute earlier.
    assert not world.tick(at(d(7), 13, 29)).dispatch.sent
    report = world.tick(at(d(7), 13, 30))
    assert [j.kind for j in report.dispatch.sent] == ["digest"]
    assert report.dispatch.sent[0].person_id == boss
    for t in (at(d(7), 13, 30), at(d(7), 13, 31), at(d(7), 18, 0), at(d(8), 13, 30)):
        world.tick(t)
    digests = world.inbox(boss, "digest")
    assert len(digests) == digests_before + 1
    _, digest = digests[-1]
    rows = {r[0]: r for r in digest.table[1:]}
    assert digest.table[0] == ("Learner", "Progress", "Answered", "Accuracy", "Streak", "Last active")
    # The week is the 7 days before Mon 11 Jan 13:30Z: Tue-Fri plus Monday's question (5 sent);
    # Ann answered Tue (right), Wed (wrong), Fri (right) and Mon (right), and missed Thursday.
    assert rows["Ann Active"][2] == "4/5"
    assert rows["Ann Active"][3] == "75%"
    # Six working days answered on five, one miss (Thursday) forgiven: a streak of 5, next to 75%.
    assert rows["Ann Active"][4] == "5"
    assert rows["Ann Active"][5] == "Mon 11 Jan"
    assert rows["Sam Silent"][2] == "0/5"
    assert rows["Sam Silent"][5] == "never"
    assert "Needs a nudge: Sam Silent." in digest.text
    assert "Ann" not in digest.text.split("Needs a nudge:")[1]
    # Next week's digest comes a week later, once.
    world.tick(at(d(14), 13, 30))
    world.tick(at(d(14), 13, 45))
    assert len(world.inbox(boss, "digest")) == digests_before + 2


def test_digest_default_is_monday_0830_and_custom_day_is_honoured(world: World) -> None:
    world.publish(make_track(units=20))
    boss = world.person("mia@example.org", "Asia/Kathmandu", roles="manager")
    world.person("ann@example.org", "Asia/Kathmandu", manager=boss)
    world.campaign(["ann@example.org"], digest_day="fri", digest_at="17:00")
    for n in range(12):
        world.tick(at(d(n), 9, 30, "Asia/Kathmandu"))
    world.tick(at(d(4), 17, 0, "Asia/Kathmandu"))
    assert not world.deliveries(kind="digest")  # none in the campaign's first week
    world.tick(at(d(11), 16, 59, "Asia/Kathmandu"))
    assert not world.deliveries(kind="digest")
    world.tick(at(d(11), 17, 0, "Asia/Kathmandu"))
    digests = world.deliveries(kind="digest")
    assert len(digests) == 1
    assert digests[0].sent_at == at(d(11), 11, 15)  # 17:00 +05:45
