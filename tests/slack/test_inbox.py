"""Slack requests are kept in the inbox before Slack is told they arrived: one sent again, or left open, is handled
once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from bot.inbox_replay import replay_once
from core.models import Answer, InboxEvent, LeavePeriod, Person

FORM = "application/x-www-form-urlencoded"


def answers(app: Any) -> list[Answer]:
    with app.session() as s:
        return list(s.scalars(select(Answer)))


def kept(app: Any) -> list[InboxEvent]:
    with app.session() as s:
        return list(s.scalars(select(InboxEvent)))


def question_for(app: Any, h: Any) -> tuple[str, dict[str, Any]]:
    [uid] = app.learners(1)
    app.tick()
    app.tick(h.NINE)
    return uid, app.emu.posted("DU0001")[1]


def test_a_press_sent_again_is_recorded_once_and_changes_nothing(slack_app: Any, h: Any) -> None:
    uid, question = question_for(slack_app, h)
    body = slack_app.press_body(uid, question, 0)
    assert slack_app.post(body, FORM).status_code == 200
    h.wait_for(lambda: answers(slack_app), what="the answer")
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    [event] = kept(slack_app)
    assert event.platform == "slack" and event.done_at is not None and event.key.startswith("slack:press:")

    assert slack_app.post(body, FORM).status_code == 200  # the same press once more (a retry, a replay)
    time.sleep(0.3)
    slack_app.run(slack_app.services.conversation.drain())
    assert [a.choice_index for a in answers(slack_app)] == [0]
    assert slack_app.emu.ephemeral == []  # not even an "already answered" note: it was handled before
    assert len(kept(slack_app)) == 1


def test_a_press_kept_but_never_recorded_is_recorded_by_the_replay_once(make_app: Any, h: Any) -> None:
    slack_app = make_app(inbox_replay_seconds=3600.0)  # the replays here are the test's own
    uid, question = question_for(slack_app, h)
    data = json.loads(parse_qs(slack_app.press_body(uid, question, 1))["payload"][0])
    conversation = slack_app.services.conversation
    # Kept and acknowledged, then the process stopped before recording it.
    key = f"slack:press:{uid}:{question['ts']}:{data['actions'][0]['action_ts']}"
    assert slack_app.run(conversation.receive("slack", key, json.dumps(data))) == "handle"
    assert answers(slack_app) == []
    assert slack_app.run(replay_once(slack_app.services)) == 0  # still within its lease: maybe on its way
    slack_app.clock.advance(timedelta(seconds=31))
    assert slack_app.run(replay_once(slack_app.services)) == 1
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    [answer] = answers(slack_app)
    assert answer.choice_index == 1
    [event] = kept(slack_app)
    assert event.key == key and event.done_at is not None and event.attempts == 1
    slack_app.clock.advance(timedelta(seconds=31))
    assert slack_app.run(replay_once(slack_app.services)) == 0
    # Slack's retry: handled before
    assert slack_app.run(conversation.receive("slack", key, json.dumps(data))) == "handled_before"
    assert len(answers(slack_app)) == 1


def test_a_web_app_that_hands_presses_off_acknowledges_them_and_a_worker_records_them_once(make_app: Any,
                                                                                           h: Any) -> None:
    web = make_app(inbox_hand_off=True, inbox_replay_seconds=3600.0)  # the worker's polls here are the test's
    uid, question = question_for(web, h)
    body = web.press_body(uid, question, 0)
    assert web.post(body, FORM).status_code == 200
    assert web.post(body, FORM).status_code == 200  # Slack's retry before any worker looked
    time.sleep(0.3)
    assert answers(web) == [] and web.emu.posted("DU0001")[1]["edits"] == 0  # the web app only kept it
    [event] = kept(web)
    assert event.claimed_at is None and event.done_at is None
    assert web.run(replay_once(web.services)) == 0  # a lease replay leaves handed-off presses to the workers
    assert web.run(replay_once(web.services, handed_off=True)) == 1  # a worker's poll
    h.wait_for(lambda: web.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    assert [a.choice_index for a in answers(web)] == [0]
    assert web.run(replay_once(web.services, handed_off=True)) == 0
    assert web.post(body, FORM).status_code == 200  # a retry after it was recorded
    time.sleep(0.3)
    assert len(answers(web)) == 1 and web.emu.ephemeral == []
    [event] = kept(web)
    assert event.done_at is not None and event.attempts == 1


def test_a_handed_off_press_no_worker_takes_is_recorded_by_the_web_app_after_the_lease(make_app: Any,
                                                                                       h: Any) -> None:
    web = make_app(inbox_hand_off=True, inbox_replay_seconds=3600.0)
    uid, question = question_for(web, h)
    assert web.post(web.press_body(uid, question, 1), FORM).status_code == 200
    time.sleep(0.2)
    assert web.run(replay_once(web.services)) == 0
    web.clock.advance(timedelta(seconds=31))
    assert web.run(replay_once(web.services)) == 1
    h.wait_for(lambda: answers(web), what="the answer")
    assert [a.choice_index for a in answers(web)] == [1]


def test_a_press_over_socket_mode_is_kept_before_its_ack_and_a_redelivery_is_recorded_once(slack_app: Any,
                                                                                          h: Any) -> None:
    from slack_bolt.request.async_request import AsyncBoltRequest

    uid, question = question_for(slack_app, h)
    data = json.loads(parse_qs(slack_app.press_body(uid, question, 1))["payload"][0])
    bolt = slack_app.services.extras["slack_app"]

    async def envelope() -> Any:
        # What Bolt's Socket Mode handler does with an interactive envelope's payload.
        return await bolt.async_dispatch(AsyncBoltRequest(body=data, mode="socket_mode"))

    assert slack_app.run(envelope()).status == 200
    [event] = kept(slack_app)
    assert event.key.startswith("slack:press:")  # kept by the time the ack went out
    assert slack_app.run(envelope()).status == 200  # Slack delivers it again (our ack was lost on the way)
    h.wait_for(lambda: answers(slack_app), what="the answer")
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    time.sleep(0.3)
    slack_app.run(slack_app.services.conversation.drain())
    assert [a.choice_index for a in answers(slack_app)] == [1]
    assert slack_app.emu.ephemeral == []  # the redelivery changed nothing, not even a note
    [event] = kept(slack_app)
    assert event.done_at is not None


def typed_body(uid: str, text: str, event_id: str) -> dict[str, Any]:
    """An Events API body for a message typed in the bot's DM, as Slack sends it."""
    return {"token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "type": "event_callback",
            "event_id": event_id, "event_time": int(time.time()),
            "event": {"type": "message", "channel": "D" + uid, "user": uid, "text": text, "channel_type": "im",
                      "ts": "1712345999.000200", "event_ts": "1712345999.000200"}}


