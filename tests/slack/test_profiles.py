"""Time zones and locales from Slack: users.info, users.lookupByEmail, user_change, `nudgebot slack sync`."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from core.models import Enrollment, Person
from core.services import people


def person(app: Any, *, slack_id: str = "", email: str = "") -> Person:
    with app.session() as s:
        found = people.person_by_chat(s, "slack", slack_id) if slack_id else people.find_person(s, email)
        assert found is not None
        found.accounts  # noqa: B018 - loaded before the session closes
        return found


def test_empty_roster_zone_is_taken_from_slack_before_planning(slack_app: Any, h: Any) -> None:
    slack_app.emu.add_user("U0001", email="ada@example.com", tz="America/New_York", locale="de-DE")
    slack_app.roster(["ada@example.com,Ada,,,,learner,U0001,"])
    slack_app.campaign()
    slack_app.tick()
    ada = person(slack_app, slack_id="U0001")
    assert ada.timezone == "America/New_York" and ada.tz_source == "slack"
    assert ada.locale.startswith("de")
    info = slack_app.emu.calls_to("users.info")
    assert len(info) == 1 and info[0].args["include_locale"] in ("1", "true", "True")
    # Nothing arrives at 09:00 Berlin; it does at 09:00 New York.
    assert slack_app.tick(h.NINE).dispatch.sent == []
    ny_nine = h.START.replace(hour=13, minute=1)
    assert len(slack_app.tick(ny_nine).dispatch.sent) == 2
    slack_app.tick()
    assert len(slack_app.emu.calls_to("users.info")) == 1  # checked once, not every tick


def test_roster_zone_wins_over_slack(slack_app: Any, h: Any) -> None:
    slack_app.emu.add_user("U0001", email="ada@example.com", tz="America/New_York")
    slack_app.roster(["ada@example.com,Ada,Europe/Berlin,en,,learner,U0001,"])
    slack_app.tick()
    assert person(slack_app, slack_id="U0001").timezone == "Europe/Berlin"


def test_unknown_and_deactivated_users_get_one_report_line(slack_app: Any, h: Any, caplog: Any) -> None:
    slack_app.emu.add_user("U0001", email="ada@example.com")
    slack_app.emu.add_user("UGONE", email="gone@example.com", deleted=True)
    slack_app.roster(["ada@example.com,Ada,,,,learner,U0001,",
                      "ghost@example.com,Ghost,,,,learner,UNOPE,",
                      "gone@example.com,Gone,,,,learner,UGONE,",
                      "nobody@example.com,Nobody,Europe/Berlin,en,,learner,,"])
    slack_app.campaign()
    with caplog.at_level(logging.WARNING, logger="nudgebot.slack"):
        slack_app.tick()
        slack_app.tick()
    lines = [r.getMessage() for r in caplog.records if r.name == "nudgebot.slack"]
    assert "slack: ghost@example.com: user not found in the workspace" in lines
    assert "slack: nobody@example.com: user not found in the workspace" in lines
    assert any(line.startswith("slack: gone@example.com: account is deactivated") for line in lines)
    assert len(lines) == 3
    assert person(slack_app, email="ghost@example.com").status == "deactivated"
    assert person(slack_app, email="gone@example.com").status == "deactivated"
    assert person(slack_app, email="ada@example.com").status == "active"
    slack_app.tick(h.NINE)
    assert len(slack_app.emu.posted("DU0001")) == 2  # Ada still gets her nudge
    assert slack_app.emu.calls_to("conversations.open", ok=False) == []


def test_person_with_only_an_email_is_found_by_lookup(slack_app: Any, h: Any) -> None:
    slack_app.emu.add_user("U0042", email="ada@example.com", tz="Europe/Berlin")
    slack_app.roster(["ada@example.com,Ada,Europe/Berlin,en,,learner,,"])
    slack_app.campaign()
    slack_app.tick()
    assert person(slack_app, email="ada@example.com").account_id("slack") == "U0042"
    slack_app.tick(h.NINE)
    assert len(slack_app.emu.posted("DU0042")) == 2


def test_user_change_moves_the_schedule(slack_app: Any, h: Any) -> None:
    user = slack_app.emu.add_user("U0001", email="ada@example.com", tz="Europe/Berlin")
    slack_app.roster(["ada@example.com,Ada,,,,learner,U0001,"])
    slack_app.campaign()
    slack_app.tick()
    user = {**user, "tz": "Asia/Tokyo", "tz_label": "Japan Standard Time", "tz_offset": 32400}
    assert slack_app.event({"type": "user_change", "user": user, "event_ts": "1712345678.000200"}).status_code == 200
    h.wait_for(lambda: person(slack_app, slack_id="U0001").timezone == "Asia/Tokyo", what="new zone")
    slack_app.tick()
    with slack_app.session() as s:
        due = s.scalars(select(Enrollment.next_due_at)).one()
    assert due is not None and due.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M") == "09:00"


def test_user_change_to_deleted_stops_nudges(slack_app: Any, h: Any) -> None:
    user = slack_app.emu.add_user("U0001", email="ada@example.com")
    slack_app.roster(["ada@example.com,Ada,Europe/Berlin,en,,learner,U0001,"])
    slack_app.campaign()
    slack_app.tick()
    slack_app.event({"type": "user_change", "user": {**user, "deleted": True}})
    h.wait_for(lambda: person(slack_app, slack_id="U0001").status == "deactivated", what="deactivated")
    slack_app.tick(h.NINE + timedelta(minutes=1))
    assert slack_app.emu.posted("DU0001") == []


def test_slack_sync_command_prints_report_lines(slack_app: Any, h: Any, monkeypatch: Any) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    slack_app.emu.add_user("U0001", email="ada@example.com")
    slack_app.roster(["ada@example.com,Ada,,,,learner,U0001,", "ghost@example.com,Ghost,,,,learner,UNOPE,"])
    s = slack_app.settings
    for key, value in (("DATABASE_URL", s.database_url), ("SLACK_BOT_TOKEN", s.slack_bot_token),
                       ("SLACK_SIGNING_SECRET", s.slack_signing_secret), ("SLACK_API_URL", s.slack_api_url)):
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(app, ["slack", "sync"])
    assert result.exit_code == 0, result.output
    assert "slack: ghost@example.com: user not found in the workspace" in result.output
    assert "ada@example.com" not in result.output
    assert person(slack_app, slack_id="U0001").timezone == "Europe/Berlin"
