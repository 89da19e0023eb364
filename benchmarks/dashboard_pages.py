"""Time the dashboard's pages over a campaign of N learners (default 100,000) on SQLite or PostgreSQL.

Usage: python benchmarks/dashboard_pages.py [--learners 100000] [--answers 3] [--requests 40] [--database-url URL]

The data is bulk-inserted (not sent through the scheduler, which benchmarks/tick_10k.py times): N
learners in teams of 100 under N/100 managers, one campaign on the sample track, and `answers`
questions sent and answered per learner over three weeks. Each page is requested `requests` times
in-process through the ASGI app (signed in as the admin, so every page is allowed) after one warm-up
request; the figures are server time for the whole response (queries, template, middleware).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, select
from starlette.testclient import TestClient

from bot.bootstrap import bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from bot.web import create_app
from content.loader import LIBRARY_DIR, load_track_file
from core.clock import VirtualClock
from core.models import Answer, Campaign, Delivery, Enrollment, Person
from core.services import dashboard, tracks

NOW = datetime(2027, 1, 25, 12, 0, tzinfo=UTC)
START = date(2027, 1, 4)
CHUNK = 20_000


def fill(services: object, learners: int, answers: int) -> dict[str, int]:
    """Bulk-insert the organisation, the campaign and its history; return ids worth looking at."""
    db = services.db  # type: ignore[attr-defined]
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    with db.session() as s:
        version, _ = tracks.publish(s, track, NOW)
        questions = [(u.id, q) for u in track.units for q in u.questions]
        s.add(Person(email="admin@example.org", name="Ada Admin", roles="admin", timezone="UTC", created_at=NOW))
        s.add(Campaign(id="big", title="Spotting phishing (everyone)", track_id=track.id, audience={"all": True},
                       days="mon,tue,wed,thu,fri", at_time="09:30", start_date=START, status="active",
                       created_at=NOW, updated_at=NOW))
        s.flush()
        first = int(s.scalar(select(Person.id).where(Person.email == "admin@example.org")) or 0) + 1
        managers = max(1, learners // 100)
        s.execute(insert(Person), [dict(email=f"m{i}@example.org", name=f"Manager {i:05d}", roles="manager",
                                        timezone="Europe/Berlin", created_at=NOW) for i in range(managers)])
        zones = ("Europe/Berlin", "America/New_York", "Asia/Tokyo", "Europe/London")
        for lo in range(0, learners, CHUNK):
            s.execute(insert(Person), [dict(email=f"l{i}@example.org", name=f"Learner {i:06d}", roles="learner",
                                            timezone=zones[i % 4], manager_id=first + i % managers, created_at=NOW)
                                       for i in range(lo, min(learners, lo + CHUNK))])
        base = first + managers
        for lo in range(0, learners, CHUNK):
            s.execute(insert(Enrollment), [dict(
                person_id=base + i, campaign_id="big", position=min(answers, len(track.units)),
                status="completed" if i % 7 == 0 else "active", unanswered=i % 4, reminded=False, escalated=False,
                last_sent_at=NOW - timedelta(days=1), last_answer_at=NOW - timedelta(days=i % 14), enrolled_at=NOW)
                for i in range(lo, min(learners, lo + CHUNK))])
        did = 0
        for lo in range(0, learners, CHUNK // answers):
            people = range(lo, min(learners, lo + CHUNK // answers))
            rows_d, rows_a = [], []
            for i in people:
                for k in range(answers):
                    did += 1
                    uid, q = questions[k % len(questions)]
                    sent = datetime.combine(START + timedelta(days=7 * k + i % 5), datetime.min.time(), UTC)
                    choice = q.correct_index if (i + k) % 3 else (q.correct_index + 1) % len(q.choices)
                    rows_d.append(dict(id=did, key=f"b{did}", person_id=base + i, campaign_id="big", kind="question",
                                       item=q.id, track_version_id=version.id, payload={}, channel="console",
                                       address=str(base + i), seq=2, due_at=sent, status="sent", attempts=1,
                                       next_attempt_at=sent, sent_at=sent))
                    rows_a.append(dict(delivery_id=did, person_id=base + i, campaign_id="big", question_id=q.id,
                                       choice_index=choice, choice_text=q.choices[choice].text,
                                       correct=choice == q.correct_index, latency_ms=1000 + i % 5000,
                                       track_version_id=version.id, content_hash=version.content_hash,
                                       answered_at=sent + timedelta(minutes=5)))
            s.execute(insert(Delivery), rows_d)
            s.execute(insert(Answer), rows_a)
        return {"admin": first - 1, "manager": first, "learner": base + 1}


def timed(client: TestClient, path: str, n: int) -> tuple[float, float, float]:
    """Return (first, p50, p95) milliseconds for `path`; the first request is the cold one."""
    def one() -> float:
        t = time.perf_counter()
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        return (time.perf_counter() - t) * 1000

    first = one()
    runs = sorted(one() for _ in range(n))
    return first, statistics.median(runs), runs[max(0, int(round(0.95 * len(runs))) - 1)]


def main() -> None:
    """Build the data, time the pages and print a table."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--learners", type=int, default=100_000)
    ap.add_argument("--answers", type=int, default=3)
    ap.add_argument("--requests", type=int, default=40)
    ap.add_argument("--database-url", default=None)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        settings = Settings(database_url=url, dashboard_url="http://testserver/dashboard",
                            _env_file=None)
        services = bootstrap(settings, clock=VirtualClock(NOW), platforms=False)
        t = time.perf_counter()
        ids = fill(services, args.learners, args.answers)
        print(f"filled {args.learners:,} learners, {args.learners * args.answers:,} answers in "
              f"{time.perf_counter() - t:.1f}s ({services.db.engine.dialect.name})")
        with services.db.session() as s:
            token = dashboard.issue_sign_in(s, s.get(Person, ids["admin"]), NOW)
        with TestClient(create_app(services), base_url="http://testserver") as client:
            page = client.get(f"/dashboard/signin?token={token}").text
            csrf = page.split('name="csrf" value="')[1].split('"')[0]
            client.post("/dashboard/signin", data={"csrf": csrf, "token": token}, follow_redirects=False)
            pages = {
                "campaigns list": "/dashboard/campaigns",
                "campaign page (funnel, teams, weeks, items)": "/dashboard/campaigns/big",
                "campaign learners, page 1": "/dashboard/campaigns/big/learners",
                "campaign learners, page 1000": "/dashboard/campaigns/big/learners?page=1000",
                "team of 100": f"/dashboard/team?manager={ids['manager']}",
                "person": f"/dashboard/people/{ids['learner']}",
                "people (loose ends)": "/dashboard/people",
            }
            print(f"{'page':46} {'first ms':>9} {'p50 ms':>8} {'p95 ms':>8}")
            for name, path in pages.items():
                first, p50, p95 = timed(client, path, args.requests)
                print(f"{name:46} {first:9.0f} {p50:8.0f} {p95:8.0f}")
        services.db.dispose()


if __name__ == "__main__":
    main()
