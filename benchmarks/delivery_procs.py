"""Web + 2 workers on PostgreSQL sharing Telegram's limits (the Procfile layout), in real time.

`nudgebot web` and two `nudgebot worker` processes run against one PostgreSQL database and the
Telegram emulator (strict: a 429 also refuses everything sent during its retry_after). The workers
send two nudges to each learner; meanwhile the learners send /help to the web app's webhook, whose
replies the web process sends itself, to the same chats. Every request the emulator saw is counted:
the most sends it received in any one second (all processes together), sends closer than 1 s in a
chat, 429s, losses and duplicates.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from benchmarks.delivery import TELEGRAM_LIMIT, fill, outcome, rate_of

REPO = Path(__file__).resolve().parents[1]
SECRET = "bench-secret"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def spawn(role: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start `nudgebot web` or `nudgebot worker`."""
    return subprocess.Popen([sys.executable, "-m", "bot.cli", role], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_healthy(port: int, timeout: float = 30.0) -> None:
    """Wait until the web app answers /healthz."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("nudgebot web did not start")


def post_update(port: int, update: dict[str, Any]) -> None:
    """Deliver one update to the web app's Telegram webhook."""
    req = urllib.request.Request(f"http://127.0.0.1:{port}/telegram/webhook", data=json.dumps(update).encode(),
                                 headers={"Content-Type": "application/json",
                                          "X-Telegram-Bot-Api-Secret-Token": SECRET})
    with urllib.request.urlopen(req, timeout=30) as r:
        r.read()


def max_per_second(times: list[float]) -> int:
    """Return the most events within any window of one second."""
    times, best, start = sorted(times), 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        best = max(best, end - start + 1)
    return best


def closest_in_chat(calls: list[Any]) -> float:
    """Return the shortest gap between two sends to one chat."""
    by_chat: dict[str, list[float]] = defaultdict(list)
    for c in calls:
        by_chat[c.params["chat_id"]].append(c.at)
    gaps = [b - a for ts in by_chat.values() for a, b in zip(sorted(ts), sorted(ts)[1:], strict=False)]
    return min(gaps) if gaps else float("inf")


def run(url: str, learners: int, presses: int) -> dict[str, Any]:
    """Run web + 2 workers until every nudge and reply is sent; return what the emulator saw."""
    from tests.telegram.emulator import TOKEN, TelegramEmulator
    from tests.telegram.updates import Updates

    emu = TelegramEmulator(strict=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        ids = fill(url, Path(tmp), learners, "telegram", per_learner=2)
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_URL": emu.api_url,
           "TELEGRAM_WEBHOOK_SECRET": SECRET, "TELEGRAM_BOT_USERNAME": "nudge_test_bot", "PORT": str(port),
           "TICK_SECONDS": "1", "LOG_LEVEL": "WARNING"}
    env = {k: v for k, v in env.items() if not k.startswith("SLACK_")}
    web = spawn("web", env)
    procs = [web]
    try:
        wait_healthy(port)
        procs += [spawn("worker", env), spawn("worker", env)]
        updates = Updates(emu)
        t0 = time.monotonic()
        for i in range(presses):  # about 5 /help a second, to chats the workers are sending to
            post_update(port, updates.text(int(ids[i % len(ids)]), "/help"))
            time.sleep(max(0.0, t0 + (i + 1) / 5 - time.monotonic()))
        end = time.monotonic() + 60 + 3 * learners / 30
        while time.monotonic() < end and outcome(url).get("pending", 0):
            time.sleep(0.5)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)
        emu.stop()
    calls = emu.calls_of("sendMessage", status=None)
    ok = [c for c in calls if c.status == 200]
    nudges = Counter(c.params["chat_id"] for c in ok if "Nudge bench:" in c.params.get("text", ""))
    return {"learners": learners, "nudges": 2 * learners, "help_presses": presses, "processes": 3,
            "attempts": len(calls), "accepted": len(ok), "rate_per_s": rate_of([c.at for c in ok]),
            "share": rate_of([c.at for c in ok]) / TELEGRAM_LIMIT, "http_429": sum(1 for c in calls if c.status == 429),
            "max_sends_in_one_second": max_per_second([c.at for c in calls]),
            "closest_in_a_chat_s": closest_in_chat(calls),
            "replies": len(ok) - sum(nudges.values()),
            "lost": sum(max(0, 2 - nudges.get(i, 0)) for i in ids),
            "duplicates": sum(max(0, n - 2) for n in nudges.values()), "outbox": outcome(url)}
