"""Fixtures: the Bot API emulator, the app under uvicorn on 127.0.0.1, and a guard against real network."""

from __future__ import annotations

import asyncio
import shutil
import socket
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
import uvicorn

from bot.bootstrap import Services, bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from bot.web import create_app
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.clock import VirtualClock
from core.db import Database
from core.ratelimit import SharedLimiter
from core.services import campaigns, people, tracks
from core.services.invites import create_invite
from scheduler.planner import plan_pending
from scheduler.worker import TickReport, tick
from tests.support import ScaledTime
from tests.telegram.emulator import TOKEN, TelegramEmulator
from tests.telegram.updates import Updates

T = TypeVar("T")
SECRET = "s3cret-token_for-tests"
START = datetime(2027, 1, 4, tzinfo=UTC).date()  # a Monday
CAMPAIGN = "tg-phishing"
# The app's tests run the emulator and the app's limiter and Retry-After waits on one clock this much faster
# than the wall clock: a chat's one message a second and a 1 s retry_after cost a tenth of that in real time.
# The emulator keeps Telegram's limits exactly; the app paces with more room under them (HEADROOM), since a
# millisecond of the event loop's timer jitter is ten of the emulator's. The exact pacing (3% under the
# limits) is tested in real time by test_channel.py.
SCALE = 10.0
HEADROOM = 1.5


def pytest_configure(config: pytest.Config) -> None:
    """Silence PTB's notice that RetryAfter.retry_after will become a timedelta (the channel takes both)."""
    config.addinivalue_line("filterwarnings",
                            "ignore:.*`retry_after` will be of type:telegram.warnings.PTBDeprecationWarning")


@pytest.fixture
def emulator() -> Iterator[TelegramEmulator]:
    """A running Bot API emulator."""
    emu = TelegramEmulator().start()
    yield emu
    emu.stop()


class LoopThread:
    """An event loop in a thread, standing in for the worker process's loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        """Run `coro` on the loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        """Stop the loop."""
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def worker_loop() -> Iterator[LoopThread]:
    """A separate loop for scheduler ticks, as in a worker process."""
    lt = LoopThread()
    yield lt
    lt.close()


def make_settings(tmp_path: Path, emulator: TelegramEmulator, **extra: Any) -> Settings:
    """Settings for a test: a fresh SQLite file and the emulator as the Bot API."""
    values: dict[str, Any] = {
        "database_url": f"sqlite:///{tmp_path}/nb.db", "telegram_bot_token": TOKEN,
        "telegram_webhook_secret": SECRET, "telegram_api_url": emulator.api_url, "tick_seconds": 3600,
        "telegram_webhook_wait": 10.0,  # tests look at what an update did as soon as its webhook answered
        "telegram_chat_interval": emulator.per_chat_interval * HEADROOM,
        "telegram_global_rate": emulator.global_rate / HEADROOM,
    }
    values.update(extra)
    return Settings(_env_file=None, **values)


@dataclass
class App:
    """The running app and what a test needs to drive it."""

    services: Services
    clock: VirtualClock
    emulator: TelegramEmulator
    updates: Updates
    url: str
    client: httpx.Client
    worker: LoopThread
    server_loop: asyncio.AbstractEventLoop

    def post(self, update: dict[str, Any], secret: str | None = SECRET) -> httpx.Response:
        """POST an update to the webhook the way Telegram does."""
        headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
        response = self.client.post(f"{self.url}/telegram/webhook", json=update, headers=headers)
        if response.status_code == 200:
            self.emulator.webhook_answered(response.json())
        return response

    def tick(self, at: datetime | None = None) -> TickReport:
        """Run one scheduler pass (on the worker loop) at `at`."""
        if at is not None:
            self.clock.set(at)
        return self.worker.run(tick(self.services.db, self.services.dispatcher, self.clock.now()))

    def settle(self) -> None:
        """Wait until replies queued by the webhook have gone out."""
        inbound = self.services.extras["telegram"]
        fut = asyncio.run_coroutine_threadsafe(inbound.drain(), self.server_loop)
        fut.result(30)

    def invite(self, *, max_uses: int | None = None, expires_in: timedelta | None = None) -> str:
        """Create an invite code for the test campaign."""
        now = self.clock.now()
        with self.services.db.session() as s:
            inv = create_invite(s, CAMPAIGN, now=now, max_uses=max_uses,
                                expires_at=now + expires_in if expires_in else None)
            return inv.code