def test_a_typed_answer_kept_but_never_handled_is_recorded_by_the_replay_and_slacks_retry_changes_nothing(
        make_app: Any, h: Any) -> None:
    slack_app = make_app(inbox_replay_seconds=3600.0)
    uid, _ = question_for(slack_app, h)
    body = typed_body(uid, "2", "Ev00TYPED")
    conversation = slack_app.services.conversation
    # Kept and acknowledged, then the process stopped before handling it.
    assert slack_app.run(conversation.receive("slack", "slack:event:Ev00TYPED", json.dumps(body))) == "handle"
    slack_app.clock.advance(timedelta(seconds=31))
    assert slack_app.run(replay_once(slack_app.services)) == 1
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    assert [a.choice_index for a in answers(slack_app)] == [1]
    posted = len(h.wait_for(lambda: slack_app.emu.posted("DU0001")[2:], what="the unit's next question")) + 2
    # Slack's retry of the same event (it never saw our ack) is acknowledged and changes nothing.
    assert slack_app.post(json.dumps(body), "application/json",
                          {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}).status_code == 200
    time.sleep(0.3)
    slack_app.run(conversation.drain())
    assert len(answers(slack_app)) == 1 and len(slack_app.emu.posted("DU0001")) == posted
    [event] = kept(slack_app)
    assert event.done_at is not None and event.attempts == 1


def test_a_typed_dm_over_http_is_kept_before_its_ack(slack_app: Any, h: Any) -> None:
    uid, _ = question_for(slack_app, h)
    assert slack_app.post(json.dumps(typed_body(uid, "1", "Ev00HTTP")), "application/json").status_code == 200
    h.wait_for(lambda: answers(slack_app), what="the answer")
    [event] = kept(slack_app)
    assert event.key == "slack:event:Ev00HTTP"
    h.wait_for(lambda: kept(slack_app)[0].done_at, what="the inbox row marked done")


