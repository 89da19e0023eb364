"""The escalation ladder through the real worker tick: working-day graces, one message a day per manager,
nudge now and snooze buttons, resolution in the next digest, admins told about the unreachable, all audited."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from typer.testing import CliRunner

from bot.cli import app as cli
from core.models import AuditEntry, Person
from core.ports import AnswerChosen, Sender
from core.render import escalation_action
from core.services import audit
from tests.helpers import World, make_track

MON = date(2027, 1, 4)
LADDER = {"remind_after": 50, "manager_after": 50, "at": "09:00",
          "ladder": [{"learner": 1}, {"manager": 2}, {"skip_level": 2}]}


def at(day: date, hh: int, mm: int, zone: str = "Europe/Berlin") -> datetime:
    """The UTC instant of a wall time in a zone."""
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(zone)).astimezone(UTC)


def d(n: int) -> date:
    """The n-th day after Monday 2027-01-04."""
    return MON + timedelta(days=n)


def _team(world: World) -> dict[str, int]:
    world.publish(make_track(units=20))
    bea = world.person("bea@example.org", "Europe/Berlin", name="Bea Boss", roles="manager")
    max_ = world.person("max@example.org", "Europe/London", name="Max Manager", roles="manager", manager=bea)
    lea = world.person("lea@example.org", name="Lea Learner", manager=max_)
    tom = world.person("tom@example.org", name="Tom Trainee", manager=max_)
    world.person("ada@example.org", name="Ada Admin", roles="admin;manager")
    for cid, email in (("c-lea", "lea@example.org"), ("c-tom", "tom@example.org")):
        world.campaign([email], cid=cid, learning={"spacing": "drip"}, escalation=LADDER)
    return {"bea": bea, "max": max_, "lea": lea, "tom": tom}


def _days(world: World, first: int, last: int) -> None:
    for n in range(first, last + 1):
        if d(n).weekday() < 5:
            world.tick(at(d(n), 9, 31))
            world.tick(at(d(n), 10, 5))  # 09:05 in London: Max's escalation time has come


def _press(world: World, pid: int, action: str) -> str:
    with world.session() as s:
        p = s.get(Person, pid)
        sender = Sender(p.channel, p.address)
    reply = asyncio.run(world.services.conversation.handle(AnswerChosen(sender, action), wait=True))
    return reply.notice


def _audit(world: World) -> list[tuple[str, str | None, str | None]]:
    return [(r["action"], r["step"], r["subject"]) for r in world.do(audit.audit_rows)
            if str(r["action"]).startswith("escalation")]


def test_ladder_climbs_in_working_days_and_batches_one_message_a_day(world: World) -> None:
    ids = _team(world)
    _days(world, 0, 2)  # Mon-Wed: silent since Monday's question; Tuesday brings Lea's and Tom's reminders
    assert len(world.inbox(ids["lea"], "reminder")) == 1 and len(world.inbox(ids["tom"], "reminder")) == 1
    assert not world.inbox(ids["max"], "escalation")
    _days(world, 3, 3)  # Thursday: two working days after the reminder, both cross the manager step
    [(row, msg)] = world.inbox(ids["max"], "escalation")
    assert "Lea Learner" in msg.text and "Tom Trainee" in msg.text and "c-lea" in msg.text and "c-tom" in msg.text
    assert [b.label for b in msg.buttons] == ["Nudge Lea now", "Snooze Lea a week", "Nudge Tom now",
                                              "Snooze Tom a week"]
    assert row.created_at.astimezone(ZoneInfo("Europe/London")).time() >= time(9)

    # Max snoozes Tom and nudges Lea from the message's buttons.
    assert "Snoozed" in _press(world, ids["max"], escalation_action("s", ids["tom"]))
    # On the console, Max presses "Nudge Lea now" (button 1) from the command line.
    before = len(world.inbox(ids["lea"], "reminder"))
    env = {"DATABASE_URL": world.services.settings.database_url}
    done = CliRunner().invoke(cli, ["chat", "--as", "max@example.org", "--press", "1"], env=env)
    assert done.exit_code == 0, done.output
    assert "pressed [1] Nudge Lea now" in done.output and "Reminder sent to Lea Learner." in done.output
    assert len(world.inbox(ids["lea"], "reminder")) == before + 1
    bad = CliRunner().invoke(cli, ["chat", "--as", "max@example.org", "--press", "9"], env=env)
    assert bad.exit_code != 0 and "--press must be between 1 and 4" in bad.output + str(bad.exception)
    # Someone else's learner is refused.
    assert "not in your team" in _press(world, ids["tom"], escalation_action("n", ids["lea"]))

    # Friday, the weekend and Monday: the skip level comes two working days later (Monday), only for Lea.
    _days(world, 4, 6)
    assert not world.inbox(ids["bea"], "escalation")
    _days(world, 7, 7)
    [(_, up)] = world.inbox(ids["bea"], "escalation")
    assert "Lea Learner" in up.text and "Max Manager" in up.text and "Tom" not in up.text
    # Each step once per episode: a week more of silence brings Max nothing new.
    _days(world, 8, 9)
    assert len(world.inbox(ids["max"], "escalation")) == 1

    # Lea answers: the episode ends, and Max's next digest says it was resolved.
    q = world.open_question(ids["lea"])
    world.press(ids["lea"], q.id, 0, at(d(9), 11, 0))
    world.tick(at(d(9), 11, 1))
    world.tick(at(d(14), 9, 35))  # Monday 18th, 08:35 in London: the weekly digest
    [(_, digest)] = [m for m in world.inbox(ids["max"], "digest") if "Resolved" in m[1].text]
    assert "Resolved since your last digest (answering again after an escalation): Lea Learner." in digest.text

    steps = _audit(world)
    assert ("escalation_step", "learner", "lea@example.org") in steps
    assert steps.count(("escalation_step", "manager", "lea@example.org")) == 1
    assert ("escalation_step", "skip_level", "lea@example.org") in steps
    assert ("escalation_snooze", "snooze", "tom@example.org") in steps
    assert ("escalation_nudge", "nudge_now", "lea@example.org") in steps
    assert ("escalation_resolved", "after 3", "lea@example.org") in steps
    # Tom stays snoozed until the following Thursday: his skip level comes after the snooze.
    assert ("escalation_step", "skip_level", "tom@example.org") in steps


def test_unreachable_learner_is_reported_once_and_not_reminded(world: World) -> None:
    world.publish(make_track(units=20))
    world.person("ada@example.org", name="Ada Admin", roles="admin")
    boss = world.person("max@example.org", name="Max Manager", roles="manager")
    gone = world.person("gil@example.org", name="Gil Gone", manager=boss)
    world.campaign(["gil@example.org"], learning={"spacing": "drip"}, escalation=LADDER)
    world.tick(at(d(0), 9, 31))
    world.do(lambda s: setattr(s.get(Person, gone), "status", "blocked"))
    _days(world, 1, 4)
    notices = [m for m in world.deliveries(kind="notice") if "cannot be reached" in m.payload["text"]]
    assert len(notices) == 1 and "Gil Gone" in notices[0].payload["text"]
    assert not world.deliveries(gone, "reminder")
    rows = world.do(lambda s: [(e.action, e.reason) for e in s.query(AuditEntry).filter(
        AuditEntry.subject_id == gone).order_by(AuditEntry.id)])
    assert [a for a, _ in rows].count("unreachable_notice") == 1
    # Nothing was sent to Gil, so nothing went unanswered: no ladder, no escalation about a void.
    assert not world.deliveries(kind="escalation")
