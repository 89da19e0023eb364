"""After a bulk roster import and campaign apply, PostgreSQL finds due work through its indexes at once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

from core.db import Database
from tests.helpers import load_sample_world

SUNDAY = datetime(2027, 1, 3, 12, tzinfo=UTC)


def test_the_first_tick_after_a_bulk_load_uses_the_due_index(pg_url: str, tmp_path: Path) -> None:
    load_sample_world(pg_url, [f"l{i}@example.org,L{i},Asia/Tokyo,en,,learner" for i in range(5_000)], SUNDAY,
                      tmp_path)
    db = Database(pg_url)
    # Autovacuum would gather statistics minutes later; until then a planner that thinks the table is
    # empty-ish scans all of it on every tick.
    with db.engine.connect() as conn:
        plan = "\n".join(conn.execute(text(
            "EXPLAIN SELECT id FROM enrollments WHERE next_due_at <= :now AND status = 'active' "
            "ORDER BY next_due_at, id LIMIT 2000"), {"now": SUNDAY}).scalars())
    assert "Seq Scan on enrollments" not in plan, plan
    assert "ix_enrollments_due" in plan, plan
    db.dispose()
