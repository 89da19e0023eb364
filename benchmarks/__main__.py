"""`python -m benchmarks [--quick] [--only scheduling|digests] [--out FILE] [--postgres none]`: nudgebot beside
the usual designs.

Every figure is measured in this run, each measurement in its own process (so peak memory is its own):
1. Scheduling at 10,000 and 100,000 learners over 40 zones: nudgebot (SQLite and PostgreSQL) loads the
   roster and campaign, starts `nudgebot tick`, and ticks with nothing due; beside it one
   python-telegram-bot JobQueue daily job per learner, and one APScheduler 3 SQLAlchemyJobStore
   CronTrigger job per learner.
2. Digests, each with its chart, for 1,000 and 5,000 managers of 10 reports (`--quick`: 1,000): batched (what
   the worker does) beside one manager at a time.
3. Sending through the outbox on the console channel (20,000 messages): messages per second on SQLite
   and PostgreSQL, and 4 PostgreSQL workers draining one outbox (benchmarks/sending.py).
4. Delivery of 10,000 nudges due at the same minute against Telegram and Slack emulators that enforce
   the published limits (benchmarks/delivery.py, on a scaled clock), and web + 2 workers on PostgreSQL
   sharing Telegram's limits in real time (benchmarks/delivery_procs.py).
5. The answer path: Slack button presses beside a bare slack-bolt app, Telegram callback_query webhooks
   beside a bare python-telegram-bot webhook app (benchmarks/answer_path.py).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.pg import drop_pg, pg_database
from benchmarks.world import START

REPO = Path(__file__).resolve().parents[1]
APS_SAMPLE = 10_000  # APScheduler jobs added through its API per run; more are copied in (see aps_load)


def child(task: str, **args: Any) -> dict[str, Any]:
    """Run one measurement in a fresh process and return its JSON."""
    out = subprocess.run([sys.executable, "-m", "benchmarks.child", task, json.dumps(args)], cwd=REPO,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"benchmark {task} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def cli_startup(url: str, runs: int = 3) -> dict[str, float]:
    """Time `nudgebot tick` (nothing due) as a new process; return median seconds, CPU seconds and peak memory.

    The CPU time (user + sys) is what to compare on a shared machine: other work stretches the wall time.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    env["DATABASE_URL"] = url
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.Popen([sys.executable, "-m", "bot.cli", "tick", "--at", START.isoformat()], cwd=REPO, env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.perf_counter() - t0)
        cpus.append(usage.ru_utime + usage.ru_stime)
        peaks.append(usage.ru_maxrss / 1024)
        if status != 0:
            raise SystemExit(f"nudgebot tick failed: {p.stderr.read().decode() if p.stderr else ''}")
    return {"startup_s": statistics.median(walls), "startup_cpu_s": statistics.median(cpus), "startup_mb": max(peaks)}


def nudgebot(url: str, learners: int, tmp: str) -> dict[str, Any]:
    """Measure nudgebot's load, start-up, memory and idle tick at `learners` on `url`."""
    r = child("nb_load", url=url, learners=learners, tmp=tmp)
    r["load_peak_mb"] = r.pop("peak_mb")
    r.update(cli_startup(url))
    tick = child("nb_tick", url=url, repeat=20)
    r.update(tick_ms=tick["tick_ms"], tick_peak_mb=tick["peak_mb"])
    return r


def empty_startup(url: str) -> dict[str, float]:
    """Start-up of `nudgebot tick` on an empty, migrated database (the memory baseline)."""
    subprocess.run([sys.executable, "-c", f"from bot.dbsetup import upgrade; upgrade({url!r})"], cwd=REPO,
                   check=True)
    return cli_startup(url)


