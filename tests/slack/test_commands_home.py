"""Slash commands, the App Home tab and manager DMs, through signed requests to the running app."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.services import people


def setup(app: Any, h: Any) -> None:
    for uid, email in (("U0001", "ada@example.com"), ("UMGR", "grace@example.com")):
        app.emu.add_user(uid, email=email)
    app.roster(["grace@example.com,Grace Hopper,Europe/Berlin,en,,manager,UMGR,",
                "ada@example.com,Ada Lovelace,Europe/Berlin,en,grace@example.com,learner,U0001,"])
    app.campaign()
    app.tick()


def replies(app: Any, user: str) -> list[dict[str, Any]]:
    return [r for r in app.emu.responses if r["key"].startswith(user + "-")]


def reply_text(r: dict[str, Any]) -> str:
    import json

    blocks = r.get("blocks") or []
    blocks = json.loads(blocks) if isinstance(blocks, str) else blocks
    return r.get("text", "") + " " + " ".join(b.get("text", {}).get("text", "") for b in blocks)


def command(app: Any, h: Any, user: str, text: str) -> str:
    before = len(replies(app, user))
    resp = app.command(user, text)
    assert resp.status_code == 200
    got = h.wait_for(lambda: len(replies(app, user)) > before and replies(app, user), what=f"/nudge {text}")
    return " ".join(reply_text(r) for r in got[before:])


def test_help_stats_and_timezone(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    assert "pause" in command(slack_app, h, "U0001", "help")
    assert "pause" in command(slack_app, h, "U0001", "")
    stats = command(slack_app, h, "U0001", "stats")
    assert "Spotting phishing" in stats and "streak" in stats and "next" in stats
    tz = command(slack_app, h, "U0001", "timezone")
    assert "Europe/Berlin" in tz and "roster" in tz
    assert "America/New_York" in command(slack_app, h, "U0001", "timezone America/New_York")
    with slack_app.session() as s:
        assert people.person_by_chat(s, "slack", "U0001").timezone == "America/New_York"


def test_pause_resume_and_next(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    command(slack_app, h, "U0001", "pause 3")
    with slack_app.session() as s:
        ada = people.person_by_chat(s, "slack", "U0001")
        assert ada.status == "paused" and ada.paused_until is not None
    slack_app.tick(h.NINE)
    assert slack_app.emu.posted("DU0001") == []
    command(slack_app, h, "U0001", "resume")
    with slack_app.session() as s:
        assert people.person_by_chat(s, "slack", "U0001").status == "active"
    slack_app.command("U0001", "next")
    h.wait_for(lambda: len(slack_app.emu.posted("DU0001")) >= 2, what="an extra lesson and question")
    assert any(b["type"] == "actions" for b in slack_app.emu.posted("DU0001")[-1]["blocks"])


def test_unknown_person_gets_a_clear_reply(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    assert "don't know you" in command(slack_app, h, "UNOBODY", "stats")


def test_home_tab_shows_progress_and_a_managers_team(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    slack_app.event({"type": "app_home_opened", "user": "U0001", "channel": "DU0001", "tab": "home"})
    slack_app.event({"type": "app_home_opened", "user": "UMGR", "channel": "DUMGR", "tab": "home"})
    h.wait_for(lambda: len(slack_app.emu.views) == 2, what="two home views")

    def text(view: dict[str, Any]) -> str:
        return " ".join(str(b.get("text", {}).get("text", "")) for b in view["blocks"])

    learner = slack_app.emu.views["U0001"]
    assert learner["type"] == "home"
    assert "Spotting phishing" in text(learner) and "Streak" in text(learner) and "next nudge" in text(learner)
    assert "Your team" not in text(learner)
    manager = text(slack_app.emu.views["UMGR"])
    assert "Your team" in manager and "Ada Lovelace" in manager


def test_manager_digest_arrives_as_a_dm_with_a_table(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    slack_app.tick(h.NINE)
    slack_app.tick(h.START + timedelta(days=7, hours=1))
    digests = [m for m in slack_app.emu.posted("DUMGR") if "digest" in m["text"].lower()]
    assert digests, [m["text"] for m in slack_app.emu.posted("DUMGR")]
    table = [b for b in digests[-1]["blocks"] if b.get("text", {}).get("text", "").startswith("```")]
    assert table and "Ada Lovelace" in table[0]["text"]["text"] and "Accuracy" in table[0]["text"]["text"]
