"""The due-indexes migration keeps the data and marks existing managers for digest planning."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text

from bot.dbsetup import at_head, downgrade, head_revisions, upgrade
from core.db import Database
from core.services import due
from scheduler.digests import plan_digests

PREVIOUS = "e5a1c7d3f920"  # lesson history
ROWS = [
    """INSERT INTO people (id, email, name, timezone, tz_source, locale, manager_id, roles, status, created_at)
       VALUES (1, 'boss@example.org', 'Bo', 'Europe/Berlin', 'roster', 'en', NULL, 'manager', 'active',
               '2027-01-01 00:00:00.000000'),
              (2, 'ann@example.org', 'Ann', 'Europe/Berlin', 'roster', 'en', 1, 'learner', 'active',
               '2027-01-01 00:00:00.000000'),
              (3, 'ida@example.org', 'Ida', 'Asia/Tokyo', 'roster', 'en', NULL, 'learner', 'active',
               '2027-01-01 00:00:00.000000')""",
    """INSERT INTO campaigns (id, title, track_id, audience, days, at_time, start_date, remind_after, manager_after,
       digest_day, digest_at, status, created_at, updated_at) VALUES
       ('c1', 'C one', 't', '{"all": true}', 'mon', '09:30', '2027-01-04', 2, 4, 'tue', '08:30', 'active',
        '2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000000')""",
    """INSERT INTO enrollments (id, person_id, campaign_id, position, status, unanswered, reminded, escalated,
       enrolled_at, next_due_at) VALUES
       (1, 2, 'c1', 1, 'active', 0, false, false, '2027-01-01 00:00:00.000000', '2027-01-04 08:30:00.000000'),
       (2, 3, 'c1', 0, 'active', 0, false, false, '2027-01-01 00:00:00.000000', NULL)""",
]


def test_upgrade_marks_managers_and_keeps_every_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, PREVIOUS)
    engine = create_engine(url)
    with engine.begin() as conn:
        for stmt in ROWS:
            conn.execute(text(stmt))
    assert not at_head(engine)
    upgrade(url)
    assert at_head(engine) and len(head_revisions()) == 1  # one head: the migrations form a single chain
    indexes = {ix["name"] for table in ("people", "enrollments") for ix in inspect(engine).get_indexes(table)}
    assert {"ix_people_manager_id", "ix_enrollments_unplanned"} <= indexes
    with engine.connect() as conn:
        people = conn.execute(text("SELECT id, email, manager_id, next_digest_at FROM people ORDER BY id")).all()
        enrolled = conn.execute(text("SELECT id, person_id, status, next_due_at FROM enrollments ORDER BY id")).all()
    assert [(p[0], p[1], p[2]) for p in people] == [(1, "boss@example.org", None), (2, "ann@example.org", 1),
                                                    (3, "ida@example.org", None)]
    assert [p[3] is not None for p in people] == [True, False, False]  # only the manager is marked
    assert [(e[0], e[1], e[2], e[3] is None) for e in enrolled] == [(1, 2, "active", False), (2, 3, "active", True)]
    db = Database(url)
    with db.session() as s:
        assert [m.id for m in due.managers_to_plan(s)] == [1]
        assert plan_digests(s, datetime(2027, 1, 3, 12, tzinfo=UTC)) == 1
        assert due.managers_to_plan(s) == []
        # Tuesday 08:30 in Berlin: the campaign's digest day.
        assert [m.next_digest_at for m in due.managers_due(s, datetime(2027, 1, 5, 8, tzinfo=UTC))] == [
            datetime(2027, 1, 5, 7, 30, tzinfo=UTC)]
    db.dispose()
    downgrade(url, PREVIOUS)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM people")).scalar() == 3
    engine.dispose()


def test_the_cli_imports_no_chat_sdk_until_a_platform_command_runs() -> None:
    code = ("import sys, bot.cli; bad = [m for m in ('telegram', 'slack_sdk', 'slack_bolt', 'alembic') "
            "if m in sys.modules]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_a_tick_finds_its_work_through_indexes_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'plans.db'}"
    upgrade(url)
    db = Database(url)
    seen: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, stmt: str, params: Any, context: object, many: bool) -> None:
        if stmt.startswith("SELECT"):
            seen.append((stmt, params))

    event.listen(db.engine, "before_cursor_execute", record)
    now = datetime(2027, 1, 4, 9, tzinfo=UTC)
    with db.session() as s:
        due.unplanned_enrollments(s, 100)
        due.due_enrollments(s, now, 100)
        due.managers_to_plan(s)
        due.managers_due(s, now)
    event.remove(db.engine, "before_cursor_execute", record)
    with db.engine.connect() as conn:
        plans = [" ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {stmt}", params))
                 for stmt, params in seen]
    assert "USING INDEX ix_enrollments_unplanned" in plans[0]
    assert "USING INDEX ix_enrollments_due (next_due_at<?)" in plans[1]
    assert all("USING INDEX ix_people_next_digest_at" in p for p in plans[2:]), plans
    assert not any("SCAN people" in p for p in plans), plans
    db.dispose()
