"""Delivery against in-process Telegram and Slack emulators that enforce the published limits.

N learners are due at the same minute (one nudge each, queued in the outbox as a tick queues it);
the real dispatcher sends them through the real channels until the outbox is empty. The emulators
refuse what goes over the limits with 429 (Telegram: 30/s overall and 1/s per chat, and while a
retry_after runs every further send is refused too; Slack: 1/s per DM and a workspace ceiling that
nudgebot is not told, below its configured rate, with a Retry-After that holds the workspace).

Both the emulators and nudgebot's shared limiter read one clock, which may run faster than the wall
clock (`--scale`, e.g. 2 means a second of the emulators' time passes in half a second). A scaled
clock also scales the event loop's lateness, which the emulators' one-second windows see, so
`python -m benchmarks` runs Telegram in real time and Slack (at most 20 posts a second) at 2x. Rates,
shares and 429s are all counted in the emulators' own time.

Usage: python -m benchmarks.delivery --platform telegram|slack [--learners 10000] [--scale 2]
(`python -m benchmarks` runs both, and web + 2 workers: benchmarks/delivery_procs.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.support import ScaledTime

TELEGRAM_LIMIT = 30.0  # messages per second, Bot API
LATE = 0.01  # a send woken this many wall seconds after its slot takes a new one (see core/ratelimit.py)
SLACK_CEILING = 20.0  # the emulated workspace's posts per second, which nudgebot is not told
SLACK_START = 30.0  # nudgebot's configured workspace rate: above the ceiling, so it has to adapt


def fill(url: str, tmp: Path, learners: int, platform: str, per_learner: int = 1) -> list[str]:
    """Create `learners` people on `platform` and queue `per_learner` nudges each, due now; return addresses."""
    from bot.dbsetup import upgrade
    from core.db import Database
    from core.models import Person
    from core.render import info_message
    from core.services import outbox, people

    upgrade(url)
    now = datetime.now(UTC)
    ids = [f"U{i:06d}" if platform == "slack" else str(10_000_000 + i) for i in range(learners)]
    col = "{},".format if platform == "slack" else ",{}".format
    roster = tmp / f"{platform}.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n" + "".join(
        f"l{i}@example.org,L{i},UTC,en,,learner,{col(uid)}\n" for i, uid in enumerate(ids)), encoding="utf-8")
    db = Database(url)
    with db.session() as s:
        people.import_roster(s, roster, now)
    with db.session() as s:
        for p in s.scalars(select(Person)):
            p.platform_checked_at = now
            for n in range(per_learner):
                key = f"bench:{p.id}:{n}"
                outbox.enqueue(s, key=key, person=p, kind="info", due=now, check=False,
                               message=info_message(f"Nudge {key}"))
    db.dispose()
    return ids


def outcome(url: str) -> dict[str, int]:
    """Count the outbox rows by status."""
    from core.db import Database
    from core.models import Delivery

    db = Database(url)
    with db.session() as s:
        rows = dict(s.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    db.dispose()
    return {str(k): int(v) for k, v in rows.items()}


async def drain(services: Any, wall_limit: float) -> None:
    """Run dispatch passes until every row is sent (or `wall_limit` wall seconds pass)."""
    from core.models import Delivery

    end = time.monotonic() + wall_limit
    while time.monotonic() < end:
        await services.dispatcher.run_once()
        with services.db.session() as s:
            left = s.scalar(select(func.count()).where(Delivery.status == "pending"))
        if not left:
            return
        await asyncio.sleep(0.2)


def rate_of(times: list[float]) -> float:
    """Return the accepted sends per second between the first and the last."""
    times = sorted(times)
    return (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and times[-1] > times[0] else 0.0


def run_platform(platform: str, learners: int, scale: float, url: str | None = None) -> dict[str, Any]:
    """Send one nudge to each of `learners` on `platform` against its emulator; return the figures."""
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from core.db import Database
    from core.ratelimit import SharedLimiter

    scaled = ScaledTime(scale)
    # The emulator's threads stamp each request when they get the GIL; a short switch interval keeps
    # that stamp within a millisecond of the arrival, as a real server's would be.
    sys.setswitchinterval(0.0005)
    with tempfile.TemporaryDirectory() as tmp:
        url = url or f"sqlite:///{tmp}/delivery.db"
        ids = fill(url, Path(tmp), learners, platform)
        emu, env = start_emulator(platform, scaled, ids)
        settings = Settings(database_url=url, _env_file=None, **env)
        limiter = SharedLimiter(Database(url), clock=scaled.clock, sleep=scaled.sleep,
                                lead=0.05 * scale, late=LATE * scale)
        services = bootstrap(settings, rate_limiter=limiter)
        services.dispatcher.sleep = scaled.sleep
        t0 = time.perf_counter()
        asyncio.run(drain(services, wall_limit=60 + 3 * learners / scale))
        wall = time.perf_counter() - t0
        result = {"platform": platform, "learners": learners, "scale": scale, "wall_s": wall,
                  **count_emulator(platform, emu, ids), "outbox": outcome(url)}
        emu.stop()
        services.db.dispose()
    return result


def start_emulator(platform: str, scaled: ScaledTime, ids: list[str]) -> tuple[Any, dict[str, Any]]:
    """Start the platform's emulator on the scaled clock; return it and the settings that point at it."""
    if platform == "telegram":
        from tests.telegram.emulator import TOKEN, TelegramEmulator

        tg = TelegramEmulator(strict=True, clock=scaled.clock).start()
        return tg, {"telegram_bot_token": TOKEN, "telegram_api_url": tg.api_url,
                    "telegram_bot_username": "nudge_test_bot"}
    from tests.slack.emulator import TOKEN as SLACK_TOKEN
    from tests.slack.emulator import SlackEmulator

    sl = SlackEmulator(workspace_rate=SLACK_CEILING, per_channel_interval=1.0, clock=scaled.clock).start()
    for uid in ids:
        sl.add_user(uid, tz="UTC")
    return sl, {"slack_bot_token": SLACK_TOKEN, "slack_api_url": sl.api_url, "slack_signing_secret": "bench",
                "slack_workspace_rate": SLACK_START}


def count_emulator(platform: str, emu: Any, ids: list[str]) -> dict[str, Any]:
    """Return accepted sends, their rate and share of the limit, 429s, losses and duplicates."""
    if platform == "telegram":
        calls = emu.calls_of("sendMessage", status=None)
        ok = [c for c in calls if c.status == 200]
        per_chat = Counter(c.params["chat_id"] for c in ok)
        limit = TELEGRAM_LIMIT
    else:
        calls = emu.calls_to("chat.postMessage")
        ok = [c for c in calls if c.status == 200 and not c.error]
        per_chat = Counter(c.args["channel"][1:] for c in ok)  # "D<user id>"
        limit = SLACK_CEILING
    refused = sum(1 for c in calls if c.status == 429)
    rate = rate_of([c.at for c in ok])
    return {"attempts": len(calls), "accepted": len(ok), "rate_per_s": rate, "limit_per_s": limit,
            "share": rate / limit, "http_429": refused, "share_429": refused / max(1, len(calls)),
            "lost": sum(1 for i in ids if per_chat.get(i, 0) == 0),
            "duplicates": sum(n - 1 for n in per_chat.values() if n > 1)}


def main() -> None:
    """Run one platform (in this process) and print its figures as one JSON line."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.delivery")
    ap.add_argument("--learners", type=int, default=10_000)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--platform", choices=["telegram", "slack"], default="telegram")
    args = ap.parse_args()
    print(json.dumps(run_platform(args.platform, args.learners, args.scale)))


if __name__ == "__main__":
    main()
