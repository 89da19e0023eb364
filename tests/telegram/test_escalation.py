"""A manager's batched escalation on Telegram: one message with inline Nudge now / Snooze buttons that work."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from core.models import AuditEntry, Enrollment
from tests.telegram.conftest import App, seed_roster

MONDAY = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 Berlin
TUESDAY = datetime(2027, 1, 5, 8, 31, tzinfo=UTC)
WEDNESDAY = datetime(2027, 1, 6, 8, 31, tzinfo=UTC)
THURSDAY = datetime(2027, 1, 7, 8, 31, tzinfo=UTC)


def test_default_ladder_tells_the_manager_once_with_buttons_that_work(app: App, tmp_path: Path) -> None:
    emu = app.emulator
    seed_roster(app, tmp_path, ["max@example.org,Max Manager,Europe/Berlin,en,,manager,,500",
                                "ada@example.org,Ada Quiet,Europe/Berlin,en,max@example.org,learner,,600",
                                "bo@example.org,Bo Quiet,Europe/Berlin,en,max@example.org,learner,,601"])
    for at in (MONDAY, TUESDAY, WEDNESDAY):
        app.tick(at)
    assert not [m for m in emu.sent_to(500) if "gone quiet" in m.text]
    app.tick(THURSDAY)  # three working days after Monday's unanswered question: Max hears about both, once
    app.tick(THURSDAY.replace(hour=15))
    [alert] = [m for m in emu.sent_to(500) if "gone quiet" in m.text]
    assert "Ada Quiet" in alert.text and "Bo Quiet" in alert.text
    assert alert.reply_markup is not None
    buttons = [row[0] for row in alert.reply_markup["inline_keyboard"]]
    assert [b["text"] for b in buttons] == ["Nudge Ada now", "Snooze Ada a week", "Nudge Bo now", "Snooze Bo a week"]

    before = len(emu.sent_to(600))
    assert app.post(app.updates.callback(500, alert, buttons[0]["callback_data"])).status_code == 200
    app.settle()
    assert len(emu.sent_to(600)) == before + 1 and "Friendly reminder" in emu.sent_to(600)[-1].text
    assert emu.callback_answers[-1]["text"] == "Reminder sent to Ada Quiet."
    assert app.post(app.updates.callback(500, alert, buttons[3]["callback_data"])).status_code == 200
    assert emu.callback_answers[-1]["text"].startswith("Snoozed: you will not hear about Bo Quiet before")
    with app.services.db.session() as s:
        snoozed = s.scalars(select(Enrollment.snoozed_until).where(Enrollment.snoozed_until.is_not(None))).all()
        actions = s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert len(snoozed) == 1
    assert actions.count("escalation_step") == 2 and "escalation_nudge" in actions and "escalation_snooze" in actions
