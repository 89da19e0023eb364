"""The App Home tab's buttons through signed block_actions from the Home view: next lesson, pause a week,
resume and the language menu, each answered in the DM and the tab republished (views.publish)."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from core.i18n import format_datetime
from core.services import people
from core.services.progress import active_enrollments


def setup(app: Any) -> None:
    app.emu.add_user("U0001", email="ada@example.com", tz="America/Mexico_City", locale="es-MX")
    app.roster(["ada@example.com,Ada Lovelace,America/Mexico_City,es,,learner,U0001,"])
    app.campaign()
    app.tick()  # plans the first nudge


def open_home(app: Any, h: Any, user: str = "U0001") -> dict[str, Any]:
    app.emu.views.pop(user, None)
    app.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"})
    return h.wait_for(lambda: app.emu.views.get(user), what="the home view")


def element(view: dict[str, Any], action_id: str) -> dict[str, Any]:
    return next(e for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]
                if e["action_id"] == action_id)


def press(app: Any, h: Any, view: dict[str, Any], action_id: str, option: str = "") -> dict[str, Any]:
    """Press a Home tab button (or choose `option` in its menu) and return the view published after it."""
    e = element(view, action_id)
    action: dict[str, Any] = {"type": e["type"], "action_id": action_id, "block_id": "home_actions",
                              "action_ts": f"{time.time():.6f}"}
    if e["type"] == "static_select":
        action["selected_option"] = next(o for o in e["options"] if o["value"] == option)
    else:
        action.update(text=e["text"], value=e["value"])
    payload = {"type": "block_actions", "team": {"id": "T0001", "domain": "example"},
               "user": {"id": "U0001", "username": "ada", "name": "ada", "team_id": "T0001"},
               "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.3",
               "container": {"type": "view", "view_id": "V1"},
               "view": {"id": "V1", "type": "home", "blocks": view["blocks"]}, "actions": [action]}
    before = len(app.emu.calls_to("views.publish"))
    resp = app.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert resp.status_code == 200
    h.wait_for(lambda: len(app.emu.calls_to("views.publish", ok=True)) > before, what="the home view republished")
    return app.emu.views["U0001"]


def text_of(view: dict[str, Any]) -> str:
    return json.dumps(view, ensure_ascii=False)


def dm_texts(app: Any) -> list[str]:
    return [m["text"] for m in app.emu.posted("DU0001")]


def test_home_shows_streak_and_next_nudge_in_local_time_and_language(slack_app: Any, h: Any) -> None:
    setup(slack_app)
    view = open_home(slack_app, h)
    with slack_app.session() as s:
        person = people.person_by_chat(s, "slack", "U0001")
        (e,) = active_enrollments(s, person.id)
        due = e.next_due_at
    assert due is not None
    zone = ZoneInfo("America/Mexico_City")
    when = format_datetime(due, zone, "es", "day_comma_time")
    assert due.astimezone(zone).strftime("%H:%M") == "09:00" and "09:00" in when  # the campaign's local hour
    shown = text_of(view)
    assert f"próximo recordatorio {when}" in shown and "Racha" in shown
    assert [element(view, a)["text"]["text"] for a in ("home:next", "home:pause")] == [
        "▶️ Siguiente lección", "⏸ Pausar una semana"]
    assert element(view, "home:language")["initial_option"]["value"] == "language es"


def test_home_buttons_pause_resume_next_and_language(slack_app: Any, h: Any) -> None:
    setup(slack_app)
    view = open_home(slack_app, h)

    view = press(slack_app, h, view, "home:pause")
    with slack_app.session() as s:
        person = people.person_by_chat(s, "slack", "U0001")
        assert person.status == "paused"
        today = slack_app.clock.now().astimezone(ZoneInfo("America/Mexico_City")).date()
        assert person.paused_until == today + timedelta(days=6)  # seven days away, today included
    assert "home:resume" in text_of(view) and "home:pause" not in text_of(view)
    h.wait_for(lambda: any("pausa" in t.lower() for t in dm_texts(slack_app)), what="the pause confirmed in the DM")

    view = press(slack_app, h, view, "home:resume")
    with slack_app.session() as s:
        assert people.person_by_chat(s, "slack", "U0001").status == "active"
    assert "home:pause" in text_of(view)

    before = len(slack_app.emu.posted("DU0001"))
    view = press(slack_app, h, view, "home:next")
    lesson = h.wait_for(lambda: [m for m in slack_app.emu.posted("DU0001")[before:] if "1/" in m["text"]],
                        what="the next lesson in the DM")
    assert "Spotting phishing" in lesson[0]["text"] or "phishing" in lesson[0]["text"].lower()

    view = press(slack_app, h, view, "home:language", "language de")
    with slack_app.session() as s:
        assert people.person_by_chat(s, "slack", "U0001").locale == "de"
    assert element(view, "home:next")["text"]["text"] == "▶️ Nächste Lektion"
    assert element(view, "home:language")["initial_option"]["value"] == "language de"


def test_a_forged_home_value_is_ignored(slack_app: Any, h: Any) -> None:
    setup(slack_app)
    view = open_home(slack_app, h)
    element(view, "home:next")["value"] = "dashboard"  # not a Home command: nothing runs
    before = len(slack_app.emu.calls_to("views.publish"))
    payload = {"type": "block_actions", "user": {"id": "U0001", "team_id": "T0001"}, "team": {"id": "T0001"},
               "api_app_id": "A0001", "token": "legacy", "container": {"type": "view", "view_id": "V1"},
               "actions": [{"type": "button", "action_id": "home:next", "block_id": "home_actions",
                            "value": "dashboard", "action_ts": "1"}]}
    resp = slack_app.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")
    assert resp.status_code == 200
    open_home(slack_app, h)  # the app keeps serving; only this opening published a view
    assert len(slack_app.emu.calls_to("views.publish")) == before + 1 and dm_texts(slack_app) == []
    with slack_app.session() as s:
        assert people.person_by_chat(s, "slack", "U0001").status == "active"
