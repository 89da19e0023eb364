"""`/nudge dashboard` in Slack answers with a single-use sign-in link built from DASHBOARD_URL."""

from __future__ import annotations

import re
from typing import Any

from core.services import dashboard
from tests.slack.test_commands_home import command, setup


def test_nudge_dashboard_replies_with_a_working_sign_in_link(slack_app: Any, h: Any) -> None:
    setup(slack_app, h)
    text = command(slack_app, h, "U0001", "dashboard")
    found = re.search(r"signin\?token=([\w-]+)", text)
    assert found is not None, text
    services = slack_app.services
    with services.db.session() as s:
        person = dashboard.redeem_sign_in(s, found.group(1), services.clock.now())
        assert person is not None and person.email == "ada@example.com"
