"""A branching scenario on Slack: each press turns the question into its consequence, the follow-up is posted
right after, and the path taken is recorded (one learner takes the wrong path, one the right)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from content.campaign import CampaignSpec
from core.models import Answer
from core.services import campaigns, tracks
from tests.scenarios import CALLER, CHECKED, FORWARDED, HUNG_UP, KEPT_QUIET, LEAKED, READ_OUT, REPORTED, scenario_track


def _asking(emu: Any, dm: str, prompt: str) -> dict[str, Any]:
    return next(m for m in reversed(emu.posted(dm)) if prompt in m["text"])


def _take(slack_app: Any, h: Any, user: str, prompt: str, index: int, consequence: str) -> None:
    """Press choice `index` on the question asking `prompt` and wait for its consequence."""
    emu, dm = slack_app.emu, f"D{user}"
    question = _asking(emu, dm, prompt)
    slack_app.press(user, question, index)

    def edited() -> dict[str, Any] | None:
        now = next(m for m in emu.posted(dm) if m["ts"] == question["ts"])
        return now if now["edits"] == 1 else None

    assert consequence in str(h.wait_for(edited, what="the feedback")["blocks"])


def test_both_paths_of_a_scenario_on_slack(slack_app: Any, h: Any) -> None:
    emu = slack_app.emu
    for uid in ("U0001", "U0002"):
        emu.add_user(uid, email=f"{uid.lower()}@example.com", tz="Europe/Berlin")
    slack_app.roster([f"{u.lower()}@example.com,Learner {u},Europe/Berlin,en,,learner,{u},"
                      for u in ("U0001", "U0002")])
    spec = CampaignSpec.model_validate({
        "id": "vish", "track": "drill", "audience": {"all": True},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "09:00",
                     "start": h.START.date().isoformat()}})
    with slack_app.services.db.session() as s:
        tracks.publish(s, scenario_track(), slack_app.clock.now())
        campaigns.apply_campaign(s, spec, slack_app.clock.now())
    slack_app.tick()
    slack_app.tick(h.NINE)

    # U0001 reads the code out (wrong), then keeps quiet (wrong).
    _take(slack_app, h, "U0001", CALLER, 0, READ_OUT)
    h.wait_for(lambda: any(LEAKED in m["text"] for m in emu.posted("DU0001")), what="the next step")
    _take(slack_app, h, "U0001", LEAKED, 1, KEPT_QUIET)
    assert REPORTED not in str(emu.posted("DU0001"))
    # U0002 hangs up (right) and gets the other follow-up.
    _take(slack_app, h, "U0002", CALLER, 1, HUNG_UP)
    h.wait_for(lambda: any(CHECKED in m["text"] for m in emu.posted("DU0002")), what="the next step")
    assert not any(LEAKED in m["text"] for m in emu.posted("DU0002"))
    _take(slack_app, h, "U0002", CHECKED, 0, FORWARDED)

    with slack_app.session() as s:
        got = [(a.question_id, a.correct, a.step, a.path) for a in s.scalars(select(Answer).order_by(Answer.id))]
    assert got == [("call", False, 1, "call:1"), ("leaked", False, 2, "call:1>leaked:2"), ("call", True, 1, "call:2"),
                   ("checked", True, 2, "call:2>checked:1")]
