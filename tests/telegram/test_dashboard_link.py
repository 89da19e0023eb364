"""`/dashboard` in Telegram answers with a single-use sign-in link built from DASHBOARD_URL."""

from __future__ import annotations

import re

from core.services import dashboard
from tests.telegram.conftest import App
from tests.telegram.helpers import ADA, join_berlin


def test_dashboard_command_replies_with_a_working_sign_in_link(app: App) -> None:
    join_berlin(app)
    app.post(app.updates.text(ADA, "/dashboard"))
    app.settle()
    text = app.emulator.sent_to(ADA)[-1].text
    found = re.search(r"(\S+)/signin\?token=([\w-]+)", text)
    assert found is not None, text
    assert found.group(1) == app.services.settings.dashboard_url.rstrip("/")
    with app.services.db.session() as s:
        person = dashboard.redeem_sign_in(s, found.group(2), app.services.clock.now())
        assert person is not None and person.account_id("telegram") == str(ADA)
        assert dashboard.redeem_sign_in(s, found.group(2), app.services.clock.now()) is None
