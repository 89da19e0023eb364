"""An update Telegram (or a command Slack) was told arrived, whose process died before handling it, is handled after
a restart, once."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import psycopg
import pytest
from sqlalchemy import func, select

from core.models import ChatAccount, Delivery, InboxEvent, LeavePeriod, Person
from tests.faults.harness import Faults, kill, wait_for
from tests.faults.test_shutdown import _healthy, free_port

SECRET = "inbox-secret_token"
CHAT = 700000  # the harness's first learner, on Telegram
KEY = "telegram:update:901"


@pytest.fixture
def faults(tmp_path: Path, pg_url: str) -> Faults:
    f = Faults(pg_url, tmp_path, learners=4)
    yield f
    f.close()


def stats_update(update_id: int) -> dict[str, Any]:
    """Return a typed /stats from the first learner, as Telegram posts it to the webhook."""
    person = {"id": CHAT, "is_bot": False, "first_name": "L0", "language_code": "en"}
    return {"update_id": update_id, "message": {"message_id": 5, "date": int(time.time()), "from": person,
                                                "chat": {"id": CHAT, "type": "private", "first_name": "L0"},
                                                "text": "/stats"}}


def replies(faults: Faults) -> int:
    with faults.db.session() as s:
        return int(s.scalar(select(func.count()).select_from(Delivery).where(
            Delivery.key.like("reply:%"), Delivery.address == str(CHAT))) or 0)


def handled(faults: Faults) -> bool:
    with faults.db.session() as s:
        return s.scalar(select(InboxEvent.done_at).where(InboxEvent.key == KEY)) is not None


def web(faults: Faults, port: int) -> Any:
    proc = faults.start("web", "--port", str(port), TELEGRAM_WEBHOOK_SECRET=SECRET, INBOX_LEASE_SECONDS="0.5",
                        INBOX_REPLAY_SECONDS="0.2")
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
        wait_for(lambda: _healthy(http), 30, "nudgebot web to serve /healthz")
    return proc


def test_an_acknowledged_update_killed_before_handling_is_handled_after_restart_once(faults: Faults,
                                                                                      pg_url: str) -> None:
    port = free_port()
    # The update's handling waits on this lock (its reply refers to the learner's row), so the process dies
    # between ack and record.
    with faults.db.session() as s:
        learner = s.scalar(select(ChatAccount.person_id).where(ChatAccount.user_id == str(CHAT)))
    blocker = psycopg.connect(pg_url)
    blocker.execute("SELECT id FROM people WHERE id = %s FOR UPDATE", [learner])
    proc = web(faults, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            resp = http.post("/telegram/webhook", json=stats_update(901),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert resp.status_code == 200  # Telegram will not send this update again
        time.sleep(0.3)
        assert replies(faults) == 0
    finally:
        out = kill(proc)
        blocker.rollback()
        blocker.close()
    assert not handled(faults), out
    proc = web(faults, port)
    try:
        wait_for(lambda: handled(faults) and replies(faults), 30, "the update to be handled after the restart")
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            again = http.post("/telegram/webhook", json=stats_update(901),
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
        assert again.status_code == 200 and again.json() == {"ok": True}
        time.sleep(1.5)  # past the lease and a few replays: nothing handles it a second time
        assert replies(faults) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out


def test_in_the_procfile_layout_a_web_app_handing_off_keeps_the_update_and_a_worker_handles_it_once(
        faults: Faults) -> None:
    port = free_port()
    proc = faults.start("web", "--port", str(port), TELEGRAM_WEBHOOK_SECRET=SECRET, INBOX_HAND_OFF="1")
    worker = None
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            wait_for(lambda: _healthy(http), 30, "nudgebot web to serve /healthz")
            resp = http.post("/telegram/webhook", json=stats_update(902),
                             headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert resp.status_code == 200
            time.sleep(0.5)
            assert replies(faults) == 0  # the web app only kept it
            worker = faults.start("worker", INBOX_HAND_OFF="1", INBOX_POLL_SECONDS="0.05")
            wait_for(lambda: replies(faults) == 1, 30, "the worker to handle the update")
            again = http.post("/telegram/webhook", json=stats_update(902),
                              headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
            assert again.status_code == 200 and again.json() == {"ok": True}
        time.sleep(0.5)
        assert replies(faults) == 1
    finally:
        outs = []
        for p in (proc, worker):
            if p is not None:
                p.send_signal(signal.SIGTERM)
                outs.append(p.communicate(timeout=30)[0])
    assert all("Traceback" not in out for out in outs), outs


def test_an_acknowledged_slack_command_killed_before_running_is_run_after_restart_once(faults: Faults,
                                                                                        pg_url: str) -> None:
    from slack_sdk.signature import SignatureVerifier

    port = free_port()
    uid = "U00001"  # the harness's second learner, on Slack
    with faults.db.session() as s:
        learner = s.scalar(select(ChatAccount.person_id).where(ChatAccount.user_id == uid))
    body = urlencode({"team_id": "T0001", "channel_id": "D" + uid, "user_id": uid, "user_name": "l1",
                      "command": "/nudge", "text": "pause 10d", "api_app_id": "A0001",
                      "response_url": faults.slack.response_url(f"{uid}-pause"),
                      "trigger_id": "13345224609.738474920.8088930838d88f008e0"})

    def post(http: httpx.Client) -> httpx.Response:
        ts = str(int(time.time()))
        signature = SignatureVerifier("x" * 32).generate_signature(timestamp=ts, body=body)
        return http.post("/slack/events", content=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature})

    def status() -> str | None:
        with faults.db.session() as s:
            return s.scalar(select(Person.status).where(Person.id == learner))

    # Pausing waits on this lock on the learner's row, so the process dies between the ack and the pause.
    blocker = psycopg.connect(pg_url)
    blocker.execute("SELECT id FROM people WHERE id = %s FOR UPDATE", [learner])
    proc = web(faults, port)
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            assert post(http).status_code == 200  # Slack never sends a command again
        time.sleep(0.3)
    finally:
        out = kill(proc)
        blocker.rollback()
        blocker.close()
    assert status() == "active" and faults.slack.responses == [], out
    proc = web(faults, port)
    try:
        wait_for(lambda: status() == "paused" and faults.slack.responses, 30, "the pause after the restart")
        time.sleep(1.5)  # past the lease and a few replays: nothing runs it a second time
        [reply] = faults.slack.responses
        assert reply["key"] == f"{uid}-pause" and "Paused until" in str(reply)
        with faults.db.session() as s:
            assert s.scalar(select(func.count()).select_from(LeavePeriod).where(LeavePeriod.person_id == learner)) == 1
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "Traceback" not in out, out
