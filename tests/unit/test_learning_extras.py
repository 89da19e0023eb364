"""The schedule predicts reviews and the daily cap; fitted FSRS parameters reach the planner; the manager's
digest shows completions; an admin hears once about learners with no manager."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from core.models import AuditEntry, Delivery, MemoryRow, Person
from core.services import settings
from core.services.progress import active_enrollments
from scheduler.forecast import forecast
from scheduler.spacing import DEFAULT_PARAMETERS, MemoryState
from tests.helpers import World, make_track

MON = date(2027, 1, 4)


def slot(n: int) -> datetime:
    """09:30 Berlin on the n-th day after Monday 4 January."""
    return datetime.combine(MON + timedelta(days=n), time(8, 30), tzinfo=UTC)


def plan(world: World, pid: int, n: int, days: int = 3) -> list[tuple[str, str, tuple[str, ...], int, int]]:
    def go(s: object) -> list[tuple[str, str, tuple[str, ...], int, int]]:
        p = s.get(Person, pid)  # type: ignore[attr-defined]
        rows = forecast(s, p, active_enrollments(s, pid), MON + timedelta(days=n), days, world.clock.now())  # type: ignore[arg-type]
        return [(r.local_date.isoformat(), r.item, r.reviews, r.questions, r.cap) for r in rows]
    return world.do(go)


def answer_open(world: World, pid: int, choice: int, at: datetime) -> None:
    answered = {a.delivery_id for a in world.answers()}
    for d in world.deliveries(pid, "question", "sent"):
        if d.id not in answered and d.closed_at is None:
            world.press(pid, d.id, choice, at)


def test_schedule_predicts_reviews_and_the_cap(world: World) -> None:
    world.publish(make_track(units=8))
    pid = world.person("ann@example.org")
    world.campaign(["ann@example.org"], learning={"cap": 2})
    world.tick(slot(0))
    answer_open(world, pid, 1, slot(0) + timedelta(minutes=5))  # wrong: u1-q1 comes back tomorrow
    assert plan(world, pid, 1) == [("2027-01-05", "u2", ("u1-q1",), 2, 2), ("2027-01-06", "u3", (), 1, 2),
                                   ("2027-01-07", "u4", (), 1, 2)]
    world.tick(slot(1))
    tue = {d.item for d in world.deliveries(pid) if d.slot_day == "2027-01-05"}
    assert tue == {"u1-q1", "u2", "u2-q1"}  # what was predicted: the review, then the new unit
    answer_open(world, pid, 1, slot(1) + timedelta(minutes=5))  # both wrong: two reviews fill Wednesday's cap
    assert plan(world, pid, 2, 2) == [("2027-01-06", "", ("u1-q1", "u2-q1"), 2, 2),
                                      ("2027-01-07", "u3", (), 1, 2)]
    world.tick(slot(2))
    assert not [d for d in world.deliveries(pid, "lesson") if d.slot_day == "2027-01-06"]


def test_fitted_parameters_are_used_by_the_planner(world: World) -> None:
    world.publish(make_track(units=4))
    ann, bob = world.person("ann@example.org"), world.person("bob@example.org")
    world.campaign(["ann@example.org"], cid="fitted")
    world.campaign(["bob@example.org"], cid="default")
    fitted = list(DEFAULT_PARAMETERS)
    fitted[2] = 30.0  # initial stability after a first Good: 30 days instead of about 2.3
    world.do(lambda s: settings.put(s, settings.fsrs_key("fitted"), {"parameters": fitted}, world.clock.now()))
    world.tick(slot(0))
    for pid in (ann, bob):
        answer_open(world, pid, 0, slot(0) + timedelta(minutes=5))

    def stability(pid: int) -> float:
        row = world.do(lambda s: s.scalars(select(MemoryRow).where(MemoryRow.person_id == pid)).one().state)
        value = MemoryState.from_dict(row).stability
        assert value is not None
        return value

    assert stability(ann) == 30.0 and stability(bob) < 3


def test_digest_shows_a_completion_with_its_score(world: World) -> None:
    world.publish(make_track(units=2))
    boss = world.person("boss@example.org", roles="manager")
    ann = world.person("ann@example.org", manager=boss)
    world.campaign(["ann@example.org"], end=MON + timedelta(days=2), learning={"spacing": "drip"})
    for n in range(3):
        world.tick(slot(n))
        answer_open(world, ann, 0, slot(n) + timedelta(minutes=5))
    world.tick(slot(7) + timedelta(hours=-1))  # the campaign ended: Ann's completion is recorded
    world.tick(datetime(2027, 1, 11, 7, 30, tzinfo=UTC))  # Monday 08:30 Berlin: the digest
    digest = world.inbox(boss, "digest")[-1][1]
    names = [row[0] for row in digest.table[1:]]
    assert names == ["Ann ✓ completed drill-c, 100%"]


def test_an_admin_is_told_once_about_learners_with_no_manager(world: World) -> None:
    world.publish(make_track(units=4))
    admin = world.person("admin@example.org", roles="admin", name="Ada Admin")
    boss = world.person("boss@example.org", roles="manager")
    world.person("ann@example.org", name="Ann Alone")
    world.person("max@example.org", name="Max Managed", manager=boss)
    world.campaign(["ann@example.org", "max@example.org"])
    world.tick(slot(0))
    world.tick(slot(1))
    notices = world.inbox(admin)
    assert len(notices) == 1 and "Ann Alone" in notices[0][1].text and "Max" not in notices[0][1].text
    assert notices[0][1].title == "Learners without a manager"
    # Max's manager leaves: Max is reported too, once; Ann is not named again.
    world.do(lambda s: setattr(s.get(Person, boss), "status", "left"))
    world.tick(slot(2))
    world.tick(slot(3))
    notices = world.inbox(admin)
    assert len(notices) == 2 and "Max Managed" in notices[1][1].text and "Ann" not in notices[1][1].text
    assert world.do(lambda s: len(s.scalars(select(AuditEntry).where(AuditEntry.action == "no_manager_notice"))
                                  .all())) == 2
    assert world.do(lambda s: len(s.scalars(select(Delivery).where(Delivery.kind == "notice")).all())) == 2


def test_a_campaigns_desired_retention_spaces_its_reviews(world: World) -> None:
    from tests.unit.test_planner import MON, at

    world.publish(make_track(units=3))
    people = {}
    for retention in (0.95, 0.8, 0.7):
        email = f"r{int(retention * 100)}@example.org"
        people[retention] = world.person(email)
        world.campaign([email], cid=f"c{int(retention * 100)}", learning={"retention": retention})
    world.tick(at(MON, 8, 30))
    due = {}
    for retention, pid in people.items():
        world.press(pid, world.open_question(pid).id, 0, at(MON, 8, 45))  # right: Good
        due[retention] = world.do(lambda s, pid=pid: s.scalar(select(MemoryRow.due_at).where(
            MemoryRow.person_id == pid, MemoryRow.state.is_not(None))))
    # A higher target brings the question back sooner; the default (0.8) is in between.
    assert due[0.95] < due[0.8] < due[0.7]


def test_the_planners_default_retention_is_the_campaign_specs() -> None:
    from content.campaign import DEFAULT_RETENTION, Learning
    from scheduler.learning import RETENTION

    assert RETENTION == DEFAULT_RETENTION == Learning().retention
