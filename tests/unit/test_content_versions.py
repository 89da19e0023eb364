"""Content edits never corrupt progress: progress is kept by unit and question ids, a new version takes
over at the next unit boundary, and a publish that removes a unit mid-campaign loses no unit for anyone."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select

from content.diff import diff_tracks
from content.schema import Track
from core.models import Answer, Enrollment, MemoryRow, Person, TrackVersion
from core.services import people, progression, publishing
from tests.helpers import World, make_track

MON = date(2027, 1, 4)
V1 = make_track(units=6, questions_per_unit=2)


def v2_body() -> dict[str, Any]:
    """Version 2: unit u2 removed, a new unit u9 after u1, and u4-q1 re-keyed (choice 2 is now right)."""
    body = V1.model_dump(mode="json")
    body["units"] = [u for u in body["units"] if u["id"] != "u2"]
    new = {**body["units"][0], "id": "u9", "title": "Unit 9"}
    new["questions"] = [{**q, "id": q["id"].replace("u1", "u9")} for q in new["questions"]]
    body["units"].insert(1, new)
    q = body["units"][3]["questions"][0]
    assert q["id"] == "u4-q1"
    q["choices"][0]["correct"], q["choices"][1]["correct"] = False, True
    return body


V2 = Track.model_validate(v2_body())


def nine_thirty(day: date) -> datetime:
    return datetime.combine(day, time(8, 30), tzinfo=UTC)  # 09:30 Berlin in winter


def workdays(n: int) -> list[date]:
    days, d = [], MON
    while len(days) < n:
        if d.weekday() < 5:
            days.append(d)
        d += timedelta(days=1)
    return days


def answer_all(world: World, pid: int, when: datetime) -> None:
    """Answer every open question right (following up the unit's next questions as they come)."""
    for _ in range(10):
        answered = {a.delivery_id for a in world.answers()}
        open_ = [d for d in world.deliveries(pid, "question", "sent") if d.id not in answered and d.closed_at is None]
        if not open_:
            return
        for d in open_:
            world.press(pid, d.id, 0 if d.item != "u4-q1" or d.track_version_id == 1 else 1, when)


def test_diff_by_ids() -> None:
    d = diff_tracks(V1, V2)
    assert (d.added, d.removed, d.reordered, d.rekeyed, d.changed) == (["u9"], ["u2"], False, ["u4-q1"], [])


def test_a_publish_that_removes_a_unit_mid_campaign_loses_no_unit_for_anyone(world: World) -> None:
    world.publish(V1)
    ids = {n: world.person(f"{n}@example.org") for n in ("ahead", "behind", "midway")}
    world.campaign([f"{n}@example.org" for n in ids], learning={"cap": 4})
    days = workdays(14)
    # Ahead answers every day; Behind pauses after day 1; Midway is silent on day 2, in the middle of unit 2.
    for i, day in enumerate(days[:4]):
        world.tick(nine_thirty(day))
        for name, pid in ids.items():
            if (name == "behind" and i > 0) or (name == "midway" and i >= 1):
                continue
            answer_all(world, pid, nine_thirty(day) + timedelta(minutes=5))
        if i == 0:
            world.do(lambda s: people.pause(s, s.get(Person, ids["behind"]), days[3]))
        if i == 1:
            break
    before = {n: world.enrollment(pid).units_done for n, pid in ids.items()}
    assert before == {"ahead": ["u1", "u2"], "behind": ["u1"], "midway": ["u1", "u2"]}
    midway_rows = world.do(lambda s: sorted(r.question_id for r in s.scalars(
        select(MemoryRow).where(MemoryRow.person_id == ids["midway"]))))
    assert midway_rows == ["u1-q1", "u1-q2", "u2-q1"]  # u2-q2 never asked: mid-way through unit 2

    impact = world.do(lambda s: publishing.impact(s, V2))
    assert impact is not None and impact.learners == 3
    texts = {c.text.split(" (")[0]: (c.learners, c.midway) for c in impact.changes}
    # Behind skips it; Ahead (reviews to come) and Midway (a question still to come) are learning it.
    assert texts["unit removed: u2"] == (3, 2)
    assert texts["unit added: u9"] == (3, 0)
    world.publish(V2)

    for day in days[2:12]:
        world.tick(nine_thirty(day))
        for pid in ids.values():
            answer_all(world, pid, nine_thirty(day) + timedelta(minutes=5))
    v2_units = [u.id for u in V2.units]
    for name, pid in ids.items():
        lessons = [d.item for d in world.deliveries(pid, "lesson")]
        assert len(lessons) == len(set(lessons)), (name, lessons)  # nothing twice
        had_before = before[name] or []
        # Every unit of the new version, plus what they had already had: nothing skipped, nothing lost.
        assert set(lessons) == set(v2_units) | set(had_before), (name, lessons)
        e = world.enrollment(pid)
        assert e.track_version_id == 2 and progression.next_unit(e, V2) is None
    # Midway finished unit 2 (its second question was asked from version 1), then moved to version 2.
    u2q2 = [d for d in world.deliveries(ids["midway"], "question") if d.item == "u2-q2"]
    assert len(u2q2) == 1 and u2q2[0].track_version_id == 1
    # Behind never had u2 and skips it; u9 comes before u3, in the new order.
    assert [d.item for d in world.deliveries(ids["behind"], "lesson")][:3] == ["u1", "u9", "u3"]


def test_a_re_keyed_question_starts_afresh_and_answers_keep_their_version(world: World) -> None:
    world.publish(V1)
    pid = world.person("ann@example.org")
    world.campaign(["ann@example.org"], learning={"cap": 4})
    for day in workdays(4):
        world.tick(nine_thirty(day))
        answer_all(world, pid, nine_thirty(day) + timedelta(minutes=5))
    assert world.enrollment(pid).units_done == ["u1", "u2", "u3", "u4"]
    world.publish(V2)
    for day in workdays(8)[4:]:
        world.tick(nine_thirty(day))
        answer_all(world, pid, nine_thirty(day) + timedelta(minutes=5))
    rows = world.do(lambda s: {r.question_id: (r.reviews, r.ever_correct) for r in s.scalars(
        select(MemoryRow).where(MemoryRow.person_id == pid))})
    assert "u4-q1@v1" in rows and rows["u4-q1"][0] >= 1  # the old state is kept aside; a fresh one is learned
    versions = world.do(lambda s: {(a.question_id, a.track_version_id) for a in s.scalars(select(Answer))})
    assert ("u4-q1", 1) in versions and ("u4-q1", 2) in versions  # each answer keeps the version it was given
    new_u4 = world.do(lambda s: [a.correct for a in s.scalars(select(Answer).where(
        Answer.question_id == "u4-q1", Answer.track_version_id == 2))])
    assert new_u4 and all(new_u4)  # scored against the new key
    assert world.do(lambda s: s.scalar(select(TrackVersion.version).order_by(TrackVersion.id.desc()))) == 2
    e = world.enrollment(pid)
    assert e.track_version_id == 2


def test_a_retired_track_takes_no_new_enrollments(world: World) -> None:
    world.publish(V1)
    world.person("ann@example.org")
    world.campaign(["ann@example.org"])
    world.clock.set(datetime(2027, 1, 5, tzinfo=UTC))
    still = world.do(lambda s: publishing.retire(s, "drill", world.clock.now()))
    assert still == [("drill-c", 1)]
    world.person("bob@example.org")
    world.campaign(["ann@example.org", "bob@example.org"])
    assert world.do(lambda s: sorted(e.person.email for e in s.scalars(select(Enrollment)))) == ["ann@example.org"]
