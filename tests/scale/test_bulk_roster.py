"""Roster import and campaign apply in bulk: past PostgreSQL's 65,535 parameters, no per-row queries."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from bot.dbsetup import upgrade
from content.campaign import CampaignSpec
from content.loader import LIBRARY_DIR, load_track_file
from core.db import Database
from core.errors import UserError
from core.models import Enrollment, Person
from core.services import tracks
from flows import campaigns as flows_campaigns
from flows import people as flows_people

NOW = datetime(2027, 1, 3, 12, tzinfo=UTC)
HEADER = "email,name,timezone,locale,manager_email,roles\n"


def spec(audience: dict[str, object]) -> CampaignSpec:
    """Return a weekday campaign of the sample track for `audience`."""
    return CampaignSpec.model_validate({
        "id": "bulk", "track": "phishing-basics", "audience": audience,
        "schedule": {"days": ["mon", "tue", "wed", "thu", "fri"], "at": "09:00", "start": "2027-01-04"}})


def publish(db: Database) -> None:
    track, problems, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None, problems
    with db.session() as s:
        tracks.publish(s, track, NOW)


@contextmanager
def statements(db: Database) -> Iterator[list[tuple[str, int]]]:
    """Record (statement, number of bound parameters) for every statement sent."""
    seen: list[tuple[str, int]] = []

    def before(conn: object, cursor: object, stmt: str, params: object, context: object, many: bool) -> None:
        first = params[0] if isinstance(params, list | tuple) and params and isinstance(params[0], dict | tuple) \
            else params
        n = len(first) if isinstance(first, dict | tuple | list) else 0
        seen.append((stmt, n))

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_70000_learners_import_and_apply_on_postgres(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    db = Database(pg_url)
    publish(db)
    roster = tmp_path / "people.csv"
    zones = ("Europe/Berlin", "Asia/Tokyo", "America/New_York", "Australia/Sydney")
    with roster.open("w", encoding="utf-8") as f:
        f.write(HEADER + "boss@example.org,Boss,Europe/Berlin,en,,manager\n")
        f.writelines(f"l{i}@example.org,L {i},{zones[i % 4]},en,boss@example.org,learner\n" for i in range(70_000))
    with statements(db) as seen, db.session() as s:
        report = flows_people.import_roster(s, roster, NOW)
        applied = flows_campaigns.apply_campaign(s, spec({"all": True}), NOW)
    assert (report.created, applied.enrolled) == (70_001, 70_000)
    assert max(n for _, n in seen) <= 5_000, "no statement nears PostgreSQL's 65,535 parameters"
    assert len(seen) < 70_000 // 100, "chunked statements, not one per row"
    with db.session() as s:
        planned = s.scalar(select(func.count()).where(Enrollment.next_due_at.is_not(None)))
        assert planned == 70_000
    # The HR export now lists only three people: everyone else leaves, and their enrollments stop.
    roster.write_text(HEADER + "boss@example.org,Boss,Europe/Berlin,en,,manager\n"
                      + "".join(f"l{i}@example.org,L {i},{zones[i % 4]},en,boss@example.org,learner\n"
                                for i in range(2)), encoding="utf-8")
    with db.session() as s:
        report = flows_people.import_roster(s, roster, NOW, full=True)
    assert (report.unchanged, report.left) == (3, 69_998)
    with db.session() as s:
        active = s.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.status == "active"))
        left = s.scalar(select(func.count()).select_from(Person).where(Person.status == "left"))
    assert (active, left) == (2, 69_998)
    db.dispose()


def test_managers_outside_the_file_cost_one_lookup_not_one_query_per_row(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    db = Database(url)
    managers = tmp_path / "managers.csv"
    managers.write_text(HEADER + "".join(f"m{m}@example.org,M {m},Europe/Berlin,en,,manager\n" for m in range(30)),
                        encoding="utf-8")
    learners = tmp_path / "learners.csv"
    learners.write_text(HEADER + "".join(f"l{i}@example.org,L {i},Asia/Tokyo,en,m{i % 30}@example.org,learner\n"
                                         for i in range(600)), encoding="utf-8")
    with db.session() as s:
        flows_people.import_roster(s, managers, NOW)
    with statements(db) as seen, db.session() as s:
        report = flows_people.import_roster(s, learners, NOW)
    assert report.created == 600
    assert len(seen) < 30, [stmt for stmt, _ in seen]
    with db.session() as s:
        boss = s.scalars(select(Person).where(Person.email == "m7@example.org")).one()
        assert s.scalar(select(func.count()).select_from(Person).where(Person.manager_id == boss.id)) == 20
    db.dispose()


def _reports_before_managers(url: str, tmp_path: Path) -> None:
    """Import 4,500 learners listed before their three managers (past one chunk of 2,000), then a new boss."""
    upgrade(url)
    db = Database(url)
    roster = tmp_path / "people.csv"
    roster.write_text(HEADER + "".join(f"l{i}@example.org,L {i},Asia/Tokyo,en,m{i % 3}@example.org,learner\n"
                                       for i in range(4_500))
                      + "".join(f"m{m}@example.org,M {m},Europe/Berlin,en,boss@example.org,manager\n" for m in range(3))
                      + "boss@example.org,Boss,Europe/Berlin,en,,manager\n", encoding="utf-8")
    with db.session() as s:
        report = flows_people.import_roster(s, roster, NOW)
    assert report.created == 4_504
    with db.session() as s:
        boss = select(Person.id).where(Person.email == "boss@example.org").scalar_subquery()
        managers = s.scalars(select(Person.email).where(Person.manager_id == boss).order_by(Person.email)).all()
        sizes = [s.scalar(select(func.count()).select_from(Person).where(
            Person.manager_id == select(Person.id).where(Person.email == f"m{m}@example.org").scalar_subquery()))
            for m in range(3)]
    assert (managers, sizes) == (["m0@example.org", "m1@example.org", "m2@example.org"], [1_500] * 3)
    db.dispose()


def test_reports_listed_before_their_managers_get_them_on_sqlite(tmp_path: Path) -> None:
    _reports_before_managers(f"sqlite:///{tmp_path / 'db.sqlite'}", tmp_path)


def test_reports_listed_before_their_managers_get_them_on_postgres(pg_url: str, tmp_path: Path) -> None:
    _reports_before_managers(pg_url, tmp_path)


def test_a_bad_line_or_a_loop_past_the_first_chunk_changes_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    db = Database(url)
    roster = tmp_path / "people.csv"
    good = "".join(f"l{i}@example.org,L {i},Asia/Tokyo,en,,learner\n" for i in range(4_000))
    roster.write_text(HEADER + good, encoding="utf-8")
    with db.session() as s:
        flows_people.import_roster(s, roster, NOW)
    renamed = good.replace(",L ", ",Renamed ")
    cases = [("l3999@example.org,L 3999,Mars/Olympus,en,,learner\n", 4_001, "timezone"),
             ("a@example.org,A,Asia/Tokyo,en,b@example.org,learner\nb@example.org,B,Asia/Tokyo,en,a@example.org,"
              "learner\n", 4_002, "reporting lines form a loop")]
    for tail, line, words in cases:
        bad = renamed.rsplit("l3999@", 1)[0] + tail if "Mars" in tail else renamed + tail
        roster.write_text(HEADER + bad, encoding="utf-8")
        with pytest.raises(UserError, match=rf"people.csv:{line}: .*{words}"), db.session() as s:
            flows_people.import_roster(s, roster, NOW)
    with db.session() as s:
        names = set(s.scalars(select(Person.name)))
        assert len(names) == 4_000 and not any(n.startswith("Renamed") for n in names)
    db.dispose()
