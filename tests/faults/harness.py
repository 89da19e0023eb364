"""Fault-test harness: both platform emulators, a database with due deliveries, and real worker processes."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from sqlalchemy import func, select

from bot.dbsetup import upgrade
from core.db import Database
from core.models import Delivery, Person
from core.render import info_message
from core.services import outbox, people
from tests.telegram.emulator import TOKEN as TELEGRAM_TOKEN
from tests.telegram.emulator import TelegramEmulator

ROOT = Path(__file__).resolve().parents[2]


def slack_emulator_module() -> ModuleType:
    """Load tests/slack/emulator.py by path, once (as tests/slack/conftest.py does)."""
    name = "nudgebot_tests_slack_emulator"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, ROOT / "tests" / "slack" / "emulator.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


class Faults:
    """Emulators plus a database whose outbox holds one marked message per learner."""

    def __init__(self, db_url: str, tmp_path: Path, learners: int = 200, *, fill: bool = True) -> None:
        self.db_url = db_url
        self.tmp_path = tmp_path
        self.slack = slack_emulator_module().SlackEmulator().start()
        self.telegram = TelegramEmulator(global_rate=100_000).start()
        for server in (self.slack.server, self.telegram.server):
            server.handle_error = _quiet  # a killed worker resets its connections; that is the point
        self.db = Database(db_url)
        self.keys: dict[str, str] = {}  # delivery key -> platform
        self.learners = learners
        upgrade(db_url)
        if fill:
            self.fill()

    def fill(self) -> None:
        """Add the learners and queue one marked message each, due now."""
        learners = self.learners
        now = datetime.now(UTC)
        rows = []
        for i in range(learners):
            if i % 2:
                uid = f"U{i:05d}"
                self.slack.add_user(uid, email=f"l{i}@example.com", tz="UTC")
                rows.append(f"l{i}@example.com,L{i},UTC,en,,learner,{uid},")
            else:
                rows.append(f"l{i}@example.com,L{i},UTC,en,,learner,,{700000 + i}")
        roster = self.tmp_path / "roster.csv"
        roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                          + "\n".join(rows) + "\n", encoding="utf-8")
        with self.db.session() as s:
            people.import_roster(s, roster, now)
            for p in s.scalars(select(Person)):
                p.platform_checked_at = now  # profiles are not what these tests are about
                key = f"fault:{p.id}"
                outbox.enqueue(s, key=key, person=p, kind="info", due=now,
                               message=info_message(f"marker {key} end"))
                self.keys[key] = p.channel

    def env(self, **extra: str) -> dict[str, str]:
        """Return a worker's environment: both emulators, fast ticks, short leases, small batches."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
        env.update(DATABASE_URL=self.db_url, SLACK_BOT_TOKEN=slack_emulator_module().TOKEN,
                   SLACK_API_URL=self.slack.api_url, SLACK_SIGNING_SECRET="x" * 32, SLACK_WORKSPACE_RATE="400",
                   TELEGRAM_BOT_TOKEN=TELEGRAM_TOKEN, TELEGRAM_API_URL=self.telegram.api_url,
                   TELEGRAM_GLOBAL_RATE="400", TICK_SECONDS="0.2", OUTBOX_BATCH="20", OUTBOX_LEASE_SECONDS="1",
                   SHUTDOWN_GRACE_SECONDS="5", LOG_LEVEL="WARNING")
        env.update(extra)
        return env

    def start(self, *args: str, **env: str) -> subprocess.Popen[str]:
        """Start `nudgebot <args>` (default: worker) as a process."""
        return subprocess.Popen([sys.executable, "-m", "bot.cli", *(args or ("worker",))], cwd=self.tmp_path,
                                env=self.env(**env), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def delivered(self) -> Counter[str]:
        """Return how many times each marker reached either platform."""
        seen: Counter[str] = Counter()
        texts = [m["text"] for m in self.slack.posted()]
        with self.telegram.lock:
            texts += [m.text for m in self.telegram.messages.values()]
        for text in texts:
            start = text.find("marker ")
            if start >= 0:
                seen[text[start + 7 :].split()[0]] += 1
        return seen

    def in_flight(self) -> Counter[str]:
        """Return, per platform, the deliveries claimed and not yet recorded (what a kill leaves open)."""
        with self.db.session() as s:
            rows = s.execute(select(Delivery.channel, func.count()).where(
                Delivery.status == "pending", Delivery.lease_until.is_not(None)).group_by(Delivery.channel)).all()
        return Counter({channel: n for channel, n in rows})

    def statuses(self) -> Counter[str]:
        """Return how many deliveries are in each status."""
        with self.db.session() as s:
            return Counter(dict(s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all()))

    def close(self) -> None:
        """Stop the emulators and close the database."""
        self.slack.stop()
        self.telegram.stop()
        self.db.dispose()


def _quiet(_request: Any, _address: Any) -> None:
    """Ignore a connection the client dropped."""


def kill(proc: subprocess.Popen[str]) -> str:
    """SIGKILL a process and return its output."""
    proc.send_signal(signal.SIGKILL)
    out, _ = proc.communicate(timeout=10)
    return out


def wait_for(predicate: Any, timeout: float, what: str) -> Any:
    """Poll `predicate` until truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)
