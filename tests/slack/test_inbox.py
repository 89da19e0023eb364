"""Presses are kept in the inbox before Slack is told they arrived: one sent again, or left open, is recorded once."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import select

from bot.inbox_replay import replay_once
from core.models import Answer, InboxEvent

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
