"""The Messages tab accepts typed messages: commands and answers typed in the bot's DM work, and the bot
ignores its own messages and message subtypes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from core.models import Answer

MANIFEST = Path(__file__).resolve().parents[2] / "bot" / "channels" / "slack" / "manifest.yaml"


def typed(user: str, text: str, **extra: Any) -> dict[str, Any]:
    """A message.im event as Slack sends it for a message typed in the app's DM."""
    return {"type": "message", "channel": "D" + user, "user": user, "text": text, "ts": "1712345999.000200",
            "event_ts": "1712345999.000200", "channel_type": "im", **extra}


def test_the_manifest_opens_the_messages_tab_for_typing() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert manifest["features"]["app_home"]["messages_tab_read_only_enabled"] is False
    assert "im:history" in manifest["oauth_config"]["scopes"]["bot"]
    assert "message.im" in manifest["settings"]["event_subscriptions"]["bot_events"]


def test_typed_commands_and_answers_work_in_the_dm(slack_app: Any, h: Any) -> None:
    [uid] = slack_app.learners(1)
    slack_app.tick()
    slack_app.tick(h.NINE)
    emu = slack_app.emu
    question = emu.posted("DU0001")[1]
    assert slack_app.event(typed(uid, "help")).status_code == 200
    h.wait_for(lambda: len(emu.posted("DU0001")) == 3, what="the help reply")
    help_text = emu.posted("DU0001")[2]["text"]
    assert "`/nudge stats`" in help_text and "type the number of your choice" in help_text

    slack_app.event(typed(uid, "2"))  # the second choice of the open question
    h.wait_for(lambda: emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    with slack_app.session() as s:
        [answer] = s.scalars(select(Answer)).all()
    assert answer.choice_index == 1 and answer.question_id == "phishing-goal"
    assert question["ts"] == emu.posted("DU0001")[1]["ts"]

    h.wait_for(lambda: len(emu.posted("DU0001")) == 4, what="the unit's follow-up question")
    slack_app.event(typed(uid, "stats"))
    h.wait_for(lambda: len(emu.posted("DU0001")) == 5, what="the stats reply")
    assert "answered 1/" in emu.posted("DU0001")[-1]["text"]

    # The bot's own echo, an edit and a bot's message change nothing and get no reply.
    count = len(emu.posted("DU0001"))
    slack_app.event(typed(uid, "stats", bot_id="B0001"))
    slack_app.event(typed(uid, "stats", subtype="message_changed"))
    slack_app.event({**typed(uid, "stats"), "user": "", "bot_profile": {"id": "B0001"}})
    slack_app.event(typed(uid, "what?"))
    h.wait_for(lambda: len(emu.posted("DU0001")) == count + 1, what="the one reply to 'what?'")
    assert "`/nudge help`" in emu.posted("DU0001")[-1]["text"]