CAMPAIGN_SPEC = CampaignSpec.model_validate({
    "id": CAMPAIGN, "title": "Spotting phishing", "track": "phishing-basics", "audience": {"roles": ["learner"]},
    # Begun the week before the tests' Monday, so that week's Friday digest is not a skipped first-week one.
    "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30",
                 "start": (START - timedelta(days=7)).isoformat()},
    "digest": {"day": "fri", "at": "17:00"},
})


def seed_campaign(services: Services, now: datetime) -> None:
    """Publish the sample track and a weekday campaign for learners (invitees join as learners)."""
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    with services.db.session() as s:
        tracks.publish(s, track, now)
        campaigns.apply_campaign(s, CAMPAIGN_SPEC, now)


def seed_roster(app: App, tmp_path: Path, rows: list[str]) -> None:
    """Import roster CSV rows (email,name,timezone,locale,manager_email,roles,slack_id,telegram_id) and enroll."""
    roster = tmp_path / "people.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                      + "\n".join(rows) + "\n", encoding="utf-8")
    now = app.clock.now()
    with app.services.db.session() as s:
        people.import_roster(s, roster, now)
        campaigns.apply_campaign(s, CAMPAIGN_SPEC, now)
        plan_pending(s, now)


def start_app(services: Services) -> tuple[uvicorn.Server, threading.Thread, str, list[asyncio.AbstractEventLoop]]:
    """Serve create_app(services) with uvicorn on a free 127.0.0.1 port in a thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(create_app(services), log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    loops: list[asyncio.AbstractEventLoop] = []

    def serve() -> None:
        async def main() -> None:
            loops.append(asyncio.get_running_loop())
            await server.serve(sockets=[sock])

        asyncio.run(main())

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started:
            break
        threading.Event().wait(0.01)
    assert server.started, "uvicorn did not start"
    return server, thread, f"http://127.0.0.1:{port}", loops


def scaled_services(settings: Settings, emulator: TelegramEmulator, clock: VirtualClock) -> Services:
    """Bootstrap `settings` with the emulator, the limiter and the dispatcher's waits on one fast clock."""
    fast = ScaledTime(SCALE)
    emulator.clock = fast.clock
    # The limiter's lead and lateness are wall-clock margins (core/ratelimit.py): scaled with the clock.
    limiter = SharedLimiter(Database(settings.database_url), clock=fast.clock, sleep=fast.sleep, lead=0.05 * SCALE,
                            late=0.01 * SCALE)
    services = bootstrap(settings, clock=clock, rate_limiter=limiter)
    services.dispatcher.sleep = fast.sleep
    return services


@pytest.fixture
def app_factory(tmp_path: Path, emulator: TelegramEmulator, worker_loop: LoopThread,
                migrated_template: Path) -> Iterator[Any]:
    """Build and start the app; call with Settings overrides, get an App."""
    running: list[tuple[uvicorn.Server, threading.Thread, httpx.Client, Services]] = []

    def build(**extra: Any) -> App:
        settings = make_settings(tmp_path, emulator, **extra)
        if "database_url" in extra or (tmp_path / "nb.db").exists():
            upgrade(settings.database_url)
        else:
            shutil.copyfile(migrated_template, tmp_path / "nb.db")  # the suite's migrated database, copied
        clock = VirtualClock(datetime(2027, 1, 3, 12, 0, tzinfo=UTC))
        services = scaled_services(settings, emulator, clock)
        seed_campaign(services, clock.now())
        server, thread, url, loops = start_app(services)
        client = httpx.Client(timeout=30)
        running.append((server, thread, client, services))
        return App(services, clock, emulator, Updates(emulator), url, client, worker_loop, loops[0])

    yield build
    for server, thread, client, services in running:
        client.close()
        server.should_exit = True
        thread.join(10)
        services.rate_limiter.db.dispose()


@pytest.fixture
def app(app_factory: Any) -> App:
    """The app in webhook mode."""
    result: App = app_factory()
    return result
