"""SIGTERM and Ctrl-C: stop taking work, finish or give back what is in flight, exit 0; twice exits at once."""

from __future__ import annotations

import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from core.models import Delivery
from tests.faults.harness import Faults, wait_for


@pytest.fixture
def faults(tmp_path: Path) -> Faults:
    f = Faults(f"sqlite:///{tmp_path}/stop.db", tmp_path, learners=20)
    yield f
    f.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def held(faults: Faults) -> list[Delivery]:
    with faults.db.session() as s:
        return list(s.scalars(select(Delivery).where(Delivery.status == "pending", Delivery.lease_until.is_not(None))))


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_worker_stops_gracefully_and_gives_back_what_it_could_not_send(faults: Faults, sig: int) -> None:
    faults.slack.inject("chat.postMessage", 1000, status=429, retry_after=30)  # Slack sends hang in Retry-After
    proc = faults.start()
    wait_for(lambda: faults.statuses()["sent"] >= 10 and held(faults), 30, "Telegram sent, Slack held")
    started = time.monotonic()
    proc.send_signal(sig)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert time.monotonic() - started < 5 + 4  # the grace period, plus start-up of the shutdown
    assert "Traceback" not in out, out
    assert held(faults) == []  # nothing left leased: the next worker takes it at once
    statuses = faults.statuses()
    assert statuses["sent"] + statuses["pending"] == 20 and statuses["pending"] == 10


def test_a_second_signal_exits_at_once(faults: Faults) -> None:
    faults.slack.slow["chat.postMessage"] = 20.0  # sends in flight for a long time
    proc = faults.start(SHUTDOWN_GRACE_SECONDS="60")
    wait_for(lambda: held(faults), 30, "a claim in flight")
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    started = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=10)
    assert time.monotonic() - started < 3
    assert proc.returncode != 0
    assert "exiting now" in out


def test_sends_in_flight_finish_within_the_grace_period(faults: Faults) -> None:
    faults.slack.slow["chat.postMessage"] = 1.5
    proc = faults.start()
    wait_for(lambda: faults.slack.calls_to("conversations.open"), 30, "Slack sends to start")
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0, out
    assert held(faults) == []
    # What was on its way when the signal came was recorded, not dropped: every post is marked sent.
    posted = {m["metadata"]["event_payload"]["key"] for m in faults.slack.posted()}
    with faults.db.session() as s:
        sent = set(s.scalars(select(Delivery.key).where(Delivery.channel == "slack", Delivery.status == "sent")))
    assert posted and posted == sent


@pytest.mark.parametrize("command", ["web", "run"])
def test_web_and_run_exit_0_on_sigterm_even_with_a_refused_slack_app_token(faults: Faults, command: str) -> None:
    port = free_port()
    proc = faults.start(command, "--port", str(port), SLACK_APP_TOKEN="xapp-1-refused", LOG_LEVEL="INFO")
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=2) as http:
            wait_for(lambda: _healthy(http), 20, f"nudgebot {command} to serve /healthz")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    assert "Traceback" not in out, out
    refused = [line for line in out.splitlines() if "SLACK_APP_TOKEN was refused" in line]
    assert len(refused) == 1, out
    assert len(faults.slack.calls_to("apps.connections.open")) == 1
    assert "xapp-1-refused" not in out


def _healthy(http: httpx.Client) -> bool:
    try:
        return http.get("/healthz").status_code == 200
    except httpx.TransportError:
        time.sleep(0.1)
        return False
