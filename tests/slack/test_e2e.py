"""End to end: the real app under uvicorn, the real slack_sdk client, a Slack API emulator."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from core.models import Answer


def test_tick_delivers_lesson_and_question_as_dm_with_buttons(slack_app: Any, h: Any) -> None:
    [uid] = slack_app.learners(1)
    slack_app.tick()
    report = slack_app.tick(h.NINE)
    assert len(report.dispatch.sent) == 2
    lesson, question = slack_app.emu.posted("DU0001")
    assert lesson["blocks"][0]["type"] == "header"
    assert "Phishing" in lesson["text"]
    buttons = next(b for b in question["blocks"] if b["type"] == "actions")["elements"]
    assert len(buttons) >= 2
    assert all(b["value"].startswith("a:") for b in buttons)
    assert len({b["action_id"] for b in buttons}) == len(buttons)
    assert "Choices:" in question["text"]
    assert len(slack_app.emu.calls_to("conversations.open")) == 1


def delivered(app: Any, h: Any, n: int = 1) -> list[str]:
    ids = app.learners(n)
    app.tick()
    app.tick(h.NINE)
    return ids


def answers(app: Any) -> list[Answer]:
    with app.session() as s:
        return list(s.scalars(select(Answer)))


def test_pressing_a_button_records_the_answer_and_turns_the_question_into_feedback(slack_app: Any, h: Any) -> None:
    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    resp = slack_app.press(uid, question, 0)
    assert resp.status_code == 200
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="chat.update")
    updated = slack_app.emu.posted("DU0001")[1]
    assert not any(b["type"] == "actions" for b in updated["blocks"])
    text = " ".join(b.get("text", {}).get("text", "") for b in updated["blocks"])
    assert "✅" in text and "Correct" in text
    assert "Explanation" in text
    [answer] = answers(slack_app)
    assert answer.correct and answer.choice_index == 0
    # The unit's next question (if any) arrives as a new DM right away; nothing was posted twice.
    texts = [m["text"] for m in slack_app.emu.posted("DU0001")]
    assert len(texts) == len(set(texts))


def test_wrong_answer_shows_the_right_one(slack_app: Any, h: Any) -> None:
    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    slack_app.press(uid, question, 1)
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="chat.update")
    text = " ".join(b.get("text", {}).get("text", "") for b in slack_app.emu.posted("DU0001")[1]["blocks"])
    assert "❌" in text and "The correct answer is" in text


def test_second_press_changes_nothing_and_gets_an_ephemeral_note(slack_app: Any, h: Any) -> None:
    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    slack_app.press(uid, question, 0)
    h.wait_for(lambda: answers(slack_app), what="answer")
    slack_app.press(uid, question, 1)
    note = h.wait_for(lambda: slack_app.emu.ephemeral, what="ephemeral note")[0]
    assert note["user"] == uid and note["channel"] == "DU0001"
    assert "already answered" in note["text"]
    [answer] = answers(slack_app)
    assert answer.choice_index == 0
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] >= 1, what="the feedback edit")
    assert slack_app.emu.posted("DU0001")[1]["edits"] == 1


def test_press_by_someone_else_changes_nothing(slack_app: Any, h: Any) -> None:
    uids = delivered(slack_app, h, 2)
    question = slack_app.emu.posted("DU0001")[1]
    slack_app.press(uids[1], question, 0)
    note = h.wait_for(lambda: slack_app.emu.ephemeral, what="ephemeral note")[0]
    assert note["user"] == uids[1]
    assert "someone else" in note["text"]
    assert answers(slack_app) == []
    assert slack_app.emu.posted("DU0001")[1]["edits"] == 0


def test_duplicated_interaction_records_one_answer(slack_app: Any, h: Any) -> None:
    import concurrent.futures

    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        codes = list(pool.map(lambda _: slack_app.press(uid, question, 0).status_code, range(4)))
    assert codes == [200] * 4
    h.wait_for(lambda: len(slack_app.emu.ephemeral) == 1, what="one 'already answered' note")
    for _ in range(3):  # pressing on and on still gives one note per person and question
        assert slack_app.press(uid, question, 1).status_code == 200
    slack_app.run(slack_app.services.conversation.drain())
    import time
    time.sleep(0.3)
    assert len(slack_app.emu.ephemeral) == 1
    assert len(answers(slack_app)) == 1
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] >= 1, what="the feedback edit")
    assert slack_app.emu.posted("DU0001")[1]["edits"] == 1


def test_forged_or_stale_requests_get_401_and_change_nothing(slack_app: Any, h: Any) -> None:
    import json
    import time
    from urllib.parse import urlencode

    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    payload = urlencode({"payload": json.dumps({
        "type": "block_actions", "user": {"id": uid}, "team": {"id": "T0001"},
        "container": {"type": "message", "message_ts": question["ts"], "channel_id": "DU0001"},
        "actions": [{"type": "button", "action_id": "a:0", "value": question["blocks"][-1]["elements"][0]["value"],
                     "block_id": "choices"}]})})
    form = "application/x-www-form-urlencoded"
    bad_secret = slack_app.post(payload, form, h.sign(payload, secret="not-the-secret"), signed=False)
    unsigned = slack_app.post(payload, form, signed=False)
    stale = slack_app.post(payload, form, h.sign(payload, ts=int(time.time()) - 6 * 60), signed=False)
    tampered = slack_app.post(payload + "x", form, h.sign(payload), signed=False)
    assert [r.status_code for r in (bad_secret, unsigned, stale, tampered)] == [401] * 4
    time.sleep(0.3)
    assert answers(slack_app) == []
    assert slack_app.emu.posted("DU0001")[1]["edits"] == 0
    assert slack_app.emu.ephemeral == []


def test_url_verification_answers_the_challenge(slack_app: Any) -> None:
    import json

    body = json.dumps({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P",
                       "type": "url_verification"})
    resp = slack_app.post(body, "application/json")
    assert resp.status_code == 200
    assert "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" in resp.text


def test_a_retried_event_is_processed_once(slack_app: Any, h: Any) -> None:
    [uid] = slack_app.learners(1)
    event = {"type": "app_home_opened", "user": uid, "channel": "DU0001", "tab": "home",
             "event_ts": "1712345678.000100"}
    assert slack_app.event(event, event_id="Ev0HOME").status_code == 200
    h.wait_for(lambda: slack_app.emu.calls_to("views.publish"), what="views.publish")
    assert slack_app.event(event, event_id="Ev0HOME", retry=1).status_code == 200
    assert slack_app.event(event, event_id="Ev0HOME", retry=2).status_code == 200
    slack_app.event(event, event_id="Ev0OTHER")
    h.wait_for(lambda: len(slack_app.emu.calls_to("views.publish")) == 2, what="second publish")
    assert len(slack_app.emu.calls_to("views.publish")) == 2


def test_ack_comes_within_slacks_deadline_while_the_database_is_locked(slack_app: Any, h: Any) -> None:
    import sqlite3
    import time

    [uid] = delivered(slack_app, h)
    question = slack_app.emu.posted("DU0001")[1]
    lock = sqlite3.connect(str(slack_app.tmp_path / "nb.db"), timeout=1)
    lock.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        resp = slack_app.press(uid, question, 0)
        took = time.monotonic() - started
        assert resp.status_code == 200
        assert took < 3.0  # the press could not be kept: acknowledged all the same before Slack gives up
        time.sleep(0.5)
        assert slack_app.emu.posted("DU0001")[1]["edits"] == 0  # the work waits for the database
    finally:
        lock.rollback()
        lock.close()
    h.wait_for(lambda: slack_app.emu.posted("DU0001")[1]["edits"] == 1, what="update after the lock")
    assert len(answers(slack_app)) == 1


def test_after_a_restart_a_press_in_a_dm_sends_the_next_question_there_without_opening_it_again(
        make_app: Any, h: Any) -> None:
    first = make_app()
    [uid] = delivered(first, h)
    question = first.emu.posted("DU0001")[1]
    first.stop()
    opened = len(first.emu.calls_to("conversations.open"))
    again = make_app()  # a new process: it has not opened any conversation yet
    again.clock.set(first.clock.now())
    assert again.press(uid, question, 0).status_code == 200
    h.wait_for(lambda: len(again.emu.posted("DU0001")) == 3, what="the unit's next question")
    assert "Choices:" in again.emu.posted("DU0001")[2]["text"]
    assert len(again.emu.calls_to("conversations.open")) == opened
