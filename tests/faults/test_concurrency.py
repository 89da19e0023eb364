"""Old outbox rows expire; concurrent ticks on SQLite wait for each other; on PostgreSQL workers share."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from bot.cli import app
from core.models import Delivery
from core.services import outbox
from scheduler.worker import plan_and_queue
from tests.faults.harness import Faults, wait_for
from tests.helpers import World, make_track

MONDAY_0931_BERLIN = datetime(2027, 1, 4, 8, 31, tzinfo=UTC)


def test_rows_older_than_the_catch_up_window_expire_and_the_enrollment_moves_on(world: World) -> None:
    world.publish(make_track())
    pid = world.person("ada@example.com")
    world.campaign(["ada@example.com"])
    # Monday's nudge is queued, but the platform stays unreachable until long after (here: never sent).
    plan_and_queue(world.db, MONDAY_0931_BERLIN)
    assert len(world.deliveries(pid, status="pending")) == 2
    report = world.tick(MONDAY_0931_BERLIN + timedelta(hours=11, minutes=30))
    assert report.dispatch.sent == [] and report.dispatch.expired == 2
    assert [d.status for d in world.deliveries(pid)] == ["expired", "expired"]
    # Tuesday's unit goes out as usual, and the expired question is not held against her.
    tuesday = world.tick(MONDAY_0931_BERLIN + timedelta(days=1))
    assert [j.kind for j in tuesday.dispatch.sent] == ["lesson", "question"]
    assert world.enrollment(pid).unanswered == 0
    result = CliRunner().invoke(app, ["export", "deliveries", "--format", "csv"], env={"DATABASE_URL": world.db.url})
    assert result.exit_code == 0, result.output
    assert result.output.count(",expired") == 2


def ticks(db_url: str, cwd: Path, n: int, at: str | None = None, **env: str) -> list[subprocess.CompletedProcess[str]]:
    """Run `n` `nudgebot tick` processes at once and return them when all have finished."""
    import os

    full = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "WARNING", **env}
    args = [sys.executable, "-m", "bot.cli", "tick", *(["--at", at] if at else [])]
    procs = [subprocess.Popen(args, cwd=cwd, env=full, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
             for _ in range(n)]
    return [subprocess.CompletedProcess(p.args, p.wait(timeout=120), p.stdout.read() if p.stdout else "")
            for p in procs]


def sent_by(result: subprocess.CompletedProcess[str]) -> int:
    found = re.search(r"(\d+) message\(s\) sent", result.stdout)
    assert found, result.stdout
    return int(found.group(1))


def test_two_ticks_at_once_on_sqlite_wait_for_each_other_cleanly(world: World, db_url: str, tmp_path: Path) -> None:
    world.publish(make_track())
    emails = [f"l{i}@example.com" for i in range(300)]
    for e in emails:
        world.person(e)
    world.campaign(emails, start=date(2027, 1, 4))
    world.close()
    results = ticks(db_url, tmp_path, 2, at=MONDAY_0931_BERLIN.isoformat())
    for r in results:
        assert r.returncode == 0, r.stdout
        assert "Traceback" not in r.stdout and "IntegrityError" not in r.stdout, r.stdout
    assert sum(sent_by(r) for r in results) == 600
    with world.session() as s:
        assert Counter(s.scalars(select(Delivery.status))) == Counter({"sent": 600})


def test_four_workers_on_postgres_share_the_work(tmp_path: Path, pg_url: str) -> None:
    faults = Faults(pg_url, tmp_path, learners=240, fill=False)
    env = {"SLACK_WORKSPACE_RATE": "30", "TELEGRAM_GLOBAL_RATE": "30", "OUTBOX_LEASE_SECONDS": "30",
           "LOG_LEVEL": "INFO"}
    workers = [faults.start(**env) for _ in range(4)]
    try:
        # Every worker is up (it published the Telegram menu) before the work arrives.
        wait_for(lambda: len(faults.telegram.calls_of("setMyCommands")) >= 4 * 2, 60, "four workers")
        time.sleep(0.5)
        faults.fill()
        wait_for(lambda: faults.statuses() == Counter({"sent": 240}), 60, "everything sent")
    finally:
        outputs = []
        for w in workers:
            w.send_signal(signal.SIGTERM)
        for w in workers:
            outputs.append(w.communicate(timeout=30)[0])
        faults.close()
    counts = [sum(int(n) for n in re.findall(r"tick: .*; sent (\d+)", out)) for out in outputs]
    assert all(w.returncode == 0 for w in workers), outputs
    assert sum(counts) == 240, counts
    assert min(counts) >= 24, counts  # each did a fair part (10% or more), not one doing it all
    print("messages sent per worker:", counts)


def test_a_claimed_but_stale_row_is_not_expired_while_its_lease_holds(world: World) -> None:
    world.publish(make_track())
    pid = world.person("ada@example.com")
    world.campaign(["ada@example.com"])
    plan_and_queue(world.db, MONDAY_0931_BERLIN)
    later = MONDAY_0931_BERLIN + timedelta(hours=7)
    with world.session() as s:
        s.execute(update(Delivery).values(lease_until=later + timedelta(minutes=1)))
    world.clock.set(later)
    with world.session() as s:
        assert outbox.expire_stale(s, later, timedelta(hours=6)) == 0
    assert {d.status for d in world.deliveries(pid)} == {"pending"}
