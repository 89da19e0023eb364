"""End to end: the real app under uvicorn, the real slack_sdk client, a Slack API emulator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Answer, Person


def learners(app: Any, n: int, tz: str = "Europe/Berlin") -> list[str]:
    ids = [f"U{i:04d}" for i in range(1, n + 1)]
    for uid in ids:
        app.emu.add_user(uid, email=f"{uid.lower()}@example.com", tz=tz)
    app.roster([f"{u.lower()}@example.com,Learner {u},{tz},en,,learner,{u}," for u in ids])
    app.campaign()
    return ids


def test_tick_delivers_lesson_and_question_as_dm_with_buttons(slack_app: Any, h: Any) -> None:
    [uid] = learners(slack_app, 1)
    slack_app.tick()
    report = slack_app.tick(h.NINE)
    assert len(report.dispatch.sent) == 2
    lesson, question = slack_app.emu.posted("DU0001")
    assert lesson["blocks"][0]["type"] == "header"
    assert "Phishing" in lesson["text"]
    buttons = next(b for b in question["blocks"] if b["type"] == "actions")["elements"]
    assert len(buttons) >= 2
    assert all(b["value"].startswith("a:") for b in buttons)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert "Choices:" in question["text"]
    assert len(slack_app.emu.calls_to("conversations.open")) == 1