def scheduling(sizes: list[int], pg: bool) -> list[dict[str, Any]]:
    """Run the scheduling comparison at each size."""
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            row: dict[str, Any] = {"learners": n}
            row["empty"] = empty_startup(f"sqlite:///{tmp}/empty.db")
            row["nudgebot_sqlite"] = nudgebot(f"sqlite:///{tmp}/nb.db", n, tmp)
            pg_url = pg_database() if pg else None
            if pg_url is not None:
                try:
                    row["nudgebot_postgres"] = nudgebot(pg_url, n, tmp)
                finally:
                    drop_pg(pg_url)
            row["ptb_jobqueue"] = child("ptb_load", learners=n, repeat=20)
            aps_url = f"sqlite:///{tmp}/aps.db"
            aps = child("aps_load", url=aps_url, learners=n, sample=min(n, APS_SAMPLE))
            t0 = time.perf_counter()
            aps.update(child("aps_tick", url=aps_url, repeat=20))
            aps["process_s"] = time.perf_counter() - t0
            row["apscheduler_sqlalchemy"] = aps
            rows.append(row)
            print(f"scheduling at {n:,} learners: done", file=sys.stderr)
    return rows


def digests(counts: list[int]) -> list[dict[str, Any]]:
    """Run the digest comparison for each number of managers."""
    rows = []
    for m in counts:
        with tempfile.TemporaryDirectory() as tmp:
            rows.append({"managers": m, **child("nb_digests", url=f"sqlite:///{tmp}/d.db", managers=m, tmp=tmp)})
        print(f"digests for {m:,} managers: done", file=sys.stderr)
    return rows


def delivery(learners: int, pg: bool, quick: bool) -> dict[str, Any]:
    """Run the delivery benchmarks: each platform in its own process, then web + 2 workers."""
    out: dict[str, Any] = {"platforms": []}
    for platform, scale in (("telegram", 1.0), ("slack", 2.0)):
        run = subprocess.run([sys.executable, "-m", "benchmarks.delivery", "--platform", platform, "--learners",
                              str(learners), "--scale", str(scale)], cwd=REPO, capture_output=True, text=True,
                             check=False)
        if run.returncode != 0:
            raise SystemExit(f"delivery benchmark ({platform}) failed:\n{run.stderr[-3000:]}")
        out["platforms"].append(json.loads(run.stdout.strip().splitlines()[-1]))
        print(f"delivery on {platform}: done", file=sys.stderr)
    pg_url = pg_database() if pg else None
    if pg_url is not None:
        from benchmarks import delivery_procs

        try:
            out["processes"] = delivery_procs.run(pg_url, 150 if quick else 600, 40 if quick else 120)
        finally:
            drop_pg(pg_url)
        print("delivery with web + 2 workers: done", file=sys.stderr)
    out["load_average"] = os.getloadavg()[0]
    return out


def main() -> None:
    """Run every benchmark, write the JSON and print the table."""
    ap = argparse.ArgumentParser(prog="python -m benchmarks")
    ap.add_argument("--quick", action="store_true", help="small sizes (1,000 and 5,000 learners)")
    ap.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results.json")
    ap.add_argument("--postgres", default="auto", help="'none' to skip PostgreSQL")
    ap.add_argument("--only", default="",
                    help="comma-separated sections: scheduling,digests,sending,delivery,answer_path")
    args = ap.parse_args()
    sizes = [1_000, 5_000] if args.quick else [10_000, 100_000]
    managers = [1_000] if args.quick else [1_000, 5_000]
    sections = args.only.split(",") if args.only else ["scheduling", "digests", "sending", "delivery", "answer_path"]
    results: dict[str, Any] = {"quick": args.quick}
    if args.out.exists():  # keep the sections this run does not measure
        results.update({k: v for k, v in json.loads(args.out.read_text(encoding="utf-8")).items()
                        if k not in sections and k != "quick"})
    if "scheduling" in sections:
        results["scheduling"] = scheduling(sizes, args.postgres != "none")
    if "digests" in sections:
        results["digests"] = digests(managers)
    if "sending" in sections:
        from benchmarks import sending

        use_pg = args.postgres != "none"
        results["sending"] = sending.run(5_000 if args.quick else 20_000, pg_database if use_pg else lambda: None,
                                         drop_pg)
        print("sending through the outbox: done", file=sys.stderr)
    if "delivery" in sections:
        results["delivery"] = delivery(1_000 if args.quick else 10_000, args.postgres != "none", args.quick)
    if "answer_path" in sections:
        from benchmarks.answer_path import answer_path

        results["answer_path"] = answer_path(args.quick, args.postgres != "none")
    args.out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    from benchmarks.table import render

    print(render(results))
    print(f"\n(written to {args.out})")


if __name__ == "__main__":
    main()
