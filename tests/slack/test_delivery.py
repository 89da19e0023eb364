"""Delivery through the real slack_sdk client: rate limits, server errors and people who left."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Person


def test_a_429_storm_still_delivers_everything_exactly_once(slack_app: Any, h: Any) -> None:
    uids = slack_app.learners(30)
    slack_app.tick()
    slack_app.emu.inject("chat.postMessage", 25, status=429, retry_after=1)
    slack_app.clock.set(h.NINE)
    sent = 0
    for _ in range(3):  # anything the dispatcher put back for later goes on the next tick
        sent += len(slack_app.tick().dispatch.sent)
    assert sent == 60
    for uid in uids:
        kinds = [("actions" in {b["type"] for b in m["blocks"]}) for m in slack_app.emu.posted(f"D{uid}")]
        assert kinds == [False, True], uid  # one lesson, then one question
    calls = slack_app.emu.calls_to("chat.postMessage")
    limited = [c for c in calls if c.status == 429]
    assert len(limited) == 25
    # A message refused with 429 went again only after its Retry-After (1 s) had passed. (Requests
    # already in flight to other chats may land just after a 429; that is not a retry.)
    for refused in limited:
        channel = refused.args["channel"]
        retried = [c.at for c in calls if c.status == 200 and c.args["channel"] == channel and c.at > refused.at]
        assert retried and min(retried) - refused.at >= 0.9, channel
    assert len(slack_app.emu.calls_to("conversations.open")) == 30


def test_recipient_who_left_is_marked_and_not_retried(slack_app: Any, h: Any) -> None:
    uids = slack_app.learners(2)
    slack_app.tick()
    slack_app.emu.gone["U0002"] = "user_disabled"
    slack_app.tick(h.NINE)
    slack_app.tick()
    assert len(slack_app.emu.posted("DU0001")) == 2
    assert slack_app.emu.posted("DU0002") == []
    failed = [c for c in slack_app.emu.calls_to("conversations.open") if c.args["users"] == "U0002" and c.error]
    assert len(failed) == 1
    with slack_app.session() as s:
        status = {p.account_id("slack"): p.status for p in s.scalars(select(Person))}
    assert status == {uids[0]: "active", uids[1]: "deactivated"}


def test_server_errors_are_retried_without_duplicates(slack_app: Any, h: Any) -> None:
    slack_app.learners(3)
    slack_app.tick()
    slack_app.emu.inject("chat.postMessage", 2, status=503)
    slack_app.tick(h.NINE)
    for uid in ("U0001", "U0002", "U0003"):
        assert len(slack_app.emu.posted(f"D{uid}")) == 2
