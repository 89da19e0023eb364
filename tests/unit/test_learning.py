"""The learning engine through the real worker tick: reviews of mistakes, the daily cap across campaigns,
leftover questions, mastery and completion, the grace period of the last question, planned slots."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from core.models import Completion, Delivery, MemoryRow, ReviewLogRow
from flows import learning as flows_learning
from tests.helpers import World, make_track
from tests.unit.test_planner import MON, at, d


def _items(world: World, pid: int, day: date) -> list[str]:
    """Question ids a person was sent on a local day (Berlin), in order."""
    return [x.item for x in world.deliveries(pid, "question") if x.slot_day == day.isoformat()]


def _answer_all(world: World, pid: int, right: bool, when: object) -> None:
    """Answer every open question of the person (right or wrong), following up as the chat does."""
    for _ in range(10):
        open_qs = [x for x in world.deliveries(pid, "question", status="sent") if x.closed_at is None
                   and x.id not in {a.delivery_id for a in world.answers()}]
        if not open_qs:
            return
        world.press(pid, open_qs[0].id, 0 if right else 1, when)  # type: ignore[arg-type]


def test_a_wrong_answer_comes_back_on_a_later_day_most_forgotten_first(world: World) -> None:
    world.publish(make_track(units=6))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"])
    world.tick(at(MON, 8, 30))
    world.press(lea, world.open_question(lea).id, 1, at(MON, 8, 45))  # wrong -> Again
    world.tick(at(d(1), 8, 30))
    assert _items(world, lea, d(1)) == ["u1-q1", "u2-q1"]  # the mistake first, then the next unit
    world.press(lea, world.deliveries(lea, "question")[-2].id, 0, at(d(1), 8, 40))
    world.press(lea, world.deliveries(lea, "question")[-1].id, 0, at(d(1), 8, 41))
    world.tick(at(d(2), 8, 30))
    assert _items(world, lea, d(2)) == ["u1-q1", "u3-q1"]  # u1-q1 is weak (S 0.2 -> relearning); u2 waits
    logs = world.do(lambda s: [(r.question_id, r.rating, r.duration_ms) for r in
                               s.scalars(select(ReviewLogRow).order_by(ReviewLogRow.id))])
    assert [(q, r) for q, r, _ in logs] == [("u1-q1", 1), ("u1-q1", 3), ("u2-q1", 3)]
    assert logs[0][2] == 15 * 60 * 1000  # the review duration is stored for re-fitting


def test_daily_cap_holds_across_campaigns_and_spreads_the_backlog(world: World) -> None:
    world.publish(make_track("a", units=10))
    world.publish(make_track("b", units=10))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"], cid="ca", track="a", learning={"cap": 3})
    world.campaign(["lea@example.org"], cid="cb", track="b", learning={"cap": 3})
    for n in range(5):  # silent all week: every missed question comes back, the cap spreads them out
        world.tick(at(d(n), 8, 30))
        assert len(_items(world, lea, d(n))) <= 3
    assert sum(len(_items(world, lea, d(n))) for n in range(5)) >= 12
    # Two weeks away, then back: still three a day.
    world.tick(at(d(21), 8, 30))
    assert len(_items(world, lea, d(21))) == 3


def test_remaining_questions_of_a_unit_are_asked_on_later_days(world: World) -> None:
    world.publish(make_track(units=4, questions_per_unit=3))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"], learning={"spacing": "drip", "cap": 3})
    world.tick(at(MON, 8, 30))  # silent: u1-q2 and u1-q3 never followed
    world.tick(at(d(1), 8, 30))
    assert _items(world, lea, d(1)) == ["u1-q2", "u1-q3", "u2-q1"]


def test_a_fixed_repeat_sends_the_drips_unit_first_then_re_asks_in_turn_whatever_the_answers(world: World) -> None:
    world.publish(make_track(units=3))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"], learning={"spacing": "repeat", "cap": 3})
    world.tick(at(MON, 8, 30))
    _answer_all(world, lea, right=True, when=at(MON, 9, 0))
    world.tick(at(d(1), 8, 30))
    assert _items(world, lea, d(1)) == ["u1-q1", "u2-q1"]  # a right answer comes back all the same
    _answer_all(world, lea, right=True, when=at(d(1), 9, 0))
    world.tick(at(d(2), 8, 30))
    assert _items(world, lea, d(2)) == ["u2-q1", "u1-q1", "u3-q1"]  # least asked first; the new unit keeps its room
    _answer_all(world, lea, right=False, when=at(d(2), 9, 0))
    world.tick(at(d(3), 8, 30))
    assert _items(world, lea, d(3)) == ["u3-q1", "u2-q1", "u1-q1"]  # a wrong answer does not jump the queue
    rows = world.do(lambda s: [(r.question_id, r.reviews, r.retired) for r in
                               s.scalars(select(MemoryRow).order_by(MemoryRow.question_id))])
    assert rows == [("u1-q1", 3, False), ("u2-q1", 2, False), ("u3-q1", 1, False)]


def test_diligent_learner_completes_with_a_score_and_a_silent_one_does_not(world: World) -> None:
    world.publish(make_track(units=3))
    ann = world.person("ann@example.org")
    sam = world.person("sam@example.org")
    world.campaign(["ann@example.org", "sam@example.org"], days="mon,tue,wed,thu,fri,sat,sun",
                   learning={"mastery_days": 10, "pass_mark": 0.6})
    for n in range(30):
        world.tick(at(d(n), 8, 30))
        _answer_all(world, ann, right=not (n == 1), when=at(d(n), 9, 0))
    [c] = world.do(lambda s: [(x.person_id, x.reason, round(x.score, 2), x.passed) for x in
                              s.scalars(select(Completion))])
    assert c == (ann, "mastered", 0.67, True)  # u2-q1 was wrong the first time
    assert world.enrollment(ann).status == "completed"
    assert world.enrollment(sam).status == "active"
    retired = world.do(lambda s: s.scalar(select(MemoryRow.retired).where(MemoryRow.person_id == ann)))
    assert retired


def test_silence_in_the_last_unit_reaches_the_manager_and_the_end_settles_it(world: World) -> None:
    world.publish(make_track(units=2))
    boss = world.person("max@example.org", roles="manager")
    lea = world.person("lea@example.org", manager=boss)
    world.campaign(["lea@example.org"], remind_after=1, manager_after=2, end=d(1),
                   learning={"spacing": "drip"}, escalation={"ladder": [{"manager": 1}], "at": "08:00"})
    world.tick(at(MON, 8, 30))
    assert not world.inbox(boss, "escalation")
    world.tick(at(d(1), 8, 30))  # the last unit; Monday's question closed unanswered a working day ago
    assert len(world.inbox(boss, "escalation")) == 1
    world.tick(at(d(2), 8, 30))  # the day after the end: the last question closes after its grace period
    assert len(world.inbox(boss, "escalation")) == 1
    assert world.enrollment(lea).status == "ended"  # never answered: not completed
    assert not world.do(lambda s: list(s.scalars(select(Completion))))


def test_campaign_end_completes_a_learner_who_answered(world: World) -> None:
    world.publish(make_track(units=4))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"], end=d(1))
    world.tick(at(MON, 8, 30))
    world.press(lea, world.open_question(lea).id, 0, at(MON, 9, 0))
    world.tick(at(d(1), 8, 30))
    world.tick(at(d(2), 8, 30))
    assert world.enrollment(lea).status == "completed"
    c = world.do(lambda s: s.scalars(select(Completion)).one().reason)
    assert c == "ended"


def test_a_delivery_records_its_planned_slot(world: World) -> None:
    world.publish(make_track(units=3))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"])
    world.tick(at(MON, 8, 30))
    world.tick(at(d(1), 11, 30))  # three hours late: caught up
    rows = world.deliveries(lea, "lesson")
    assert [(x.slot_day, x.slot_at, x.sent_at) for x in rows] == [
        ("2027-01-04", at(MON, 8, 30), at(MON, 8, 30)), ("2027-01-05", at(d(1), 8, 30), at(d(1), 11, 30))]


def test_next_respects_start_and_delivers_the_queued_unit_first(world: World) -> None:
    world.publish(make_track(units=5))
    lea = world.person("lea@example.org")
    world.campaign(["lea@example.org"], start=d(2))

    def nxt(s: object) -> list[int]:
        from core.models import Person
        return flows_learning.next_unit(s, s.get(Person, lea), world.clock.now())  # type: ignore[attr-defined]

    world.clock.set(at(MON, 10, 0))
    assert world.do(nxt) == []  # before the start: nothing
    world.clock.set(at(d(2), 8, 30))
    from scheduler.planner import process_due
    world.do(lambda s: process_due(s, world.clock.now()))  # a tick queued unit 1 but has not sent it
    ids = world.do(nxt)
    items = world.do(lambda s: [s.get(Delivery, i).item for i in ids])
    assert items == ["u1", "u1-q1"]  # the queued unit, not unit 2 ahead of it
    world.tick(at(d(2), 8, 31))
    open_q = world.open_question(lea)
    world.clock.set(at(d(2), 9, 0))
    world.do(nxt)  # unit 2 now, without closing unit 1's open question
    assert world.do(lambda s: s.get(Delivery, open_q.id).closed_at) is None
    assert [x.item for x in world.deliveries(lea, "lesson")] == ["u1", "u2"]


def test_a_fully_silent_learner_stays_in_the_digest_after_the_track_runs_out(world: World) -> None:
    world.publish(make_track(units=2))
    boss = world.person("mia@example.org", roles="manager")
    sam = world.person("sam@example.org", name="Sam Silent", manager=boss)
    world.campaign(["sam@example.org"], learning={"spacing": "drip"})
    for n in range(22):
        world.tick(at(d(n), 8, 30))
        world.tick(at(d(n), 7, 31))
    digests = world.inbox(boss, "digest")
    assert len(digests) >= 3
    assert "Sam Silent" in {r[0] for r in digests[-1][1].table[1:]}
    assert sam in {x.person_id for x in world.deliveries(kind="question")}
