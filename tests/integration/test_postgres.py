"""The scale-out path: migrations, ticks and concurrent workers on a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select

from bot.bootstrap import Services, bootstrap
from bot.dbsetup import upgrade
from bot.settings import Settings
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.clock import VirtualClock
from core.models import Delivery
from core.services import campaigns, people, tracks
from scheduler.planner import plan_pending
from scheduler.worker import tick


def _populate(services: Services, tmp_path: Path, learners: int) -> None:
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    rows = ["email,name,timezone,locale,manager_email,roles,slack_id,telegram_id",
            "boss@example.org,Boss,Europe/Berlin,en,,manager,,"]
    zones = ["Europe/Berlin", "Europe/London", "Asia/Dubai"]
    rows += [f"l{i}@example.org,Learner {i},{zones[i % 3]},en,boss@example.org,learner,,"
             for i in range(learners)]
    roster = tmp_path / "people.csv"
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    spec = CampaignSpec.model_validate({
        "id": "pg", "track": track.id, "audience": {"all": True},
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:30", "start": "2027-01-04"}})
    now = services.clock.now()
    with services.db.session() as s:
        tracks.publish(s, track, now)
        people.import_roster(s, roster, now)
        campaigns.apply_campaign(s, spec, now)
        plan_pending(s, now)


def test_two_workers_on_postgres_send_each_nudge_exactly_once(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    clock = VirtualClock(datetime(2027, 1, 3, 12, tzinfo=UTC))
    settings = Settings(database_url=pg_url, _env_file=None)
    first = bootstrap(settings, clock=clock, platforms=False)
    _populate(first, tmp_path, learners=60)
    # Monday 2027-01-04 09:50Z: 09:30 has passed in all three zones, within the 6-hour catch-up window.
    clock.set(datetime(2027, 1, 4, 9, 50, tzinfo=UTC))
    second = bootstrap(settings, clock=clock, platforms=False)
    reports = []

    def run(services: Services) -> None:
        reports.append(asyncio.run(tick(services.db, services.dispatcher, clock.now())))

    threads = [threading.Thread(target=run, args=(s,)) for s in (first, second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    sent = sum(len(r.dispatch.sent) for r in reports)
    with first.db.session() as s:
        by_kind = dict(s.execute(select(Delivery.kind, func.count()).group_by(Delivery.kind)).all())
        statuses = set(s.scalars(select(Delivery.status)))
    assert by_kind == {"lesson": 60, "question": 60}
    assert statuses == {"sent"}
    assert sent == 120  # each message went out once, whichever worker claimed it
    again = asyncio.run(tick(first.db, first.dispatcher, clock.now()))
    assert again.dispatch.sent == []
    first.db.dispose()
    second.db.dispose()
