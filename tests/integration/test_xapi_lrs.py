"""Statements reach a real Learning Record Store (Ralph, file-system backend) running on loopback."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import bcrypt
import httpx
import pytest

from bot.lrs import LRSClient, SendResult
from core import xapi

USERNAME, PASSWORD = "nudgebot", "not-a-real-secret"
STARTUP_TIMEOUT = 20.0
# Set to another interpreter (a virtualenv with ralph-malph[lrs]) to run Ralph outside the dev env.
RALPH_PYTHON = os.environ.get("NUDGEBOT_RALPH_PYTHON", sys.executable)
# Ralph 5.1's file-system LRS backend writes its one statements file in "create" mode, so every POST
# after the first that holds a new statement fails with 500 ("fs_lrs.jsonl already exists"). Its
# own "append" mode is what a long-running LRS needs; nothing else about the server is changed.
LAUNCH_RALPH = """
import sys, uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend
FSLRSBackend.default_operation_type = BaseOperationType.APPEND
uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
"""

CONFIG = xapi.XapiConfig(activity_base="https://nudgebot.example/xapi/activities", home_page="https://nudgebot.example")
AT = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RalphServer:
    """Ralph's LRS API under uvicorn, storing statements in a directory that survives restarts."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI"
        self.log = root / "ralph.log"
        (root / "store").mkdir(parents=True, exist_ok=True)
        hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
        user = {"agent": {"mbox": "mailto:lrs-admin@example.org"}, "scopes": ["all"], "hash": hashed}
        (root / "auth.json").write_text(json.dumps([{**user, "username": USERNAME}]))
        self.process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        """Return the environment that points Ralph at our store, credentials and app dir."""
        return {
            **os.environ,
            "RALPH_APP_DIR": str(self.root),
            "RALPH_AUTH_FILE": str(self.root / "auth.json"),
            "RALPH_RUNSERVER_BACKEND": "fs",
            "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.root / "store"),
            "RALPH_SENTRY_DSN": "",
        }

    def start(self) -> None:
        """Launch the server and return once it answers its heartbeat, or fail with its log."""
        command = [RALPH_PYTHON, "-c", LAUNCH_RALPH, str(self.port)]
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, env=self.env(), stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._ready():
            if self.process.poll() is not None:
                pytest.fail(f"Ralph LRS exited with {self.process.returncode} on startup:\n{self._log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"Ralph LRS not ready on port {self.port} within {STARTUP_TIMEOUT}s:\n{self._log_tail()}")
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s)."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)

    def stored(self, statement_id: str) -> list[dict[str, Any]]:
        """Return what GET /xAPI/statements?statementId= finds for this id."""
        response = httpx.get(
            f"{self.url}/statements",
            params={"statementId": statement_id},
            auth=(USERNAME, PASSWORD),
            headers={"X-Experience-API-Version": "1.0.3"},
        )
        if response.status_code == 404:
            return []
        response.raise_for_status()
        body = response.json()
        return list(body["statements"]) if "statements" in body else [body]

    def all_ids(self) -> list[str]:
        """Return the id of every statement line in the store, duplicates included."""
        lines = (self.root / "store" / "fs_lrs.jsonl").read_text().splitlines()
        return [json.loads(line)["id"] for line in lines if line.strip()]

    def _ready(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/__heartbeat__", timeout=1).status_code == 200
        except httpx.TransportError:
            return False

    def _log_tail(self) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-30:])


