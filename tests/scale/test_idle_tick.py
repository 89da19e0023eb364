"""A tick with nothing due reads through indexes only: its cost follows what is due, not who is enrolled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from core.db import Database
from core.models import Delivery
from scheduler.worker import plan_and_queue
from tests.helpers import load_sample_world

SUNDAY = datetime(2027, 1, 3, 12, tzinfo=UTC)
TABLES = ("people", "enrollments", "deliveries", "chat_accounts", "answers", "memory")


def _world(tmp: Path) -> Database:
    url = f"sqlite:///{tmp / 'idle.db'}"
    rows = ["ada@example.org,Ada,Europe/Berlin,en,,admin"]
    rows += [f"l{i}@example.org,L{i},Asia/Tokyo,en,,learner" for i in range(300)]  # no manager: admins hear once
    load_sample_world(url, rows, SUNDAY, tmp)
    return Database(url)


def test_an_idle_tick_scans_no_table_of_people_enrollments_or_deliveries(tmp_path: Path) -> None:
    db = _world(tmp_path)
    plan_and_queue(db, SUNDAY)  # plans, and tells the admin once about the learners without a manager
    with db.session() as s:
        notices = s.scalars(select(Delivery).where(Delivery.kind == "notice")).all()
    assert len(notices) == 1 and "L0" in str(notices[0].payload)
    seen: list[tuple[str, Any]] = []

    def record(conn: object, cursor: object, stmt: str, params: Any, context: object, many: bool) -> None:
        if stmt.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and not many:
            seen.append((stmt, params))

    event.listen(db.engine, "before_cursor_execute", record)
    plan_and_queue(db, SUNDAY + timedelta(minutes=1))
    event.remove(db.engine, "before_cursor_execute", record)
    assert seen
    with db.engine.connect() as conn:
        plans = {stmt: [str(row[3]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {stmt}", params)]
                 for stmt, params in seen}
        # A partial index holds only the rows a tick may have to act on, so walking one is O(due).
        partial = set(conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'index' AND sql LIKE "
                                           "'%WHERE%'").scalars())
    assert {"ix_enrollments_unplanned", "ix_enrollments_ladder"} <= partial

    def full_scan(step: str) -> bool:
        return any(step.startswith(f"SCAN {t}") for t in TABLES) and not any(f"INDEX {i}" in step for i in partial)

    scans = {s: " | ".join(p) for s, p in plans.items() if any(full_scan(step) for step in p)}
    assert not scans, "\n".join(f"{p}\n   <- {s[-400:]}" for s, p in scans.items())
    db.dispose()
