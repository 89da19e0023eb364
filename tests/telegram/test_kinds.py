"""Multiple-response, short and numeric questions through the Telegram emulator: an inline keyboard of check
boxes edited in place, Submit, typed replies to a plain prompt, feedback for right and wrong, answers recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from content.campaign import CampaignSpec
from core.models import Answer
from core.services import campaigns, people, tracks
from scheduler.planner import plan_pending
from tests.kinds import kinds_track
from tests.telegram.conftest import App
from tests.telegram.emulator import Message

MONDAY = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 Berlin
RIGHT, WRONG = 8101, 8102


def _enrol(app: App, tmp_path: Path, first: str = "cities") -> None:
    roster = tmp_path / "people.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                      f"ria@example.org,Ria Right,Europe/Berlin,en,,learner,,{RIGHT}\n"
                      f"wes@example.org,Wes Wrong,Europe/Berlin,en,,learner,,{WRONG}\n", encoding="utf-8")
    audience = {"emails": ["ria@example.org", "wes@example.org"]}
    spec = CampaignSpec.model_validate({"id": "kinds", "track": "kinds", "audience": audience,
                                       "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30",
                                                    "start": "2027-01-04"}})
    now = app.clock.now()
    with app.services.db.session() as s:
        tracks.publish(s, kinds_track(first), now)
        people.import_roster(s, roster, now)
        campaigns.apply_campaign(s, spec, now)
        plan_pending(s, now)
    app.tick(MONDAY)


def _keys(message: Message) -> list[tuple[str, str]]:
    assert message.reply_markup is not None
    return [(row[0]["text"], row[0]["callback_data"]) for row in message.reply_markup["inline_keyboard"]]


def _press(app: App, chat: int, message: Message, index: int) -> None:
    app.clock.advance(timedelta(seconds=20))
    app.post(app.updates.callback(chat, message, _keys(message)[index][1]))
    app.settle()


def _say(app: App, chat: int, text: str) -> None:
    app.clock.advance(timedelta(seconds=20))
    app.post(app.updates.text(chat, text))
    app.settle()


def _now(app: App, chat: int, message_id: int) -> Message:
    return next(m for m in app.emulator.sent_to(chat) if m.message_id == message_id)


def _answers(app: App) -> list[tuple[Any, ...]]:
    with app.services.db.session() as s:
        return sorted((a.person_id, a.question_id, a.correct, a.score, a.response)
                      for a in s.scalars(select(Answer)))


def test_multiple_response_is_an_inline_keyboard_of_check_boxes_edited_in_place(app: App, tmp_path: Path) -> None:
    _enrol(app, tmp_path)
    question = app.emulator.sent_to(RIGHT)[-1]
    assert [k[0] for k in _keys(question)] == ["☐ Paris", "☐ Lyon", "☐ Berlin", "☐ Munich", "Submit ✔"]
    _press(app, RIGHT, question, 0)
    _press(app, RIGHT, _now(app, RIGHT, question.message_id), 2)
    redrawn = _now(app, RIGHT, question.message_id)
    assert redrawn.edits == 2 and [k[0] for k in _keys(redrawn)][:3] == ["☑ Paris", "☐ Lyon", "☑ Berlin"]
    _press(app, RIGHT, redrawn, 4)
    done = _now(app, RIGHT, question.message_id)
    assert "✅ Correct!" in done.text and "Your answer: Paris; Berlin" in done.text and done.reply_markup is None

    other = app.emulator.sent_to(WRONG)[-1]
    _press(app, WRONG, other, 0)
    _press(app, WRONG, _now(app, WRONG, other.message_id), 4)
    partly = _now(app, WRONG, other.message_id)
    assert "🟡 Partly right (75%). The correct answers are: Paris; Berlin" in partly.text
    assert "Paris: Capital of France." in partly.text and "Berlin: Capital of Germany." in partly.text
    assert _answers(app)[0][1:] == ("cities", True, 1.0, "1;3")
    assert [a[1:] for a in _answers(app)] == [("cities", True, 1.0, "1;3"), ("cities", False, 0.75, "1")]


def test_a_short_question_takes_a_typed_reply(app: App, tmp_path: Path) -> None:
    _enrol(app, tmp_path, first="capital")
    short = app.emulator.sent_to(RIGHT)[-1]
    assert short.reply_markup is None and "Reply with your answer." in short.text
    _say(app, RIGHT, "/stats")  # commands still work while a typed answer is awaited
    assert "answered 0/" in app.emulator.sent_to(RIGHT)[-1].text
    _say(app, RIGHT, "Paree")
    _say(app, WRONG, "Marseille")
    right_fb, pi = app.emulator.sent_to(RIGHT)[-2:]
    assert "✅ Correct!" in right_fb.text and "Your answer: Paree" in right_fb.text and "Yes, Paris." in right_fb.text
    assert "Reply with a number." in pi.text  # the unit's next question follows
    wrong_fb = app.emulator.sent_to(WRONG)[-2]
    assert "❌ Not quite. The correct answer is: Paris" in wrong_fb.text and "It is Paris." in wrong_fb.text
    assert "Explanation: Paris has been the capital for centuries." in wrong_fb.text
    assert [a[1:] for a in _answers(app)] == [("capital", True, 1.0, "Paree"), ("capital", False, 0.0, "Marseille")]


def test_a_numeric_question_takes_a_typed_number_and_explains_a_non_number(app: App, tmp_path: Path) -> None:
    _enrol(app, tmp_path, first="pi")
    _say(app, WRONG, "22/7")
    assert "not a number I can read. Reply with a number, like 3.5 or 3,5." in app.emulator.sent_to(WRONG)[-1].text
    _say(app, RIGHT, "3.14")
    _say(app, WRONG, "3,2")
    assert "✅ Correct!" in app.emulator.sent_to(RIGHT)[-2].text and "Spot on." in app.emulator.sent_to(RIGHT)[-2].text
    wrong_fb = app.emulator.sent_to(WRONG)[-2].text
    assert "❌ Not quite. The correct answer is: 3.14 (± 0.005)" in wrong_fb and "Pi is about 3.14." in wrong_fb
    assert [a[1:] for a in _answers(app)] == [("pi", True, 1.0, "3.14"), ("pi", False, 0.0, "3,2")]