@pytest.fixture(scope="module")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphServer]:
    """One Ralph LRS for this module's tests."""
    server = RalphServer(tmp_path_factory.mktemp("ralph"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def own_ralph(tmp_path: Path) -> Iterator[RalphServer]:
    """A Ralph LRS this test may stop and restart."""
    server = RalphServer(tmp_path / "ralph")
    server.start()
    yield server
    server.stop()


def send(url: str, statements: list[dict[str, Any]]) -> SendResult:
    """Send through a fresh LRSClient (its own HTTP client, closed afterwards)."""

    async def go() -> SendResult:
        async with LRSClient(url, USERNAME, PASSWORD, timeout=3.0) as client:
            return await client.send(statements)

    return asyncio.run(go())


def statements(tag: str) -> list[dict[str, Any]]:
    """Return one of each kind of statement, keyed by `tag` so tests sharing an LRS do not collide."""
    learner = xapi.Learner(key=f"42-{tag}", email="ada@example.org")
    enrollment = xapi.EnrollmentRef(f"7-{tag}", learner, "q1-onboarding", "Q1 onboarding", "security", "Security")
    return [
        xapi.experienced(CONFIG, xapi.LessonDelivered(f"d-{tag}", enrollment, "phishing", "Spotting phishing", AT)),
        xapi.answered(
            CONFIG,
            xapi.QuestionAnswered(
                f"a-{tag}",
                enrollment,
                "q-links",
                "Which link is safe?",
                ("The shortened one", "The one on our own domain"),
                (1,),
                1,
                timedelta(seconds=12.34),
                AT + timedelta(minutes=1),
            ),
        ),
        xapi.passed(CONFIG, xapi.TrackOutcome(f"o-{tag}", enrollment, 0.75, AT + timedelta(days=9), raw=3, max=4)),
    ]


def test_statements_reach_the_lrs_with_their_verb_and_result(ralph: RalphServer) -> None:
    batch = statements("reach")
    result = send(ralph.url, batch)
    assert result.ok and result.sent == tuple(s["id"] for s in batch)
    lesson, answer, outcome = (ralph.stored(s["id"]) for s in batch)
    assert lesson[0]["verb"]["id"] == xapi.VERB_EXPERIENCED
    assert answer[0]["verb"]["id"] == xapi.VERB_ANSWERED
    assert answer[0]["result"] == {"success": True, "response": "choice-1", "duration": "PT12.34S"}
    assert answer[0]["object"]["definition"]["correctResponsesPattern"] == ["choice-1"]
    assert outcome[0]["verb"]["id"] == xapi.VERB_PASSED
    assert outcome[0]["result"]["score"]["scaled"] == 0.75
    assert answer[0]["actor"]["account"]["name"] != "ada@example.org"


def test_resending_the_same_statements_stores_no_duplicate(ralph: RalphServer) -> None:
    batch = statements("resend")
    first, again = send(ralph.url, batch), send(ralph.url, batch)
    assert first.ok and again.ok and again.sent == first.sent
    ids = ralph.all_ids()
    assert all(ids.count(s["id"]) == 1 for s in batch)


def test_a_malformed_statement_is_rejected_for_good_and_the_rest_of_its_batch_stored(ralph: RalphServer) -> None:
    good = statements("malformed")
    bad = {**good[0], "id": "11111111-2222-5333-8444-555555555555"}
    del bad["actor"]
    result = send(ralph.url, [good[1], bad, good[2]])
    assert [r.statement_id for r in result.rejected] == [bad["id"]]
    assert result.rejected[0].status in (400, 422) and "actor" in result.rejected[0].message
    assert result.sent == (good[1]["id"], good[2]["id"]) and not result.retry
    assert ralph.stored(good[1]["id"]) and ralph.stored(good[2]["id"])


def test_a_changed_statement_under_a_stored_id_counts_as_already_there(ralph: RalphServer) -> None:
    original = statements("conflict")
    send(ralph.url, original[:1])
    changed = {**original[0], "object": {**original[0]["object"], "id": CONFIG.activity_base + "/renamed"}}
    result = send(ralph.url, [changed, original[1]])
    assert result.ok and result.sent == (changed["id"], original[1]["id"])
    assert ralph.stored(changed["id"])[0]["object"]["id"] == original[0]["object"]["id"]


def test_an_lrs_outage_means_retry_later_and_the_retry_stores_each_statement_once(own_ralph: RalphServer) -> None:
    first, second = statements("outage-1"), statements("outage-2")
    assert send(own_ralph.url, first).ok
    own_ralph.stop()
    down = send(own_ralph.url, second)
    assert down.retry == tuple(s["id"] for s in second) and not down.sent and not down.rejected
    assert down.error is not None and "unreachable" in down.error
    own_ralph.start()
    # The outbox re-sends everything not known to be stored, including the already-stored batch.
    again = send(own_ralph.url, first + second)
    assert again.ok and len(again.sent) == 6
    ids = own_ralph.all_ids()
    assert sorted(ids) == sorted(s["id"] for s in first + second)


def test_wrong_credentials_keep_the_statements_for_a_retry(ralph: RalphServer) -> None:
    async def go() -> SendResult:
        async with LRSClient(ralph.url, USERNAME, "wrong") as client:
            return await client.send(statements("auth"))

    result = asyncio.run(go())
    assert len(result.retry) == 3 and not result.rejected
    assert result.error is not None and "401" in result.error
