"""Time building every manager's digest with its chart: M managers (default 1,000) of R reports (default 10).

Usage: python benchmarks/digests.py [--managers 1000] [--reports 10] [--weeks 2] [--processes 2] [--png FILE]

The database (SQLite in a temporary folder) is filled directly with a campaign, its enrollments and
`weeks` of sent questions and answers per learner. Then, as of the Monday after, each manager's digest
is gathered (core/services/team_digest.py: one set of queries per manager, in this process) and its
chart rendered (core/charts.py, matplotlib) in a pool of `processes` worker processes, overlapping
with the gathering. The figure is the wall time from the first query to the last chart.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select

from bot.dbsetup import upgrade
from content.loader import LIBRARY_DIR, load_track_file
from core import charts
from core.db import Database
from core.digest_render import render_digest
from core.models import Answer, Campaign, Delivery, Enrollment, Person
from core.services import tracks
from core.services.team_digest import collect

START = date(2027, 1, 4)


def fill(db: Database, managers: int, reports: int, weeks: int) -> None:
    """Insert managers, learners, one campaign, enrollments, deliveries and answers."""
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    now = datetime(2027, 1, 1, tzinfo=UTC)
    rng = random.Random(7)
    qs = [(u.id, q.id, q.choices) for u in track.units for q in u.questions]
    with db.session() as s:
        version, _ = tracks.publish(s, track, now)
        s.add(Campaign(id="bench", title="Bench", track_id=track.id, audience={"all": True}, days="mon,tue,wed,thu,fri",
                       at_time="09:30", start_date=START, created_at=now, updated_at=now))
        s.execute(insert(Person), [{"id": m + 1, "email": f"m{m}@example.org", "name": f"Manager {m}",
                                    "timezone": "Europe/Berlin", "roles": "manager", "created_at": now}
                                   for m in range(managers)])
        learners = [{"id": managers + 1 + i, "email": f"l{i}@example.org", "name": f"Learner {i}",
                     "timezone": "Europe/Berlin", "roles": "learner", "manager_id": i // reports + 1, "created_at": now}
                    for i in range(managers * reports)]
        s.execute(insert(Person), learners)
        units = len(track.units)
        s.execute(insert(Enrollment), [{"id": n + 1, "person_id": p["id"], "campaign_id": "bench",
                                        "position": rng.randint(1, min(units, weeks * 5)), "status": "active",
                                        "enrolled_at": now} for n, p in enumerate(learners)])
        deliveries, answers, did = [], [], 0
        for n, p in enumerate(learners):
            skill = rng.uniform(0.3, 0.95)
            for day in range(weeks * 7):
                when = datetime.combine(START + timedelta(days=day), datetime.min.time(), tzinfo=UTC) \
                    + timedelta(hours=8)
                if when.weekday() >= 5:
                    continue
                did += 1
                _, qid, choices = qs[(day * 5 // 7) % len(qs)]
                deliveries.append({"id": did, "key": f"q:{did}", "person_id": p["id"], "enrollment_id": n + 1,
                                   "campaign_id": "bench", "kind": "question", "item": qid, "payload": {},
                                   "channel": "console", "address": str(p["id"]), "due_at": when, "status": "sent",
                                   "next_attempt_at": when, "sent_at": when, "track_version_id": version.id})
                if rng.random() < 0.8:
                    right = rng.random() < skill
                    pick = next(i for i, c in enumerate(choices) if c.correct) if right else 0
                    answers.append({"delivery_id": did, "person_id": p["id"], "campaign_id": "bench",
                                    "question_id": qid, "choice_index": pick, "choice_text": choices[pick].text,
                                    "correct": choices[pick].correct, "latency_ms": 5000,
                                    "track_version_id": version.id, "content_hash": version.content_hash,
                                    "answered_at": when + timedelta(hours=1)})
        s.execute(insert(Delivery), deliveries)
        s.execute(insert(Answer), answers)


def main() -> None:
    """Fill a database, build every digest with its chart, print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--managers", type=int, default=1000)
    ap.add_argument("--reports", type=int, default=10)
    ap.add_argument("--weeks", type=int, default=2)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--png", type=Path, default=None, help="Also write the first manager's chart here.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        upgrade(url)
        db = Database(url)
        t0 = time.perf_counter()
        fill(db, args.managers, args.reports, args.weeks)
        print(f"filled {args.managers} managers, {args.managers * args.reports} learners "
              f"in {time.perf_counter() - t0:.1f} s")
        now = datetime.combine(START + timedelta(days=7 * args.weeks), datetime.min.time(), tzinfo=UTC) \
            + timedelta(hours=7, minutes=30)
        with ProcessPoolExecutor(args.processes) as pool:
            pool.submit(charts.progress_chart, [], "warm-up").result()  # import matplotlib in each worker once
            t0 = time.perf_counter()
            futures: list[Future[bytes]] = []
            gather = 0.0
            with db.session() as s:
                for m in s.scalars(select(Person).where(Person.roles == "manager").order_by(Person.id)):
                    g = time.perf_counter()
                    d = collect(s, m, now)
                    assert d is not None
                    render_digest(d, m.name, m.locale, None)
                    gather += time.perf_counter() - g
                    futures.append(pool.submit(charts.progress_chart, d.weeks, "Your team's progress", m.locale))
            pngs = [f.result() for f in futures]
            total = time.perf_counter() - t0
        print(f"{len(pngs)} digests with charts in {total:.1f} s on {args.processes} processes "
              f"(gathering and text {gather:.1f} s in the main process; {total / len(pngs) * 1000:.0f} ms per digest)")
        if args.png is not None:
            args.png.write_bytes(pngs[0])
            print(f"wrote {args.png}")
        db.dispose()


if __name__ == "__main__":
    main()
