"""Answers count once, and the dispatcher delivers each outbox row exactly once, in order, per chat."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from core.models import Answer, Delivery, Person
from core.ports import OutboundMessage, RecipientGone, RetryLater
from core.services.answers import NOTICES, record_answer
from scheduler.dispatcher import Dispatcher
from scheduler.worker import plan_and_queue
from tests.helpers import World, make_track

MON = date(2027, 1, 4)


def berlin(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo("Europe/Berlin")).astimezone(UTC)


TUE = MON + timedelta(days=1)


@pytest.fixture
def class_(world: World) -> tuple[int, int]:
    """Lea and Leo, Berlin, on a Mon-Fri 09:30 campaign; Monday's nudge already delivered."""
    world.publish(make_track(units=4, questions_per_unit=[2, 1, 1, 1]))
    lea = world.person("lea@example.org", name="Lea Learner")
    leo = world.person("leo@example.org", name="Leo Learner")
    world.campaign(["lea@example.org", "leo@example.org"])
    world.tick(berlin(MON, 9, 30))
    return lea, leo


def answers_of(world: World, pid: int) -> list[Answer]:
    return [a for a in world.answers() if a.person_id == pid]


# --------------------------------------------------------------------------- answers


def test_first_answer_counts_and_is_stored_with_its_details(world: World, class_: tuple[int, int]) -> None:
    lea, _ = class_
    q = world.open_question(lea)
    version = world.publish(make_track(units=4, questions_per_unit=[2, 1, 1, 1]))  # unchanged: same version
    reply = world.press(lea, q.id, 1, berlin(MON, 9, 32))
    assert reply.notice == ""
    [a] = world.answers()
    assert (a.person_id, a.question_id, a.campaign_id) == (lea, "u1-q1", "drill-c")
    assert (a.choice_index, a.choice_text, a.correct) == (1, "Wrong", False)
    assert a.latency_ms == 2 * 60 * 1000
    assert a.content_hash == version.content_hash and a.track_version_id == version.id
    assert a.answered_at == berlin(MON, 9, 32)
    # The question message became its feedback: the choice, the verdict, the right answer, the explanation.
    shown = [m for _, m in world.inbox(lea) if m.kind == "feedback"]
    assert len(shown) == 1 and shown[0].outcome is not None
    assert "Not quite" in shown[0].text and "Right" in shown[0].text and "Explanation: Because 1.1." in shown[0].text
    assert not shown[0].buttons


@pytest.mark.parametrize("second_choice", [1, 0, 2])
def test_second_press_is_duplicate_and_changes_nothing(world: World, class_: tuple[int, int],
                                                      second_choice: int) -> None:
    lea, _ = class_
    q = world.open_question(lea)
    world.press(lea, q.id, 1, berlin(MON, 9, 40))
    before = [(m.kind, m.text) for _, m in world.inbox(lea)]
    reply = world.press(lea, q.id, second_choice, berlin(MON, 9, 45))
    assert reply.notice == NOTICES["duplicate"]
    [a] = world.answers()
    assert (a.choice_index, a.correct, a.answered_at) == (1, False, berlin(MON, 9, 40))
    assert [(m.kind, m.text) for _, m in world.inbox(lea)] == before
    assert world.enrollment(lea).last_answer_at == berlin(MON, 9, 40)


def test_press_by_someone_else_is_not_theirs(world: World, class_: tuple[int, int]) -> None:
    lea, leo = class_
    q = world.open_question(lea)
    reply = world.press(leo, q.id, 0, berlin(MON, 9, 40))
    assert reply.notice == NOTICES["not_yours"]
    assert world.answers() == []
    # Lea can still answer her own question.
    assert world.press(lea, q.id, 0, berlin(MON, 9, 41)).notice == ""
    assert [a.person_id for a in world.answers()] == [lea]


def test_press_after_the_question_closed_is_late(world: World, class_: tuple[int, int]) -> None:
    lea, _ = class_
    monday_q = world.open_question(lea)
    world.tick(berlin(TUE, 9, 30))  # Tuesday's nudge closes Monday's question
    reply = world.press(lea, monday_q.id, 0, berlin(TUE, 9, 35))
    assert reply.notice == NOTICES["late"]
    assert world.answers() == []
    assert world.enrollment(lea).unanswered == 1