def test_a_slash_command_kept_but_never_run_is_run_by_the_replay_and_answered_at_its_response_url(
        make_app: Any, h: Any) -> None:
    slack_app = make_app(inbox_replay_seconds=3600.0)
    uid, _ = question_for(slack_app, h)
    body = {"team_id": "T0001", "channel_id": "DU0001", "user_id": uid, "user_name": "ada", "command": "/nudge",
            "text": "pause 10d", "response_url": slack_app.emu.response_url(f"{uid}-replayed"),
            "trigger_id": "13345224609.738474920.8088930838d88f008e0"}
    key = f"slack:command:{uid}:{body['trigger_id']}"
    assert slack_app.run(slack_app.services.conversation.receive("slack", key, json.dumps(body))) == "handle"
    slack_app.clock.advance(timedelta(seconds=31))
    assert slack_app.run(replay_once(slack_app.services)) == 1
    with slack_app.session() as s:
        assert s.scalars(select(Person.status)).all() == ["paused"]
    [reply] = h.wait_for(lambda: slack_app.emu.responses, what="the reply at the response_url")
    assert reply["key"] == f"{uid}-replayed" and "Paused until" in json.dumps(reply)
    assert kept(slack_app)[0].done_at is not None


def test_a_home_button_delivered_twice_over_socket_mode_pauses_once(slack_app: Any, h: Any) -> None:
    from slack_bolt.request.async_request import AsyncBoltRequest

    uid, _ = question_for(slack_app, h)
    data = {"type": "block_actions", "team": {"id": "T0001", "domain": "example"},
            "user": {"id": uid, "username": "ada", "name": "ada", "team_id": "T0001"}, "api_app_id": "A0001",
            "token": "legacy", "trigger_id": "1.2.3", "container": {"type": "view", "view_id": "V1"},
            "view": {"id": "V1", "type": "home", "blocks": []},
            "actions": [{"type": "button", "action_id": "home:pause", "block_id": "home_actions",
                         "value": "pause 7d", "text": {"type": "plain_text", "text": "Pause"},
                         "action_ts": f"{time.time():.6f}"}]}
    bolt = slack_app.services.extras["slack_app"]

    async def envelope() -> Any:
        return await bolt.async_dispatch(AsyncBoltRequest(body=data, mode="socket_mode"))

    assert slack_app.run(envelope()).status == 200
    assert slack_app.run(envelope()).status == 200  # our ack was lost on the way: Slack delivers it again
    h.wait_for(lambda: slack_app.emu.calls_to("views.publish", ok=True), what="the home view republished")
    time.sleep(0.3)
    slack_app.run(slack_app.services.conversation.drain())
    with slack_app.session() as s:
        assert s.scalars(select(Person.status)).all() == ["paused"]
        assert len(s.scalars(select(LeavePeriod)).all()) == 1
    assert len(slack_app.emu.calls_to("views.publish", ok=True)) == 1
    [event] = kept(slack_app)
    assert event.key.startswith(f"slack:home:{uid}:") and event.done_at is not None


def test_a_typed_answer_over_socket_mode_is_kept_before_its_ack_and_a_redelivery_is_recorded_once(
        slack_app: Any, h: Any) -> None:
    from slack_bolt.request.async_request import AsyncBoltRequest

    uid, _ = question_for(slack_app, h)
    body = typed_body(uid, "2", "Ev00SOCKET")
    bolt = slack_app.services.extras["slack_app"]

    async def envelope() -> Any:
        # What Bolt's Socket Mode handler does with an events_api envelope's payload; it acks on return.
        response = await bolt.async_dispatch(AsyncBoltRequest(body=body, mode="socket_mode"))
        return response, [e.key for e in kept(slack_app)]

    response, keys = slack_app.run(envelope())
    assert response.status == 200 and keys == ["slack:event:Ev00SOCKET"]  # kept by the time the ack goes out
    assert slack_app.run(envelope())[0].status == 200  # Slack delivers it again (our ack was lost on the way)
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="the feedback edit")
    time.sleep(0.3)
    slack_app.run(slack_app.services.conversation.drain())
    assert [a.choice_index for a in answers(slack_app)] == [1]
