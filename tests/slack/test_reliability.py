"""Slack reliability: events we ignore, unknown users, uninstalls and revoked tokens, crash reconciliation."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from core.models import Delivery
from core.services import outbox


def pending(app: Any) -> list[Delivery]:
    with app.session() as s:
        return list(s.scalars(select(Delivery).where(Delivery.status == "pending")))


def test_events_we_do_not_handle_and_empty_signed_bodies_get_200(slack_app: Any) -> None:
    resp = slack_app.event({"type": "reaction_added", "user": "U0001", "reaction": "thumbsup",
                            "item": {"type": "message", "channel": "DU0001", "ts": "1.2"}})
    assert resp.status_code == 200
    assert slack_app.post("", "application/json").status_code == 200
    assert slack_app.post("", "application/x-www-form-urlencoded").status_code == 200


def test_press_from_an_unknown_user_gets_a_private_note_not_a_dm(slack_app: Any, h: Any) -> None:
    slack_app.learners(1)
    slack_app.tick()
    slack_app.tick(h.NINE)
    question = slack_app.emu.posted("DU0001")[1]
    slack_app.emu.add_user("UNEW", email="new@example.com")
    assert slack_app.press("UNEW", question, 0).status_code == 200
    note = h.wait_for(lambda: slack_app.emu.ephemeral, what="a private note")[0]
    assert note["user"] == "UNEW"
    slack_app.run(slack_app.services.conversation.drain())
    assert [c for c in slack_app.emu.calls_to("conversations.open") if c.args.get("users") == "UNEW"] == []
    assert slack_app.emu.posted("DUNEW") == []


def test_app_uninstalled_stops_all_sending_keeps_the_queue_and_tells_admins(slack_app: Any, h: Any) -> None:
    slack_app.learners(3)
    slack_app.roster(["boss@example.com,Boss,Europe/Berlin,en,,admin,,"])  # no Slack account: console
    slack_app.tick()
    assert slack_app.event({"type": "app_uninstalled"}).status_code == 200
    h.wait_for(lambda: slack_app.channel.stopped, what="sending to stop")

    def alert_queued() -> bool:
        with slack_app.session() as s:
            return s.scalars(select(Delivery).where(Delivery.key.like("alert:slack-stopped:%"))).first() is not None

    # The admins' alert is queued by the event's own task, just after sending stops.
    h.wait_for(alert_queued, what="the admins' alert to be queued")
    report = slack_app.tick(h.NINE)
    assert slack_app.emu.calls_to("chat.postMessage") == []
    assert len([d for d in pending(slack_app) if d.channel == "slack"]) == 6  # kept for later
    with slack_app.session() as s:
        alerts = list(s.scalars(select(Delivery).where(Delivery.key.like("alert:slack-stopped:%"))))
    assert [(a.channel, a.status) for a in alerts] == [("console", "sent")]
    assert "Slack stopped accepting messages" in alerts[0].payload["text"]
    assert report.dispatch.failed == 0


def test_a_revoked_token_stops_sending_after_one_refusal_not_message_by_message(slack_app: Any, h: Any) -> None:
    slack_app.learners(5)
    slack_app.tick()
    slack_app.emu.revoked = True
    slack_app.tick(h.NINE)
    refused = [c for c in slack_app.emu.calls if c.error == "invalid_auth"]
    assert len(refused) <= 5  # only the calls already in flight in parallel; no message is retried
    assert slack_app.channel.stopped == "invalid_auth"
    calls = len(slack_app.emu.calls)
    slack_app.clock.advance(__import__("datetime").timedelta(minutes=30))
    slack_app.tick()
    assert len(slack_app.emu.calls) == calls  # stopped: not one more call
    rows = [d for d in pending(slack_app) if d.channel == "slack"]
    assert len(rows) == 10 and all(d.attempts == 0 for d in rows)
    with slack_app.session() as s:
        people = {p.email: p.status for p in s.scalars(select(__import__("core.models").models.Person))}
    assert set(people.values()) == {"active"}  # nobody was taken for gone


def test_an_orphaned_send_is_found_in_history_and_not_posted_again(slack_app: Any, h: Any) -> None:
    """A worker that died after chat.postMessage but before recording it: the next one looks first."""
    slack_app.learners(2)
    slack_app.tick()
    slack_app.clock.set(h.NINE)
    slack_app.run(asyncio.to_thread(lambda: None))
    # Queue the day's messages without sending them, then post the first one "by a dead worker".
    from scheduler.worker import plan_and_queue

    plan_and_queue(slack_app.services.db, slack_app.clock.now())
    with slack_app.services.db.session() as s:
        claimed = outbox.claim(s, slack_app.clock.now(), 1, __import__("datetime").timedelta(seconds=-1))
        [(row, orphaned)] = claimed
        assert not orphaned
        key, address = row.key, row.address
    message = __import__("core.ports").ports.OutboundMessage.from_dict(dict(row.payload))
    from dataclasses import replace

    slack_app.run(slack_app.channel.send(address, replace(message, delivery_key=key)))
    before = len(slack_app.emu.calls_to("chat.postMessage"))
    report = slack_app.tick()
    assert len(slack_app.emu.calls_to("chat.postMessage")) == before + 3  # the other three only
    assert len(report.dispatch.sent) == 4
    history = [c for c in slack_app.emu.calls_to("conversations.history")]
    assert len(history) == 1 and history[0].args["include_all_metadata"] in (True, "true", "1")
    posted = [m for m in slack_app.emu.posted() if m.get("metadata")]
    keys = [m["metadata"]["event_payload"]["key"] for m in posted]
    assert len(keys) == len(set(keys)) == 4
    assert json.dumps(posted[0]["metadata"]).count("nudgebot_delivery") == 1
