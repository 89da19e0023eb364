"""After a bulk roster import and campaign apply, PostgreSQL finds due work through its indexes at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from bot.dbsetup import upgrade
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.db import Database
from core.services import tracks
from flows import campaigns, people

SUNDAY = datetime(2027, 1, 3, 12, tzinfo=UTC)


def test_the_first_tick_after_a_bulk_load_uses_the_due_index(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    db = Database(pg_url)
    track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None
    roster = tmp_path / "people.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles\n" + "".join(
        f"l{i}@example.org,L{i},Asia/Tokyo,en,,learner\n" for i in range(5_000)), encoding="utf-8")
    with db.session() as s:
        tracks.publish(s, track, SUNDAY)
        people.import_roster(s, roster, SUNDAY)
        campaigns.apply_campaign(s, CampaignSpec.model_validate({
            "id": "c", "track": "phishing-basics", "audience": {"roles": ["learner"]},
            "schedule": {"days": ["mon"], "at": "09:00", "start": "2027-01-04"}}), SUNDAY)
    # Autovacuum would gather statistics minutes later; until then a planner that thinks the table is
    # empty-ish scans all of it on every tick.
    with db.engine.connect() as conn:
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT id FROM enrollments WHERE next_due_at <= :now AND status = 'active' "
            "ORDER BY next_due_at, id LIMIT 2000"), {"now": SUNDAY}).scalars())
    assert "Seq Scan on enrollments" not in plan, plan
    assert "ix_enrollments_due" in plan, plan
    db.dispose()