def test_answer_records_the_content_hash_of_the_version_shown(world: World, class_: tuple[int, int]) -> None:
    lea, _ = class_
    shown = world.open_question(lea)
    v1_hash = world.do(lambda s: s.get(Delivery, shown.id).track_version_id)
    edited = world.publish(make_track(units=4, questions_per_unit=[2, 1, 1, 1], lesson_suffix=" Revised."))
    assert edited.id != v1_hash
    world.press(lea, shown.id, 0, berlin(MON, 10, 0))
    [a] = world.answers()
    assert a.track_version_id == v1_hash
    assert a.content_hash != edited.content_hash
    # The next unit goes out from the new version.
    world.tick(berlin(TUE, 9, 30))
    assert "Revised." in world.inbox(lea, "lesson")[-1][1].text


def test_multi_question_unit_sends_next_question_right_after_an_answer(world: World,
                                                                         class_: tuple[int, int]) -> None:
    lea, _ = class_
    q1 = world.open_question(lea)
    assert q1.item == "u1-q1"
    world.press(lea, q1.id, 0, berlin(MON, 9, 35))
    q2 = world.open_question(lea)
    assert q2.item == "u1-q2" and q2.sent_at == berlin(MON, 9, 35)
    kinds = [m.kind for _, m in world.inbox(lea)]
    assert kinds == ["lesson", "feedback", "question"]  # question 1 was edited into its feedback
    assert world.inbox(lea, "question")[-1][1].text == "Prompt 1.2?"
    # The last question of the unit brings nothing more until the next scheduled day.
    world.press(lea, q2.id, 0, berlin(MON, 9, 36))
    assert [d.item for d in world.deliveries(lea, "question")] == ["u1-q1", "u1-q2"]
    assert world.enrollment(lea).unanswered == 0


