"""Sending throughput through the outbox on the console channel, and 4 PostgreSQL workers sharing it.

N messages (one per learner, due now) are sent by the real dispatcher to the console channel, which
stores each in `chat_log`: claims, sends and the state writes are batched (a claim is one SELECT and
one UPDATE, the sends of a batch are recorded with one UPDATE, the console's messages with one
INSERT). Measured: messages per second from the first claim until the outbox is empty, on SQLite
and PostgreSQL; then four worker processes drain one PostgreSQL outbox at once, and each says how
many it sent.

Usage: python -m benchmarks.sending URL MESSAGES [--worker] (run by `python -m benchmarks`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parents[1]


def fill(url: str, messages: int) -> None:
    """Create `messages` console learners and queue one message each, due now (bulk, as a tick queues)."""
    from bot.dbsetup import upgrade
    from core.db import Database
    from core.models import Delivery, Person
    from core.render import info_message

    upgrade(url)
    now = datetime.now(UTC)
    db = Database(url)
    with db.session() as s:
        s.execute(insert(Person), [{"email": f"c{i}@example.org", "name": f"C{i}", "timezone": "UTC",
                                    "tz_source": "roster", "locale": "en", "roles": "learner", "status": "active",
                                    "created_at": now} for i in range(messages)])
    with db.session() as s:
        ids = list(s.scalars(select(Person.id).order_by(Person.id)))
        payload = info_message("A nudge to read").to_dict()
        s.execute(insert(Delivery), [{"key": f"send:{pid}", "person_id": pid, "kind": "info", "item": "",
                                      "payload": payload, "channel": "console", "address": str(pid), "seq": 0,
                                      "due_at": now, "status": "pending", "attempts": 0, "next_attempt_at": now}
                                     for pid in ids])
    db.dispose()


def drain(url: str) -> dict[str, Any]:
    """Send everything due through the console channel; return how many and how fast."""
    from bot.bootstrap import bootstrap
    from bot.settings import Settings

    services = bootstrap(Settings(database_url=url, _env_file=None), platforms=False)
    t0 = time.perf_counter()
    sent = 0
    while True:
        report = asyncio.run(services.dispatcher.run_once())
        sent += len(report.sent)
        if not report.sent:
            break
    wall = time.perf_counter() - t0
    services.db.dispose()
    return {"sent": sent, "wall_s": wall, "per_s": sent / wall if wall else 0.0}


def single(url: str, messages: int) -> dict[str, Any]:
    """Fill and drain in one fresh process."""
    run = subprocess.run([sys.executable, "-m", "benchmarks.sending", url, str(messages)], cwd=REPO,
                         capture_output=True, text=True, check=False)
    if run.returncode != 0:
        raise SystemExit(f"sending benchmark failed:\n{run.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
    return result


def workers(url: str, messages: int, n: int = 4) -> dict[str, Any]:
    """Queue `messages`, then let `n` worker processes drain them at once; return each one's share."""
    fill(url, messages)
    procs = [subprocess.Popen([sys.executable, "-m", "benchmarks.sending", url, "0", "--worker"], cwd=REPO,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(n)]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    counts = [o["sent"] for o in outs]
    wall = max(o["wall_s"] for o in outs)  # from each one's first claim (start-up left out) to the last
    from core.db import Database
    from core.models import ChatLog, Delivery

    db = Database(url)
    with db.session() as s:
        shown = list(s.scalars(select(ChatLog.address)))
        pending = len(list(s.scalars(select(Delivery.id).where(Delivery.status != "sent"))))
    db.dispose()
    return {"messages": messages, "workers": counts, "wall_s": wall, "per_s": messages / wall,
            "duplicates": len(shown) - len(set(shown)), "lost": pending + messages - len(set(shown))}


def run(messages: int, pg: Callable[[], str | None], drop: Callable[[str], None]) -> dict[str, Any]:
    """Measure on SQLite, on PostgreSQL, and with 4 PostgreSQL workers (`pg` makes a fresh database)."""
    with tempfile.TemporaryDirectory() as tmp:
        out: dict[str, Any] = {"messages": messages, "sqlite": single(f"sqlite:///{tmp}/send.db", messages)}
    for name, measure in (("postgres", single), ("postgres_4_workers", workers)):
        url = pg()
        if url is None:
            break
        try:
            out[name] = measure(url, messages)
        finally:
            drop(url)
    return out


def main() -> None:
    """Child process: fill and drain (or, with --worker, drain what is queued) and print JSON."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks.sending")
    ap.add_argument("url")
    ap.add_argument("messages", type=int)
    ap.add_argument("--worker", action="store_true")
    args = ap.parse_args()
    if not args.worker:
        fill(args.url, args.messages)
    print(json.dumps(drain(args.url)))


if __name__ == "__main__":
    main()
