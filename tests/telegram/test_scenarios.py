"""A branching scenario on Telegram: each press edits the question into its consequence, the follow-up comes
right after, and the path taken is recorded (one learner takes the wrong path, one the right)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from content.campaign import CampaignSpec
from core.models import Answer
from core.services import campaigns, tracks
from scheduler.planner import plan_pending
from tests.scenarios import AFTER, CALLER, CHECKED, FORWARDED, HUNG_UP, LEAKED, READ_OUT, REPORTED, scenario_track
from tests.telegram.conftest import App, seed_roster
from tests.telegram.emulator import Message

MONDAY = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 Berlin


def _press(app: App, user: int, question: Message, index: int) -> None:
    data = question.reply_markup["inline_keyboard"][index][0]["callback_data"]  # type: ignore[index]
    assert app.post(app.updates.callback(user, question, data)).status_code == 200
    app.settle()


def _question(app: App, user: int, prompt: str) -> Message:
    found = [m for m in app.emulator.sent_to(user) if prompt in m.text]
    assert found, f"{prompt!r} was not asked"
    return found[-1]


def test_both_paths_of_a_scenario_on_telegram(app: App, tmp_path: Path) -> None:
    seed_roster(app, tmp_path, ["ada@example.org,Ada,Europe/Berlin,en,,manager,,600",
                                "bo@example.org,Bo,Europe/Berlin,en,,manager,,601"])
    spec = CampaignSpec.model_validate({
        "id": "vish", "track": "drill", "audience": {"emails": ["ada@example.org", "bo@example.org"]},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": "2027-01-04"}})
    with app.services.db.session() as s:
        tracks.publish(s, scenario_track(), app.clock.now())
        campaigns.apply_campaign(s, spec, app.clock.now())
        plan_pending(s, app.clock.now())
    app.tick(MONDAY)

    # Ada reads the code out: the consequence, then the step that follows from it; she reports it (right).
    _press(app, 600, _question(app, 600, CALLER), 0)
    first = app.emulator.sent_to(600)[1]
    assert first.edits == 1 and READ_OUT in first.text
    _press(app, 600, _question(app, 600, LEAKED), 0)
    assert REPORTED in app.emulator.sent_to(600)[2].text
    assert AFTER in app.emulator.sent_to(600)[-1].text  # the path is over: the unit goes on

    # Bo hangs up (right) and forwards the number (right).
    _press(app, 601, _question(app, 601, CALLER), 1)
    assert HUNG_UP in app.emulator.sent_to(601)[1].text
    _press(app, 601, _question(app, 601, CHECKED), 0)
    assert FORWARDED in app.emulator.sent_to(601)[2].text

    with app.services.db.session() as s:
        got = [(a.person.email, a.question_id, a.correct, a.step, a.path)
               for a in s.scalars(select(Answer).order_by(Answer.id))]
    assert got == [("ada@example.org", "call", False, 1, "call:1"),
                   ("ada@example.org", "leaked", True, 2, "call:1>leaked:1"),
                   ("bo@example.org", "call", True, 1, "call:2"),
                   ("bo@example.org", "checked", True, 2, "call:2>checked:1")]
