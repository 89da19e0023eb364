"""Branching scenarios on the console: each choice's consequence, the follow-up at once, the path recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from content.scenarios import asked_questions
from core.services import memory, reports
from core.services.campaign_report import build_report
from tests.helpers import World
from tests.scenarios import (
    AFTER,
    CHECKED,
    HUNG_UP,
    KEPT_QUIET,
    LEAKED,
    READ_OUT,
    scenario_track,
)

MON = date(2027, 1, 4)


def at(hh: int, mm: int) -> datetime:
    return datetime.combine(MON, time(hh, mm), tzinfo=UTC)


def _start(world: World) -> int:
    world.publish(scenario_track())
    lea = world.person("lea@example.org", tz="UTC")
    world.campaign(["lea@example.org"])
    world.tick(at(9, 30))
    return lea


def test_follow_ups_are_not_asked_as_unit_questions() -> None:
    track = scenario_track()
    assert [q.id for q in asked_questions(track.units[0])] == ["call", "after"]


def test_wrong_path_plays_its_consequences_and_records_each_step(world: World) -> None:
    lea = _start(world)
    first = world.open_question(lea)
    assert first.item == "call"
    world.press(lea, first.id, 0, at(9, 31))
    assert READ_OUT in world.inbox(lea, "feedback")[-1][1].text
    step = world.open_question(lea)
    assert step.item == "leaked" and LEAKED in world.inbox(lea, "question")[-1][1].text
    world.press(lea, step.id, 1, at(9, 32))
    assert KEPT_QUIET in world.inbox(lea, "feedback")[-1][1].text
    # The path is over: the unit's next ordinary question follows.
    assert world.open_question(lea).item == "after" and AFTER in world.inbox(lea, "question")[-1][1].text
    got = [(a.question_id, a.correct, a.step, a.path) for a in world.answers()]
    assert got == [("call", False, 1, "call:1"), ("leaked", False, 2, "call:1>leaked:2")]
    rows = world.do(lambda s: reports.answer_rows(s))
    assert [(r["question"], r["step"], r["path"]) for r in rows] == [
        ("call", 1, "call:1"), ("leaked", 2, "call:1>leaked:2")]


def test_right_path_records_its_steps_and_only_the_first_step_gets_a_memory_state(world: World) -> None:
    lea = _start(world)
    world.press(lea, world.open_question(lea).id, 1, at(9, 31))
    assert HUNG_UP in world.inbox(lea, "feedback")[-1][1].text
    step = world.open_question(lea)
    assert step.item == "checked" and CHECKED in world.inbox(lea, "question")[-1][1].text
    world.press(lea, step.id, 0, at(9, 32))
    world.press(lea, world.open_question(lea).id, 0, at(9, 33))
    got = [(a.question_id, a.correct, a.step, a.path) for a in world.answers()]
    assert got == [("call", True, 1, "call:2"), ("checked", True, 2, "call:2>checked:1"), ("after", True, None, None)]
    # Item analysis stays per question: each step taken is its own item.
    report = world.do(lambda s: build_report(s, "drill-c"))
    assert [(i.question_id, i.n) for i in report.items] == [("call", 1), ("checked", 1), ("after", 1)]
    e = world.enrollment(lea)
    assert sorted(world.do(lambda s: list(memory.rows_of(s, e.id)))) == ["after", "call"]
