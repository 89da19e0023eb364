"""A tick with nothing due reads through indexes only: its cost follows what is due, not who is enrolled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, select

from bot.dbsetup import upgrade
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.db import Database
from core.models import Delivery
from core.services import tracks
from flows import campaigns, people
from scheduler.worker import plan_and_queue

SUNDAY = datetime(2027, 1, 3, 12, tzinfo=UTC)
TABLES = ("people", "enrollments", "deliveries", "chat_accounts", "answers", "memory")


def _world(tmp: Path) -> Database:
    url = f"sqlite:///{tmp / 'idle.db'}"
    upgrade(url)
    roster = tmp / "people.csv"
    rows = ["email,name,timezone,locale,manager_email,roles", "ada@example.org,Ada,Europe/Berlin,en,,admin"]
    rows += [f"l{i}@example.org,L{i},Asia/Tokyo,en,,learner" for i in range(300)]  # no manager: admins hear once
    roster.write_text("\n".join(rows) + "\n", encoding="utf-8")
    track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None
    db = Database(url)
    with db.session() as s:
        tracks.publish(s, track, SUNDAY)
        people.import_roster(s, roster, SUNDAY)
        campaigns.apply_campaign(s, CampaignSpec.model_validate({
            "id": "c", "track": "phishing-basics", "audience": {"roles": ["learner"]},
            "schedule": {"days": ["mon"], "at": "09:00", "start": "2027-01-04"}}), SUNDAY)
    return db


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
