"""A manager's batched escalation on Slack: one DM with Nudge now / Snooze buttons that work."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from content.campaign import CampaignSpec
from content.loader import load_track_file
from core.models import AuditEntry
from core.services import campaigns, tracks
from tests.slack.conftest import LIBRARY


def _team(app: Any, h: Any) -> None:
    app.emu.add_user("UMGR", email="mgr@example.com")
    app.emu.add_user("U0001", email="u0001@example.com")
    app.roster(["mgr@example.com,Mona Manager,Europe/Berlin,en,,manager,UMGR,",
                "u0001@example.com,Lars Learner,Europe/Berlin,en,mgr@example.com,learner,U0001,"])
    loaded, problems, _ = load_track_file(LIBRARY / "phishing-basics.yaml")
    assert loaded is not None, problems
    spec = CampaignSpec.model_validate({
        "id": "phish", "track": "phishing-basics", "audience": {"roles": ["learner"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "09:00",
                     "start": h.START.date().isoformat()},
        "escalation": {"ladder": [{"manager": 1}], "at": "09:00"}})
    with app.services.db.session() as s:
        tracks.publish(s, loaded, app.clock.now())
        campaigns.apply_campaign(s, spec, app.clock.now())


def test_manager_gets_one_escalation_with_working_buttons(slack_app: Any, h: Any) -> None:
    _team(slack_app, h)
    slack_app.tick()
    slack_app.tick(h.NINE)  # Lars's first question, left unanswered
    slack_app.tick(h.NINE + timedelta(days=1))  # a working day later: Mona hears, in one DM
    [alert] = [m for m in slack_app.emu.posted(slack_app.emu.dm_of("UMGR")) if "gone quiet" in m["text"]]
    buttons = next(b for b in alert["blocks"] if b["type"] == "actions")["elements"]
    assert [b["text"]["text"] for b in buttons] == ["Nudge Lars now", "Snooze Lars a week"]
    assert buttons[0]["value"].startswith("esc:n:") and buttons[1]["value"].startswith("esc:s:")

    before = len(slack_app.emu.posted("DU0001"))
    assert slack_app.press("UMGR", alert, 0).status_code == 200
    h.wait_for(lambda: len(slack_app.emu.posted("DU0001")) > before, what="the reminder")
    assert "Friendly reminder" in slack_app.emu.posted("DU0001")[-1]["text"]
    note = h.wait_for(lambda: slack_app.emu.ephemeral, what="ephemeral note")[0]
    assert note["user"] == "UMGR" and note["text"] == "Reminder sent to Lars Learner."
    slack_app.press("UMGR", alert, 1)
    h.wait_for(lambda: len(slack_app.emu.ephemeral) > 1, what="snooze note")
    assert slack_app.emu.ephemeral[1]["text"].startswith("Snoozed: you will not hear about Lars Learner before")
    with slack_app.session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions.count("escalation_step") == 1
    assert "escalation_nudge" in actions and "escalation_snooze" in actions
