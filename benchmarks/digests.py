"""Time building every manager's digest with its chart: M managers (default 1,000) of R reports (default 10).

Usage: python benchmarks/digests.py [--managers 1000] [--reports 10] [--weeks 2] [--processes 2] [--png FILE]

The database (SQLite in a temporary folder) is filled directly with a campaign, its enrollments and
`weeks` of sent questions and answers per learner. Then, as of the Monday after, the digests are
gathered 500 managers at a time (core/services/team_digest.collect_many: one set of queries per batch,
in this process) and each chart rendered (core/digest_chart.py, a reused matplotlib figure) in a pool
of `processes` worker processes, overlapping with the gathering (`--processes 0`: in this process).
The figure is the wall time from the first query to the last chart.
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
from core.db import Database
from core.digest_chart import digest_png
from core.digest_render import render_digest
from core.models import Answer, Campaign, Delivery, Enrollment, Person
from core.services import tracks
from core.services.team_digest import collect_many

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


def build_all(db: Database, now: datetime, processes: int, batch: int = 500) -> tuple[list[bytes], float]:
    """Gather every digest in batches and render its chart (in a pool when `processes` > 0)."""
    pool = ProcessPoolExecutor(processes) if processes > 0 else None
    if pool is not None:
        pool.submit(digest_png, [], "warm-up").result()  # import matplotlib in each worker once
    futures: list[Future[bytes]] = []
    pngs: list[bytes] = []
    gather = 0.0
    with db.session() as s:
        managers = list(s.scalars(select(Person).where(Person.roles == "manager").order_by(Person.id)))
        for i in range(0, len(managers), batch):
            g = time.perf_counter()
            part = managers[i : i + batch]
            digests = collect_many(s, part, now)
            for m in part:
                render_digest(digests[m.id], m.name, m.locale, None)
            gather += time.perf_counter() - g
            for m in part:
                if pool is None:
                    pngs.append(digest_png(digests[m.id].weeks, "Your team's progress", m.locale))
                else:
                    futures.append(pool.submit(digest_png, digests[m.id].weeks, "Your team's progress", m.locale))
    if pool is not None:
        pngs = [f.result() for f in futures]
        pool.shutdown()
    return pngs, gather


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
        t0 = time.perf_counter()
        pngs, gather = build_all(db, now, args.processes)
        total = time.perf_counter() - t0
        print(f"{len(pngs)} digests with charts in {total:.1f} s on {max(args.processes, 1)} processes "
              f"(gathering and text {gather:.1f} s in the main process; {total / len(pngs) * 1000:.0f} ms per digest)")
        if args.png is not None:
            args.png.write_bytes(pngs[0])
            print(f"wrote {args.png}")
        db.dispose()


if __name__ == "__main__":
    main()
