"""One benchmark measurement in its own process, so its peak memory is its own: prints one JSON object.

Usage: python -m benchmarks.child TASK JSON-ARGS (run by `python -m benchmarks`).
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from benchmarks.world import START, ZONES, campaign_spec, peak_mb, rss_mb, write_roster

Result = dict[str, Any]
SAMPLE_MANAGERS = 200


def nb_load(url: str, learners: int, tmp: str) -> Result:
    """Import the roster and apply the campaign (planning included), as `people import` + `campaign apply`."""
    from bot.dbsetup import upgrade
    from content.loader import LIBRARY_DIR, load_track_file
    from core.db import Database
    from core.services import tracks
    from flows import campaigns, people

    upgrade(url)
    db = Database(url)
    roster = Path(tmp) / "people.csv"
    write_roster(roster, learners)
    track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None
    with db.session() as s:
        tracks.publish(s, track, START)
    before = rss_mb()
    t0 = time.perf_counter()
    with db.session() as s:
        people.import_roster(s, roster, START)
    t1 = time.perf_counter()
    with db.session() as s:
        campaigns.apply_campaign(s, campaign_spec(), START)
    t2 = time.perf_counter()
    db.dispose()
    return {"import_s": t1 - t0, "apply_s": t2 - t1, "load_s": t2 - t0, "base_mb": before}


def nb_tick(url: str, repeat: int) -> Result:
    """Time ticks with nothing due (a Sunday): planning queries, due queries, digests, the outbox."""
    from bot.bootstrap import bootstrap
    from bot.settings import Settings
    from core.clock import VirtualClock
    from scheduler.worker import tick

    clock = VirtualClock(START)
    services = bootstrap(Settings(database_url=url, _env_file=None), clock=clock,
                         platforms=False)
    times = []
    for i in range(repeat + 2):
        t0 = time.perf_counter()
        report = asyncio.run(tick(services.db, services.dispatcher, START + timedelta(seconds=30 * i)))
        times.append(time.perf_counter() - t0)
        assert not report.dispatch.sent and not report.plan.lessons
    services.db.dispose()
    return {"tick_ms": statistics.median(times[2:]) * 1000}


def ptb_load(learners: int, repeat: int) -> Result:
    """One python-telegram-bot JobQueue daily job per learner (held in memory: re-added at every start)."""
    from telegram.ext import ApplicationBuilder

    async def nudge(context: Any) -> None:  # pragma: no cover - never runs
        """Stand in for sending a nudge."""

    async def run() -> Result:
        t0 = time.perf_counter()
        app = ApplicationBuilder().token("123456:bench").build()
        jq = app.job_queue
        assert jq is not None
        jq.scheduler.configure(timezone=UTC)
        jq.scheduler.start(paused=True)
        for i in range(learners):
            jq.run_daily(nudge, dtime(9, 0, tzinfo=ZoneInfo(ZONES[i % 40])), days=(1, 2, 3, 4, 5), name=f"l{i}")
        t1 = time.perf_counter()
        store = jq.scheduler._jobstores["default"]
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            store.get_due_jobs(datetime.now(UTC))  # its jobs run on the wall clock: nothing is due now
            store.get_next_run_time()
            times.append(time.perf_counter() - t)
        jq.scheduler.shutdown(wait=False)
        return {"load_s": t1 - t0, "tick_ms": statistics.median(times) * 1000}

    return asyncio.run(run())


def _aps_scheduler(url: str) -> Any:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(jobstores={"default": SQLAlchemyJobStore(url=url)}, timezone="UTC")


def aps_nudge() -> None:  # pragma: no cover - never runs
    """Stand in for sending a nudge."""


def aps_load(url: str, learners: int, sample: int) -> Result:
    """One APScheduler 3 SQLAlchemyJobStore CronTrigger job per learner; `sample` of them added through the API.

    Each add_job is a committed INSERT. When `sample` < `learners`, the rest are copied in with one bulk
    INSERT of the same pickled state (so start-up and ticks meet the full store) and the load time is
    projected from the measured rate: the table marks it so.
    """
    from apscheduler.triggers.cron import CronTrigger
    from sqlalchemy import create_engine, text

    sched = _aps_scheduler(url)
    sched.start(paused=True)
    t0 = time.perf_counter()
    for i in range(sample):
        sched.add_job(aps_nudge, CronTrigger(day_of_week="mon-fri", hour=9, timezone=ZONES[i % 40]), id=f"l{i}")
    per_job = (time.perf_counter() - t0) / sample
    sched.shutdown(wait=False)
    if learners > sample:
        engine = create_engine(url)
        with engine.begin() as conn:
            rows = conn.execute(text("SELECT next_run_time, job_state FROM apscheduler_jobs")).all()
            conn.execute(text("INSERT INTO apscheduler_jobs (id, next_run_time, job_state) VALUES (:id, :t, :s)"),
                         [{"id": f"l{i}", "t": rows[i % len(rows)][0], "s": rows[i % len(rows)][1]}
                          for i in range(sample, learners)])
        engine.dispose()
    return {"load_s": per_job * learners, "projected": learners > sample}


def aps_tick(url: str, repeat: int) -> Result:
    """Start a scheduler over the stored jobs and time its due-job look-ups with nothing due."""
    t0 = time.perf_counter()
    sched = _aps_scheduler(url)
    sched.start(paused=True)
    store = sched._jobstores["default"]
    store.get_due_jobs(datetime.now(UTC))
    startup = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        store.get_due_jobs(datetime.now(UTC))  # its jobs run on the wall clock: nothing is due now
        store.get_next_run_time()
        times.append(time.perf_counter() - t)
    sched.shutdown(wait=False)
    return {"startup_s": startup, "tick_ms": statistics.median(times) * 1000}


def _children_cpu() -> float:
    """Return the CPU seconds of this process's finished child processes (the digest chart helper)."""
    import resource

    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def nb_digests(url: str, managers: int, tmp: str, team: int = 10) -> Result:
    """Plan and build the digests of `managers` managers (`team` learners each): batched, and one by one.

    Monday's nudges are queued by real ticks, marked sent and most of them answered, so Tuesday's digests
    have a week of answers to show.
    Both ways build every digest with its chart (PNG, stored as an attachment), as the worker does.
    """
    from sqlalchemy import text

    from bot.dbsetup import upgrade
    from content.loader import LIBRARY_DIR, load_track_file
    from core.db import Database
    from core.services import due, tracks
    from flows import campaigns, people
    from scheduler.digests import build_digest, plan_digests, process_digests
    from scheduler.worker import plan_and_queue

    upgrade(url)
    db = Database(url)
    roster = Path(tmp) / "people.csv"
    with roster.open("w", encoding="utf-8") as f:
        f.write("email,name,timezone,locale,manager_email,roles\n")
        f.writelines(f"m{m}@example.org,Manager {m},Europe/Berlin,en,,manager\n" for m in range(managers))
        f.writelines(f"l{i}@example.org,Learner {i},{ZONES[i % 40]},en,m{i % managers}@example.org,learner\n"
                     for i in range(managers * team))
    track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None
    with db.session() as s:
        tracks.publish(s, track, START)
        people.import_roster(s, roster, START)
        # Begun the week before, so Tuesday's digests are not skipped as a campaign's first week.
        campaigns.apply_campaign(s, campaign_spec(digest_day="tue", start="2026-12-28"), START)
    t0 = time.perf_counter()
    with db.session() as s:
        planned = plan_digests(s, START)
    t1 = time.perf_counter()
    for hours in range(10, 36, 3):  # Sunday 22:00Z to Monday 22:00Z: 09:00 has come in every zone
        plan_and_queue(db, START + timedelta(hours=hours))
    with db.session() as s:
        s.execute(text("UPDATE deliveries SET status = 'sent', sent_at = due_at"))
        # Four in five questions answered within the hour, two in three of those right: the digests have
        # a week of answers to count, rank and chart.
        s.execute(text(
            "INSERT INTO answers (delivery_id, person_id, campaign_id, question_id, choice_index, choice_text,"
            " correct, score, latency_ms, track_version_id, content_hash, answered_at)"
            " SELECT d.id, d.person_id, d.campaign_id, d.item, d.id % 3, 'choice ' || (d.id % 3), d.id % 3 != 0,"
            " CASE WHEN d.id % 3 != 0 THEN 1.0 ELSE 0.0 END, 4000, d.track_version_id, v.content_hash,"
            " d.sent_at + interval '1 hour' FROM deliveries d JOIN track_versions v ON v.id = d.track_version_id"
            " WHERE d.kind = 'question' AND d.id % 5 != 0"
            if db.engine.dialect.name == "postgresql" else
            "INSERT INTO answers (delivery_id, person_id, campaign_id, question_id, choice_index, choice_text,"
            " correct, score, latency_ms, track_version_id, content_hash, answered_at)"
            " SELECT d.id, d.person_id, d.campaign_id, d.item, d.id % 3, 'choice ' || (d.id % 3), d.id % 3 != 0,"
            " CASE WHEN d.id % 3 != 0 THEN 1.0 ELSE 0.0 END, 4000, d.track_version_id, v.content_hash,"
            " datetime(d.sent_at, '+1 hour') FROM deliveries d JOIN track_versions v ON v.id = d.track_version_id"
            " WHERE d.kind = 'question' AND d.id % 5 != 0"))
        answers = s.scalar(text("SELECT count(*) FROM answers"))
    tuesday = datetime(2027, 1, 5, 7, 45, tzinfo=UTC)  # 08:45 in Berlin: every digest is due
    with db.session() as s:
        one_by_one = due.managers_due(s, tuesday)
        sample = one_by_one[:SAMPLE_MANAGERS]  # one at a time is slow: time a sample, project the rest
        t2 = time.perf_counter()
        built = sum(build_digest(s, m, tuesday) is not None for m in sample)
        t3 = time.perf_counter()
        s.rollback()
    with db.session() as s:
        t4, c4, h4 = time.perf_counter(), time.process_time(), _children_cpu()
        queued = process_digests(s, tuesday).digests
        t5, c5, h5 = time.perf_counter(), time.process_time(), _children_cpu()
    db.dispose()
    assert planned == managers == queued == len(one_by_one) and built == len(sample), (planned, queued, built)
    # CPU time says what the batch costs even on a busy machine, where wall time also counts waiting.
    return {"plan_s": t1 - t0, "batched_s": t5 - t4, "batched_cpu_s": c5 - c4, "helper_cpu_s": h5 - h4,
            "answers": answers,
            "per_manager_s": (t3 - t2) * managers / len(sample), "sampled": len(sample)}


TASKS = {"nb_load": nb_load, "nb_tick": nb_tick, "ptb_load": ptb_load, "aps_load": aps_load,
         "aps_tick": aps_tick, "nb_digests": nb_digests}


def main() -> None:
    """Run one task and print its result with this process's peak memory."""
    task, args = sys.argv[1], json.loads(sys.argv[2])
    result = TASKS[task](**args)
    result["peak_mb"] = peak_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
