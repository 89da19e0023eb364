"""Multiple-response, short and numeric questions through the Slack emulator: toggles redrawn in place with
chat.update, Submit, typed replies in the DM, feedback for right and wrong, the answers recorded."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from content.campaign import CampaignSpec
from core.models import Answer
from core.services import campaigns, tracks
from tests.kinds import kinds_track
from tests.slack.test_dm import typed


def _enrol(app: Any, h: Any, first: str = "cities") -> tuple[str, str]:
    ids = ["U0001", "U0002"]
    for uid in ids:
        app.emu.add_user(uid, email=f"{uid.lower()}@example.com")
    app.roster([f"{u.lower()}@example.com,Learner {u},Europe/Berlin,en,,learner,{u}," for u in ids])
    spec = CampaignSpec.model_validate({"id": "kinds", "track": "kinds", "audience": {"all": True},
                                       "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:00",
                                                    "start": h.START.date().isoformat()}})
    with app.services.db.session() as s:
        tracks.publish(s, kinds_track(first), app.clock.now())
        campaigns.apply_campaign(s, spec, app.clock.now())
    app.tick()
    app.tick(h.NINE)
    return ids[0], ids[1]


def _text(message: dict[str, Any]) -> str:
    return " ".join(b.get("text", {}).get("text", "") for b in message["blocks"] if isinstance(b.get("text"), dict))


def _answers(app: Any) -> list[Answer]:
    with app.session() as s:
        return list(s.scalars(select(Answer).order_by(Answer.id)))


def test_multiple_response_toggles_with_check_marks_then_submits(slack_app: Any, h: Any) -> None:
    right, wrong = _enrol(slack_app, h)
    emu = slack_app.emu
    question = emu.posted("DU0001")[1]
    labels = [e["text"]["text"] for e in next(b for b in question["blocks"] if b["type"] == "actions")["elements"]]
    assert labels == ["☐ Paris", "☐ Lyon", "☐ Berlin", "☐ Munich", "Submit ✔"]
    slack_app.press(right, question, 0)
    h.wait_for(lambda: emu.posted("DU0001")[1]["edits"] == 1, what="the redrawn question")
    slack_app.press(right, emu.posted("DU0001")[1], 2)
    h.wait_for(lambda: emu.posted("DU0001")[1]["edits"] == 2, what="the second check mark")
    redrawn = emu.posted("DU0001")[1]
    actions = next(b for b in redrawn["blocks"] if b["type"] == "actions")["elements"]
    assert [e["text"]["text"] for e in actions][:3] == ["☑ Paris", "☐ Lyon", "☑ Berlin"]
    assert redrawn["ts"] == question["ts"]  # updated in place, not posted again
    slack_app.press(right, redrawn, 4)
    h.wait_for(lambda: emu.posted("DU0001")[1]["edits"] == 3, what="the feedback")
    assert "✅ *Correct!* Your answer: Paris; Berlin" in _text(emu.posted("DU0001")[1])

    other = emu.posted("DU0002")[1]
    slack_app.press(wrong, other, 1)
    h.wait_for(lambda: emu.posted("DU0002")[1]["edits"] == 1, what="the redrawn question")
    slack_app.press(wrong, emu.posted("DU0002")[1], 4)
    h.wait_for(lambda: emu.posted("DU0002")[1]["edits"] == 2, what="the feedback")
    feedback = _text(emu.posted("DU0002")[1])
    assert "🟡 *Partly right* (25%)" in feedback and "*Paris; Berlin*" in feedback
    assert "Lyon: A big city, not a capital." in feedback and "Capitals host the government." in feedback
    assert not any(b["type"] == "actions" for b in emu.posted("DU0002")[1]["blocks"])
    got = [(a.person_id, a.question_id, a.correct, a.score, a.response) for a in _answers(slack_app)]
    assert sorted(got) == [(1, "cities", True, 1.0, "1;3"), (2, "cities", False, 0.25, "2")]


def test_a_short_question_is_answered_by_typing_in_the_dm(slack_app: Any, h: Any) -> None:
    right, wrong = _enrol(slack_app, h, first="capital")
    emu = slack_app.emu
    short = emu.posted("DU0001")[1]
    assert not any(b["type"] == "actions" for b in short["blocks"])
    assert "What is the capital of France?" in _text(short) and "Reply with your answer" in _text(short)
    slack_app.event(typed(right, "paris"))
    slack_app.event(typed(wrong, "Lyon"))
    h.wait_for(lambda: len(emu.posted("DU0001")) == 4 and len(emu.posted("DU0002")) == 4, what="feedback and pi")
    assert "✅ *Correct!* Your answer: paris" in _text(emu.posted("DU0001")[2])
    wrong_fb = _text(emu.posted("DU0002")[2])
    assert "❌ *Not quite.* Your answer: Lyon" in wrong_fb and "*Paris*" in wrong_fb and "It is Paris." in wrong_fb
    assert "Reply with a number" in _text(emu.posted("DU0001")[3])  # the unit's next question follows
    got = sorted((a.person_id, a.question_id, a.correct, a.response) for a in _answers(slack_app))
    assert got == [(1, "capital", True, "paris"), (2, "capital", False, "Lyon")]


def test_a_numeric_question_is_answered_by_typing_a_number(slack_app: Any, h: Any) -> None:
    right, wrong = _enrol(slack_app, h, first="pi")
    emu = slack_app.emu
    slack_app.event(typed(wrong, "about three"))
    h.wait_for(lambda: len(emu.posted("DU0002")) == 3, what="the not-a-number note")
    assert "not a number I can read" in emu.posted("DU0002")[2]["text"]
    slack_app.event(typed(right, "3,14"))
    slack_app.event(typed(wrong, "3.2"))
    h.wait_for(lambda: len(emu.posted("DU0001")) == 4 and len(emu.posted("DU0002")) == 5, what="numeric feedback")
    assert "✅ *Correct!* Your answer: 3,14" in _text(emu.posted("DU0001")[2])
    assert "Spot on." in _text(emu.posted("DU0001")[2])
    wrong_fb = _text(emu.posted("DU0002")[3])
    assert "3.14 (± 0.005)" in wrong_fb and "Pi is about 3.14." in wrong_fb
    got = sorted((a.person_id, a.question_id, a.correct, a.score, a.response) for a in _answers(slack_app))
    assert got == [(1, "pi", True, 1.0, "3,14"), (2, "pi", False, 0.0, "3.2")]
