"""Answer retention: past the campaign's retention period the worker anonymises answers, with an injected clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import Answer, AuditEntry, Delivery, Enrollment, Person
from core.services.campaign_report import build_report, report_dict
from scheduler.retention import anonymise_expired
from tests.helpers import World, make_track

MON = date(2027, 1, 4)


def at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


def _report(world: World) -> dict[str, Any]:
    return world.do(lambda s: report_dict(build_report(s, "drill-c", min_n=2)))


def test_answers_past_retention_are_anonymised_and_reports_still_add_up(world: World) -> None:
    world.publish(make_track(units=6))
    lea = world.person("lea@example.org", name="Lea Learner")
    tom = world.person("tom@example.org", name="Tom Trainee")
    world.campaign(["lea@example.org", "tom@example.org"], learning={"spacing": "drip"}, end=MON + timedelta(days=2),
                   privacy={"retention_days": 30})
    days = [(0, 1), (1, 0), (0, 0)]
    for n, (lea_choice, tom_choice) in enumerate(days):
        world.tick(at(MON + timedelta(days=n), 9, 31))
        world.press(lea, world.open_question(lea).id, lea_choice, at(MON + timedelta(days=n), 10, 0))
        if n < 2:  # Tom stops after Tuesday
            world.press(tom, world.open_question(tom).id, tom_choice, at(MON + timedelta(days=n), 10, 5))
    world.tick(at(MON + timedelta(days=3), 9, 31))  # the campaign ended: both enrollments are settled
    before = _report(world)
    assert sum(1 for a in world.answers() if a.person_id == lea) == 3

    # 31 days after Tuesday: Tom's last answer is older than 30 days, so all of his go; Lea answered on Wednesday.
    assert world.do(lambda s: anonymise_expired(s, at(MON + timedelta(days=32), 9, 0))) == 2
    answers = world.answers()
    anon = [a for a in answers if a.person_id not in (lea, tom)]
    assert len(anon) == 2 and {a.choice_text for a in anon} == {""} and len({a.person_id for a in anon}) == 1
    assert sorted((a.question_id, a.choice_index, a.correct) for a in anon) == [("u1-q1", 1, False),
                                                                                ("u2-q1", 0, True)]
    assert sum(1 for a in answers if a.person_id == lea) == 3 and not [a for a in answers if a.person_id == tom]
    # Within the hour nothing runs again; a day later Lea's go too.
    assert world.do(lambda s: anonymise_expired(s, at(MON + timedelta(days=32), 9, 30))) == 0
    assert world.do(lambda s: anonymise_expired(s, at(MON + timedelta(days=33), 9, 0))) == 3
    after = _report(world)
    assert after["items"] == before["items"]  # difficulty, discrimination, choice counts: unchanged
    assert after["by_team"] == before["by_team"] and after["funnel"] == before["funnel"]

    def check(s: Any) -> None:
        people = {p.id: p for p in s.scalars(select(Person).where(Person.status == "anonymous"))}
        assert len(people) == 2 and all(p.name == "" and p.email is None for p in people.values())
        assert all(p.handle.startswith("anonymous:") for p in people.values())
        moved = s.scalars(select(Delivery).join(Answer, Answer.delivery_id == Delivery.id)).all()
        mine = s.scalars(select(Enrollment.status).where(Enrollment.person_id.in_((lea, tom)))).all()
        assert mine == ["anonymised", "anonymised"]  # a bare record, so `campaign apply` does not enroll again
        assert {d.person_id for d in moved} <= set(people) and {str(d.payload) for d in moved} == {"{}"}
        [first, second] = s.scalars(select(AuditEntry).where(AuditEntry.action == "retention_anonymise")).all()
        assert first.reason == "2 answer(s) of 1 learner(s) older than 30 days anonymised"
        assert first.subject_id is None and "lea@" not in (first.reason + second.reason)

    world.do(check)
