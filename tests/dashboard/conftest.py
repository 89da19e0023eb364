"""The dashboard served for real on 127.0.0.1 over a seeded database, and a headless Chromium to drive it."""

from __future__ import annotations

import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from bot.web import create_app
from tests.dashboard.seed import Org, seed
from tests.helpers import World

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@dataclass
class Site:
    """A running dashboard: its address, the world behind it and the seeded people."""

    url: str
    world: World
    org: Org

    def token(self, email: str) -> str:
        """Return a fresh sign-in token for `email`."""
        from tests.dashboard.seed import link

        return link(self.world, email)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[Site]:
    """Serve the web app (with the dashboard) on a free loopback port for the whole session."""
    tmp = tmp_path_factory.mktemp("dashboard")
    db = tmp / "dash.db"
    shutil.copyfile(migrated_template, db)
    world = World(f"sqlite:///{db}", datetime(2027, 1, 3, 12, 0, tzinfo=UTC))
    org = seed(world, tmp)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base = f"http://127.0.0.1:{port}/dashboard"
    world.services.settings.dashboard_url = base
    server = uvicorn.Server(uvicorn.Config(create_app(world.services), log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the web app did not start"
    yield Site(base, world, org)
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()
    world.close()


@pytest.fixture(scope="module")
def browser(site: Site) -> Iterator[Any]:
    """Debian's chromium driven by Playwright (never a downloaded browser).

    Playwright's sync API keeps an event loop running in this thread while it is started, so the site is
    seeded first and the browser is closed after its module: later tests may call asyncio.run again.
    """
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page; axe-core may be injected despite the CSP."""
    context = browser.new_context(bypass_csp=True, viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(10_000)
    yield p
    context.close()
