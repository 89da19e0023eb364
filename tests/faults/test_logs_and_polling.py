"""Secrets stay out of the logs at every level; Telegram long polling does not hammer a server."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from bot.channels.telegram.channel import TelegramChannel
from bot.channels.telegram.inbound import Inbound, Poller
from bot.channels.telegram.limiter import TelegramLimiter
from core.db import Database
from core.ratelimit import SharedLimiter
from tests.faults.harness import Faults, slack_emulator_module, wait_for
from tests.telegram.emulator import TOKEN as TELEGRAM_TOKEN
from tests.telegram.emulator import TelegramEmulator


def test_no_secret_reaches_the_log_even_at_debug(tmp_path: Path) -> None:
    faults = Faults(f"sqlite:///{tmp_path}/logs.db", tmp_path, learners=10)
    try:
        proc = faults.start(LOG_LEVEL="DEBUG", TELEGRAM_WEBHOOK_SECRET="hook-secret-42", SLACK_APP_TOKEN="")
        wait_for(lambda: faults.statuses()["sent"] == 10, 30, "the messages to go out")
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=20)
    finally:
        faults.close()
    assert proc.returncode == 0, out[-2000:]
    assert "sendMessage" in out  # DEBUG really logged the Bot API traffic
    for secret in (TELEGRAM_TOKEN, TELEGRAM_TOKEN.split(":", 1)[1], slack_emulator_module().TOKEN, "x" * 32,
                   "hook-secret-42"):
        assert secret not in out, secret


class Recorder:
    """Stands in for asyncio.sleep: records the waits, and ends the loop after `limit` of them."""

    def __init__(self, limit: int) -> None:
        self.waits: list[float] = []
        self.limit = limit

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        if len(self.waits) >= self.limit:
            raise asyncio.CancelledError
        await asyncio.sleep(0)


class NoHandler:
    async def handle(self, *_: object, **__: object) -> object:
        raise AssertionError("no update expected")

    async def seen(self, key: str) -> bool:
        return False

    async def drain(self) -> None:
        return None


def run_poller(emulator: TelegramEmulator, limit: int, db_url: str) -> tuple[Recorder, int]:
    limiter = TelegramLimiter(SharedLimiter(Database(db_url)), TELEGRAM_TOKEN.split(":")[0])
    channel = TelegramChannel(TELEGRAM_TOKEN, emulator.api_url, limiter=limiter)
    recorder = Recorder(limit)
    poller = Poller(Inbound(channel, NoHandler()), timeout=0, idle=1.0, sleep=recorder)

    async def go() -> None:
        try:
            await poller._loop()
        except asyncio.CancelledError:
            pass
        await channel.aclose()

    asyncio.run(go())
    return recorder, len(emulator.calls_of("getUpdates", status=None))


def test_polling_waits_between_empty_answers_that_come_at_once(db_url: str) -> None:
    emulator = TelegramEmulator().start()
    try:
        recorder, calls = run_poller(emulator, 5, db_url)
    finally:
        emulator.stop()
    assert calls == 5 and recorder.waits == [1.0] * 5  # one wait after every empty answer


def test_polling_backs_off_further_after_each_failure(db_url: str) -> None:
    emulator = TelegramEmulator().start()
    emulator.webhook = {"url": "https://example.org/hook"}  # getUpdates answers 409 Conflict at once
    try:
        recorder, calls = run_poller(emulator, 6, db_url)
    finally:
        emulator.stop()
    assert calls == 6
    assert recorder.waits == [5.0, 10.0, 20.0, 40.0, 60.0, 60.0]
