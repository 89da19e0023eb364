"""Fixtures: a Slack Web API emulator, the real app under uvicorn, and signed Slack requests."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import importlib.util
import json
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
import pytest
import uvicorn
from sqlalchemy.orm import Session

from bot.bootstrap import Services, bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from bot.web import create_app
from content.campaign import CampaignSpec
from content.loader import load_track_file
from core.clock import VirtualClock
from core.db import Database
from core.ratelimit import SharedLimiter
from core.services import campaigns, people, tracks
from scheduler.worker import TickReport, tick
from tests.support import ScaledTime, wait_until

# The emulator module is loaded by path: "slack" and "emulator" are names other packages use.
_spec = importlib.util.spec_from_file_location("nudgebot_tests_slack_emulator", Path(__file__).with_name("emulator.py"))
assert _spec is not None and _spec.loader is not None
emulator_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = emulator_module
_spec.loader.exec_module(emulator_module)
SlackEmulator = emulator_module.SlackEmulator
TOKEN = emulator_module.TOKEN

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
LIBRARY = Path(__file__).resolve().parents[2] / "content" / "library"
# Monday 3 June 2024, 06:00 UTC = 08:00 in Berlin; the test campaign sends at 09:00 local.
START = datetime(2024, 6, 3, 6, 0, tzinfo=UTC)
# The emulator and the app's limiter and Retry-After waits share a clock this much faster than the wall
# clock: one post a second per DM and a 1 s Retry-After cost a tenth of that in real time.
SCALE = 10.0
T = TypeVar("T")


@pytest.fixture
def emulator() -> Iterator[Any]:
    """Run a Slack Web API emulator on 127.0.0.1."""
    emu = SlackEmulator().start()
    yield emu
    emu.stop()


def sign(body: str, secret: str = SECRET, ts: int | None = None) -> dict[str, str]:
    """Return Slack's v0 signature headers for `body`."""
    stamp = str(int(time.time()) if ts is None else ts)
    digest = hmac.new(secret.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": stamp, "X-Slack-Signature": f"v0={digest}"}


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SlackApp:
    """The nudgebot web app under uvicorn in a thread, with helpers to post Slack requests and tick."""

    def __init__(self, tmp_path: Path, emu: Any, template: Path | None = None, **settings: Any) -> None:
        self.emu = emu
        self.tmp_path = tmp_path
        self.settings = Settings(database_url=f"sqlite:///{tmp_path}/nb.db", slack_bot_token=TOKEN,
                                 slack_signing_secret=SECRET, slack_api_url=emu.api_url, slack_app_token=None,
                                 telegram_bot_token=None, slack_workspace_rate=settings.pop("rate", 100.0),
                                 **settings)
        if template is not None and "database_url" not in settings and not (tmp_path / "nb.db").exists():
            shutil.copyfile(template, tmp_path / "nb.db")  # the suite's migrated database, copied
        else:
            upgrade(self.settings.database_url)
        self.clock = VirtualClock(START)
        self.time = ScaledTime(SCALE)
        emu.clock = self.time.clock
        # The limiter's lead and lateness are wall-clock margins (core/ratelimit.py): scaled with the clock.
        self.limiter_db = Database(self.settings.database_url)
        limiter = SharedLimiter(self.limiter_db, clock=self.time.clock, sleep=self.time.sleep, lead=0.05 * SCALE,
                                late=0.01 * SCALE)
        self.services: Services = bootstrap(self.settings, clock=self.clock, rate_limiter=limiter)
        self.services.dispatcher.sleep = self.time.sleep
        self.channel: Any = self.services.channels["slack"]
        self.loop: asyncio.AbstractEventLoop | None = None

        async def remember_loop() -> None:
            self.loop = asyncio.get_running_loop()

        self.services.on_startup(remember_loop)
        self.port = free_port()
        config = uvicorn.Config(create_app(self.services), host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)
        self._event = 0

    def start(self) -> SlackApp:
        """Start serving and wait until the app answers."""
        self.thread.start()
        deadline = time.monotonic() + 10
        while not (self.server.started and self.loop is not None):
            assert time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.http.close()
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.services.db.dispose()
        self.limiter_db.dispose()

    # --- running code on the app's event loop ---

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run a coroutine on the server's event loop and return its result."""
        assert self.loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def tick(self, at: datetime | None = None) -> TickReport:
        """Move the clock (optionally), run the before-tick hooks, then one scheduler tick."""
        if at is not None:
            self.clock.set(at)

        async def go() -> TickReport:
            for hook in self.services.tick_hooks:
                await hook()
            return await tick(self.services.db, self.services.dispatcher, self.clock.now())

        return self.run(go())

    def session(self) -> Session:
        """Return a new database session (caller closes it)."""
        return self.services.db.sessions()

    # --- data ---

    def roster(self, rows: list[str]) -> None:
        """Import a roster given as CSV lines (without the header)."""
        path = self.tmp_path / "roster.csv"
        path.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                        + "\n".join(rows) + "\n", encoding="utf-8")
        with self.services.db.session() as s:
            people.import_roster(s, path, self.clock.now())

    def campaign(self, track: str = "phishing-basics", campaign_id: str = "phish") -> None:
        """Publish a library track and start a daily 09:00 campaign for everyone."""
        loaded, problems, _ = load_track_file(LIBRARY / f"{track}.yaml")
        assert loaded is not None, problems
        spec = CampaignSpec.model_validate({
            "id": campaign_id, "title": "Spotting phishing", "track": track, "audience": {"all": True},
            "schedule": {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "at": "09:00",
                         "start": START.date().isoformat()}})
        with self.services.db.session() as s:
            tracks.publish(s, loaded, self.clock.now())
            campaigns.apply_campaign(s, spec, self.clock.now())

    def learners(self, n: int, tz: str = "Europe/Berlin") -> list[str]:
        """Add `n` Slack users to the workspace and the roster, enroll them all, and return their ids."""
        ids = [f"U{i:04d}" for i in range(1, n + 1)]
        for uid in ids:
            self.emu.add_user(uid, email=f"{uid.lower()}@example.com", tz=tz)
        self.roster([f"{u.lower()}@example.com,Learner {u},{tz},en,,learner,{u}," for u in ids])
        self.campaign()
        return ids

    # --- signed Slack requests ---

    def post(self, body: str, content_type: str, headers: dict[str, str] | None = None,
             signed: bool = True) -> httpx.Response:
        """POST a body to /slack/events, signed like Slack signs it."""
        h = {"Content-Type": content_type, **(sign(body) if signed else {}), **(headers or {})}
        return self.http.post("/slack/events", content=body.encode(), headers=h)

    def event(self, event: dict[str, Any], event_id: str | None = None, retry: int | None = None) -> httpx.Response:
        """Send an Events API event_callback (optionally as Slack's retry number `retry`)."""
        self._event += 1
        body = json.dumps({"token": "legacy", "team_id": "T0001", "api_app_id": "A0001", "event": event,
                           "type": "event_callback", "event_id": event_id or f"Ev{self._event:08d}",
                           "event_time": int(time.time()), "authorizations": [
                               {"team_id": "T0001", "user_id": "UBOT", "is_bot": True}]})
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        return self.post(body, "application/json", headers)

    def press(self, user: str, message: dict[str, Any], index: int) -> httpx.Response:
        """Press choice `index` on a posted question message (a block_actions interaction)."""
        return self.post(self.press_body(user, message, index), "application/x-www-form-urlencoded")

    def press_body(self, user: str, message: dict[str, Any], index: int) -> str:
        """Return the form body of a press of choice `index` on a posted question message, as Slack sends it."""
        actions = next(b for b in message["blocks"] if b["type"] == "actions")
        button = actions["elements"][index]
        payload = {
            "type": "block_actions", "team": {"id": "T0001", "domain": "example"},
            "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": "T0001"},
            "api_app_id": "A0001", "token": "legacy", "trigger_id": "1.2.3",
            "container": {"type": "message", "message_ts": message["ts"], "channel_id": message["channel"],
                          "is_ephemeral": False},
            "channel": {"id": message["channel"], "name": "directmessage"},
            "message": {"type": "message", "ts": message["ts"], "text": message["text"],
                        "blocks": message["blocks"]},
            "response_url": self.emu.response_url("action"),
            "actions": [{"type": "button", "action_id": button["action_id"], "block_id": actions["block_id"],
                         "text": button["text"], "value": button["value"], "action_ts": f"{time.time():.6f}"}],
        }
        return urlencode({"payload": json.dumps(payload)})

    def command(self, user: str, text: str) -> httpx.Response:
        """Send the slash command `/nudge <text>` as Slack's form body."""
        body = urlencode({"token": "legacy", "team_id": "T0001", "team_domain": "example",
                          "channel_id": self.emu.dm_of(user), "channel_name": "directmessage", "user_id": user,
                          "user_name": user.lower(), "command": "/nudge", "text": text, "api_app_id": "A0001",
                          "response_url": self.emu.response_url(f"{user}-{time.time_ns()}"),
                          "trigger_id": f"{time.time_ns()}.738474920.8088930838d88f008e0"})
        return self.post(body, "application/x-www-form-urlencoded")


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, what: str = "condition") -> Any:
    """Poll until `predicate()` is truthy (listener work runs after the ack) and return its value."""
    return wait_until(predicate, timeout, what)


@pytest.fixture
def slack_app(tmp_path: Path, emulator: Any, migrated_template: Path) -> Iterator[SlackApp]:
    """Run nudgebot with the Slack channel against the emulator."""
    app = SlackApp(tmp_path, emulator, migrated_template).start()
    yield app
    app.stop()


@pytest.fixture
def make_app(tmp_path: Path, emulator: Any, migrated_template: Path) -> Iterator[Callable[..., SlackApp]]:
    """Return a factory for an app with custom settings (one per test)."""
    apps: list[SlackApp] = []

    def make(**settings: Any) -> SlackApp:
        app = SlackApp(tmp_path, emulator, migrated_template, **settings).start()
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.stop()


NINE_BERLIN = START + timedelta(hours=1, minutes=1)


@pytest.fixture
def h() -> Any:
    """Helpers for test modules (they cannot import this conftest by name)."""
    from types import SimpleNamespace

    return SimpleNamespace(sign=sign, wait_for=wait_for, START=START, NINE=NINE_BERLIN, SECRET=SECRET,
                           TOKEN=TOKEN, SlackEmulator=SlackEmulator)