def test_concurrent_presses_record_exactly_one_answer(world: World, class_: tuple[int, int]) -> None:
    lea, _ = class_
    q = world.open_question(lea)
    world.clock.set(berlin(MON, 9, 40))
    n = 8
    barrier = threading.Barrier(n)
    statuses: list[str] = []
    errors: list[BaseException] = []

    def press(choice: int) -> None:
        try:
            barrier.wait()
            with world.session() as s:
                person = s.get(Person, lea)
                r = record_answer(s, delivery_id=q.id, choice_index=choice, person=person, now=world.clock.now())
                statuses.append(r.status)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=press, args=(i % 3,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(statuses) == ["duplicate"] * (n - 1) + ["recorded"]
    assert len(world.do(lambda s: s.scalars(select(Answer)).all())) == 1
    # Only one follow-up question was queued.
    assert [d.item for d in world.deliveries(lea, "question")] == ["u1-q1", "u1-q2"]


# --------------------------------------------------------------------------- dispatcher


class RecordingChannel:
    """A fake ChatChannel: records what it delivered; can rate-limit or report a recipient gone."""

    name = "console"

    def __init__(self, *, limit_first: int = 0, retry_after: float = 0.0, gone: set[str] | None = None,
                 fail_first: int = 0) -> None:
        self.limit_first = limit_first
        self.retry_after = retry_after
        self.gone = gone or set()
        self.fail_first = fail_first
        self.calls = 0
        self.delivered: list[tuple[str, OutboundMessage]] = []

    async def send(self, address: str, message: OutboundMessage) -> str:
        self.calls += 1
        await asyncio.sleep(0)  # let other chats interleave
        if address in self.gone:
            raise RecipientGone("blocked", "bot was blocked by the user")
        if self.calls <= self.limit_first:
            raise RetryLater(self.retry_after)
        if self.calls <= self.fail_first:
            raise RuntimeError("adapter bug")
        self.delivered.append((address, message))
        return f"m{len(self.delivered)}"

    async def edit(self, address: str, ref: str, message: OutboundMessage) -> None:
        raise AssertionError("not used")


def _queue_monday(world: World, learners: int = 3) -> list[int]:
    world.publish(make_track(units=4))
    ids = [world.person(f"l{i}@example.org") for i in range(learners)]
    world.campaign([f"l{i}@example.org" for i in range(learners)])
    world.clock.set(berlin(MON, 9, 30))
    plan_and_queue(world.db, world.clock.now())
    return ids


def _dispatcher(world: World, channel: RecordingChannel, **kw: float) -> Dispatcher:
    return Dispatcher(world.db, {"console": channel}, world.clock, **kw)  # type: ignore[arg-type]


def _per_address(channel: RecordingChannel) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for addr, m in channel.delivered:
        out.setdefault(addr, []).append(m.kind)
    return out


def test_rate_limited_sends_are_waited_out_inline_and_delivered_once(world: World) -> None:
    ids = _queue_monday(world)
    channel = RecordingChannel(limit_first=4, retry_after=0.0)
    report = asyncio.run(_dispatcher(world, channel).run_once())
    assert len(report.sent) == 6
    assert _per_address(channel) == {str(i): ["lesson", "question"] for i in ids}
    assert {d.status for d in world.deliveries()} == {"sent"}


def test_long_rate_limit_is_retried_later_and_every_message_goes_exactly_once(world: World) -> None:
    ids = _queue_monday(world)
    channel = RecordingChannel(limit_first=5, retry_after=30.0)
    dispatcher = _dispatcher(world, channel, max_inline_wait=0.0)
    for _ in range(12):
        asyncio.run(dispatcher.run_once())
        if all(d.status == "sent" for d in world.deliveries()):
            break
        # Nothing is resent before the platform's Retry-After has passed.
        sent_before = len(channel.delivered)
        asyncio.run(dispatcher.run_once())
        assert len(channel.delivered) == sent_before
        world.clock.advance(timedelta(seconds=30))
    assert {d.status for d in world.deliveries()} == {"sent"}
    assert sorted(a for a, _ in channel.delivered) == sorted(str(i) for i in ids for _ in range(2))
    assert _per_address(channel) == {str(i): ["lesson", "question"] for i in ids}
    # A 429 is pacing, not failure: it does not use up attempts.
    assert max(d.attempts for d in world.deliveries()) == 1


def test_failed_send_keeps_the_chat_order(world: World) -> None:
    ids = _queue_monday(world, learners=1)
    channel = RecordingChannel(fail_first=1)
    dispatcher = _dispatcher(world, channel)
    for _ in range(10):
        asyncio.run(dispatcher.run_once())
        world.clock.advance(timedelta(seconds=30))
    assert _per_address(channel) == {str(ids[0]): ["lesson", "question"]}
    assert {d.status for d in world.deliveries()} == {"sent"}


def test_recipient_gone_marks_person_blocked_and_stops(world: World) -> None:
    ids = _queue_monday(world)
    gone = ids[1]
    channel = RecordingChannel(gone={str(gone)})
    report = asyncio.run(_dispatcher(world, channel).run_once())
    assert report.undeliverable == 1
    assert world.do(lambda s: s.get(Person, gone).status) == "blocked"
    assert {d.status for d in world.deliveries(gone)} == {"undeliverable", "cancelled"}
    assert str(gone) not in _per_address(channel)
    assert channel.calls == 5  # one attempt for the blocked chat, none for what followed
    # Later days send nothing more to them, and the others carry on.
    world.clock.set(berlin(TUE, 9, 30))
    plan_and_queue(world.db, world.clock.now())
    asyncio.run(_dispatcher(world, channel).run_once())
    assert channel.calls == 9
    assert not [d for d in world.deliveries(gone) if d.status in ("pending", "sent")]
    assert _per_address(channel) == {str(i): ["lesson", "question"] * 2 for i in ids if i != gone}


def test_messages_to_one_address_keep_their_order(world: World) -> None:
    ids = _queue_monday(world, learners=6)
    channel = RecordingChannel()
    asyncio.run(_dispatcher(world, channel, concurrency=3).run_once())
    assert _per_address(channel) == {str(i): ["lesson", "question"] for i in ids}


def test_a_chat_split_over_pipelined_batches_keeps_its_order(world: World) -> None:
    # Batches of one: each lesson and its question are claimed in different batches, sent at once.
    ids = _queue_monday(world, learners=4)
    channel = RecordingChannel()
    report = asyncio.run(_dispatcher(world, channel, batch=1).run_once())
    assert len(report.sent) == 8
    assert _per_address(channel) == {str(i): ["lesson", "question"] for i in ids}
    with world.db.session() as s:
        refs = {d.message_ref for d in s.scalars(select(Delivery))}
    assert refs == {f"m{n}" for n in range(1, 9)}  # every send recorded with its own ref, in one statement


def test_a_failure_in_an_earlier_batch_holds_the_chats_later_batch(world: World) -> None:
    ids = _queue_monday(world, learners=1)
    channel = RecordingChannel(fail_first=1)
    dispatcher = _dispatcher(world, channel, batch=1)
    asyncio.run(dispatcher.run_once())
    assert channel.delivered == []  # the question did not overtake the lesson that failed
    for _ in range(6):
        world.clock.advance(timedelta(minutes=2))
        asyncio.run(dispatcher.run_once())
    assert _per_address(channel) == {str(ids[0]): ["lesson", "question"]}
