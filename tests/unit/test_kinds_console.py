"""Each new question kind answered right and wrong on the console channel, through the real conversation."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from bot import xapi_outbox
from bot.settings import Settings
from core.models import Person, XapiStatement
from core.ports import AnswerChosen, Reply, Sender, TextSent
from core.render_kinds import submit_action, toggle_action
from tests.helpers import World
from tests.kinds import kinds_track

NINE = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # Monday 09:31 in Berlin


def _sender(world: World, pid: int) -> Sender:
    with world.session() as s:
        p = s.get(Person, pid)
        assert p is not None
        return Sender(p.channel, p.address)


def say(world: World, pid: int, text: str) -> Reply:
    """Type `text` in the person's chat."""
    return asyncio.run(world.services.conversation.handle(TextSent(_sender(world, pid), text), wait=True))


def press(world: World, pid: int, action: str) -> Reply:
    """Press a button carrying `action`."""
    return asyncio.run(world.services.conversation.handle(AnswerChosen(_sender(world, pid), action), wait=True))


def _start(world: World) -> tuple[int, int]:
    world.publish(kinds_track())
    right, wrong = world.person("ria@example.org"), world.person("wes@example.org")
    world.campaign(["ria@example.org", "wes@example.org"], track="kinds")
    world.tick(NINE)
    return right, wrong


def _last(world: World, pid: int, kind: str) -> str:
    return world.inbox(pid, kind)[-1][1].text


def test_multiple_response_toggles_in_place_and_scores_partial_credit(world: World) -> None:
    right, wrong = _start(world)
    d = world.open_question(right)
    assert [b[0] for b in d.payload["buttons"]] == ["☐ Paris", "☐ Lyon", "☐ Berlin", "☐ Munich", "Submit ✔"]
    press(world, right, toggle_action(d.id, 0))
    press(world, right, toggle_action(d.id, 2))
    row, shown = world.inbox(right, "question")[0]
    assert row.edited_at is not None  # the same message, redrawn with its check marks
    assert [b.label for b in shown.buttons][:4] == ["☑ Paris", "☐ Lyon", "☑ Berlin", "☐ Munich"]
    press(world, right, submit_action(d.id))

    w = world.open_question(wrong)
    press(world, wrong, toggle_action(w.id, 0))
    press(world, wrong, toggle_action(w.id, 1))
    press(world, wrong, toggle_action(w.id, 3))
    press(world, wrong, toggle_action(w.id, 3))  # pressed twice: unselected again
    press(world, wrong, submit_action(w.id))

    a_right, a_wrong = world.answers()
    assert (a_right.correct, a_right.score, a_right.response, a_right.choice_index) == (True, 1.0, "1;3", None)
    assert (a_wrong.correct, a_wrong.score, a_wrong.response, a_wrong.choice_text) == (False, 0.5, "1;2",
                                                                                        "Paris; Lyon")
    feedback = [m for _, m in world.inbox(wrong) if m.outcome is not None][0]
    assert "🟡 Partly right (50%)" in feedback.text
    assert "The correct answers are: Paris; Berlin" in feedback.text
    assert "- Lyon: A big city, not a capital." in feedback.text
    assert "Explanation: Capitals host the government." in feedback.text
    assert "✅ Correct!" in [m for _, m in world.inbox(right) if m.outcome is not None][0].text
    # A press after the answer changes nothing.
    assert "already answered" in press(world, right, toggle_action(d.id, 1)).notice


def test_an_empty_selection_is_not_recorded(world: World) -> None:
    right, _ = _start(world)
    d = world.open_question(right)
    assert press(world, right, submit_action(d.id)).notice == "Select at least one answer, then press Submit."
    assert world.answers() == []


def test_short_and_numeric_answers_are_typed_replies_right_and_wrong(world: World) -> None:
    right, wrong = _start(world)
    say(world, right, "1, 3")  # the numbers of the choices answer a multiple-response question too
    say(world, wrong, "2")
    assert world.open_question(right).item == "capital"
    assert "Reply with your answer" in _last(world, right, "question")

    say(world, right, "help")  # commands still work while a typed answer is awaited
    assert "help" in _last(world, right, "info").lower()
    say(world, right, "  PARÌS ")
    say(world, wrong, "Lyon")
    assert "✅ Correct!" in _last(world, right, "feedback") and "Yes, Paris." in _last(world, right, "feedback")
    wrong_fb = _last(world, wrong, "feedback")
    assert "❌ Not quite. The correct answer is: Paris" in wrong_fb and "It is Paris." in wrong_fb
    assert "Explanation: Paris has been the capital" in wrong_fb

    assert world.open_question(right).item == "pi"
    say(world, right, "3,14")
    say(world, wrong, "three")
    assert "not a number I can read" in _last(world, wrong, "info")
    say(world, wrong, "3.5")
    assert "Spot on." in _last(world, right, "feedback")
    assert "❌ Not quite. The correct answer is: 3.14 (± 0.005)" in _last(world, wrong, "feedback")

    got = [(a.question_id, a.response, a.correct, a.score) for a in world.answers()]
    # Only Lyon ticked: Munich is the one choice of four classified right, a quarter of the credit.
    assert got == [("cities", "1;3", True, 1.0), ("cities", "2", False, 0.25),
                   ("capital", "PARÌS", True, 1.0), ("capital", "Lyon", False, 0.0),
                   ("pi", "3,14", True, 1.0), ("pi", "3.5", False, 0.0)]


def test_a_typo_within_the_questions_tolerance_counts_and_shows_the_spelling(world: World) -> None:
    right, _ = _start(world)
    say(world, right, "1 3")
    say(world, right, "Pariss")
    feedback = _last(world, right, "feedback")
    assert "✅ Correct!" in feedback and "Accepted as: Paris" in feedback
    say(world, right, "Parisss")  # the question is answered: a later reply is not an answer
    assert [a.response for a in world.answers()] == ["1;3", "Pariss"]


def test_answers_of_every_kind_queue_xapi_statements_with_their_interaction_type(world: World) -> None:
    settings = Settings(database_url="sqlite://", lrs_url="http://127.0.0.1:9/xapi", lrs_username="u",
                        lrs_password="p", _env_file=None)
    assert xapi_outbox.install(world.services, settings) is not None
    right, _ = _start(world)
    say(world, right, "1 2")
    say(world, right, "paris")
    say(world, right, "3,14")
    with world.session() as s:
        answered = [r.statement for r in s.scalars(select(XapiStatement).order_by(XapiStatement.id))
                    if r.statement["verb"]["id"].endswith("/answered")]
    kinds = [(a["object"]["definition"]["interactionType"], a["result"]["response"], a["result"]["success"])
             for a in answered]
    assert kinds == [("choice", "choice-0[,]choice-1", False), ("fill-in", "paris", True), ("numeric", "3.14", True)]
    assert answered[0]["result"]["score"] == {"scaled": 0.5}
    assert answered[2]["object"]["definition"]["correctResponsesPattern"] == ["3.135[:]3.145"]
