"""Time zones, commands and invite limits, through the webhook and the Bot API emulator."""

from __future__ import annotations

from datetime import timedelta

from tests.telegram.conftest import App
from tests.telegram.helpers import ADA, join_berlin, person


def test_typed_city_asks_to_confirm_and_exact_name_is_taken(app: App) -> None:
    code = app.invite()
    app.post(app.updates.text(ADA, f"/start {code}"))
    app.post(app.updates.text(ADA, "paris"))
    app.settle()
    confirm = app.emulator.sent_to(ADA)[-1]
    assert "Did you mean" in confirm.text
    choices = [row[0]["callback_data"] for row in confirm.reply_markup["inline_keyboard"]]
    assert "tz:Europe/Paris" in choices
    assert person(app, ADA).timezone is None
    app.post(app.updates.callback(ADA, confirm, "tz:Europe/Paris"))
    app.settle()
    assert person(app, ADA).timezone == "Europe/Paris"
    assert "Time zone set to <b>Europe/Paris</b>" in app.emulator.sent_to(ADA)[-1].text
    assert app.emulator.callback_answers  # the button's spinner was stopped

    app.post(app.updates.text(ADA, "/timezone America/New_York"))
    app.settle()
    assert person(app, ADA).timezone == "America/New_York"


def test_commands_answer_in_the_learners_language(app: App) -> None:
    join_berlin(app, language_code="de")
    app.post(app.updates.text(ADA, "/help", language_code="de"))
    app.post(app.updates.text(ADA, "/pause@nudge_test_bot 3", language_code="de"))
    app.settle()
    help_, paused = app.emulator.sent_to(ADA)[-2:]
    assert "Das verstehe ich" in help_.text
    assert paused.text.startswith("Pausiert bis 2027-01-05")
    assert person(app, ADA).status == "paused"
    app.post(app.updates.text(ADA, "/resume", language_code="de"))
    app.settle()
    assert person(app, ADA).status == "active"

    # The campaign is running (it started the week before), so /next sends an extra nudge right now;
    # that /next respects a campaign's start date is covered in tests/unit/test_learning.py.
    app.clock.advance(timedelta(days=1))
    app.post(app.updates.text(ADA, "/next", language_code="de"))
    app.settle()
    lesson, question = app.emulator.sent_to(ADA)[-2:]  # the lesson itself is the answer to /next
    assert "1/6" in lesson.text and question.reply_markup is not None


def test_unknown_or_expired_invites_enroll_nobody(app: App) -> None:
    app.post(app.updates.text(ADA, "/start nosuchcode"))
    used = app.invite(max_uses=1)
    app.post(app.updates.text(ADA + 1, f"/start {used}"))
    app.post(app.updates.text(ADA + 2, f"/start {used}"))
    app.settle()
    assert "isn't valid" in app.emulator.sent_to(ADA)[-1].text
    assert person(app, ADA) is None and person(app, ADA + 1) is not None and person(app, ADA + 2) is None
    assert "used as often as allowed" in app.emulator.sent_to(ADA + 2)[-1].text

    weekly = app.invite(expires_in=timedelta(days=7))
    app.clock.advance(timedelta(days=8))
    app.post(app.updates.text(ADA + 3, f"/start {weekly}"))
    app.settle()
    assert "expired" in app.emulator.sent_to(ADA + 3)[-1].text and person(app, ADA + 3) is None
