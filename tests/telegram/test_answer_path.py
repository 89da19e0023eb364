"""A button press is answered in the webhook's own response, before any reply, and never waits for sends."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.inbox_replay import replay_once
from tests.support import wait_until
from tests.telegram.conftest import SECRET, App
from tests.telegram.helpers import ADA, answers, join_berlin

FIRST_NUDGE = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)  # 09:31 in Berlin on the first campaign day


def question_of(app: App) -> Any:
    """Join Ada in Berlin, deliver her first nudge and return the question message."""
    join_berlin(app)
    app.tick(FIRST_NUDGE)
    app.clock.advance(timedelta(minutes=2))
    return app.emulator.sent_to(ADA)[-1]


def raw_post(app: App, update: dict[str, Any]) -> httpx.Response:
    """POST an update without performing its response's method (to look at the response itself)."""
    return app.client.post(f"{app.url}/telegram/webhook", json=update,
                           headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})


def test_a_press_is_answered_in_the_webhook_response_before_any_reply(app: App) -> None:
    question = question_of(app)
    before = len(app.emulator.calls)
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    press = app.updates.callback(ADA, question, data)
    response = raw_post(app, press)
    assert response.status_code == 200
    # The method Telegram performs for us: no Bot API request of ours is needed to stop the spinner.
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": press["callback_query"]["id"]}
    assert answers(app) == 1
    app.settle()
    later = [c.method for c in app.emulator.calls[before:]]
    assert "answerCallbackQuery" not in later and "editMessageText" in later  # the feedback edit follows


def test_a_second_press_gets_its_notice_in_the_response(app: App) -> None:
    question = question_of(app)
    buttons = question.reply_markup["inline_keyboard"]
    app.post(app.updates.callback(ADA, question, buttons[0][0]["callback_data"]))
    again = raw_post(app, app.updates.callback(ADA, question, buttons[1][0]["callback_data"])).json()
    assert again["method"] == "answerCallbackQuery" and "already answered" in again["text"]
    assert answers(app) == 1


def test_the_webhook_fails_soon_while_the_database_is_locked_and_the_retry_finds_the_press_recorded(
        app_factory: Any, tmp_path: Path) -> None:
    app: App = app_factory(telegram_webhook_wait=0.025)
    question = question_of(app)
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    press = app.updates.callback(ADA, question, data)
    lock = sqlite3.connect(str(tmp_path / "nb.db"), timeout=1)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        response = raw_post(app, press)
        took = time.monotonic() - started
        # Not kept, so not acknowledged: Telegram sends it again rather than lose it.
        assert response.status_code == 503
        assert took < 3.0
    finally:
        lock.rollback()
        lock.close()
    wait_until(lambda: answers(app) == 1, 10, "the press recorded once the database is free")
    app.settle()
    edited = next(m for m in app.emulator.sent_to(ADA) if m.message_id == question.message_id)
    assert edited.edits == 1
    retry = raw_post(app, press)
    assert retry.status_code == 200 and retry.json() == {"ok": True}
    assert answers(app) == 1


def test_presses_at_once_are_each_answered_exactly_once(app_factory: Any) -> None:
    app: App = app_factory(telegram_webhook_wait=0.0)  # every webhook answers before its press is handled
    question = question_of(app)
    buttons = [row[0]["callback_data"] for row in question.reply_markup["inline_keyboard"]]
    presses = [app.updates.callback(ADA, question, buttons[i % len(buttons)]) for i in range(12)]

    def post(update: dict[str, Any]) -> Any:
        with httpx.Client(timeout=10) as client:
            return client.post(f"{app.url}/telegram/webhook", json=update,
                               headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}).json()

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(post, presses))
    wait_until(lambda: answers(app) == 1, 10, "one of the presses recorded")
    app.settle()
    answered = [r["callback_query_id"] for r in responses if r.get("method") == "answerCallbackQuery"]
    answered += [a["callback_query_id"] for a in app.emulator.callback_answers]
    assert sorted(answered) == sorted(p["callback_query"]["id"] for p in presses)
    edited = next(m for m in app.emulator.sent_to(ADA) if m.message_id == question.message_id)
    assert edited.edits == 1


def test_a_web_app_that_hands_updates_off_stops_the_spinner_at_once_and_a_worker_records_the_press(
        app_factory: Any) -> None:
    app: App = app_factory(inbox_hand_off=True, inbox_replay_seconds=3600.0)
    conversation = app.services.conversation
    assert conversation.hand_off
    conversation.hand_off = False  # Ada joins through a web app that handles updates itself
    question = question_of(app)
    conversation.hand_off = True
    data = question.reply_markup["inline_keyboard"][0][0]["callback_data"]
    press = app.updates.callback(ADA, question, data)
    response = raw_post(app, press)
    assert response.json() == {"method": "answerCallbackQuery", "callback_query_id": press["callback_query"]["id"]}
    time.sleep(0.2)
    assert answers(app) == 0  # only kept: the workers record it
    # A worker's poll (here on the app's loop, where the Telegram client lives).
    poll = asyncio.run_coroutine_threadsafe(replay_once(app.services, handed_off=True), app.server_loop)
    assert poll.result(30) == 1
    assert answers(app) == 1
    app.settle()
    edited = next(m for m in app.emulator.sent_to(ADA) if m.message_id == question.message_id)
    assert edited.edits == 1
    assert raw_post(app, press).json() == {"ok": True}  # Telegram's redelivery: handled before
    assert answers(app) == 1
