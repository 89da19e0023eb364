"""Every schema change keeps the data: fill a database at an earlier revision, upgrade, compare the exports."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import create_engine, inspect, text

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.services import reports

INITIAL = "d2868cd1963a"

T0 = "2027-01-04 09:30:00.000000"
T1 = "2027-01-04 09:31:00.000000"
T2 = "2027-01-04 09:35:00.000000"

# People as the initial schema kept them: chat ids were columns of people.
INITIAL_ROWS = [
    """INSERT INTO people (id, email, name, timezone, tz_source, locale, manager_id, roles, slack_id, telegram_id,
       status, created_at) VALUES
       (1, 'boss@example.org', 'Bo Boss', 'Europe/Berlin', 'roster', 'de', NULL, 'manager', 'U0BOSS', NULL,
        'active', '2027-01-01 00:00:00.000000'),
       (2, 'ann@example.org', 'Ann Example', 'Europe/Berlin', 'roster', 'en', 1, 'learner', 'U0ANN', '4242',
        'active', '2027-01-01 00:00:00.000000'),
       (3, NULL, 'Tele Gram', 'Asia/Tokyo', 'chat', 'en', 1, 'learner', NULL, '777', 'blocked',
        '2027-01-01 00:00:00.000000'),
       (4, 'cli@example.org', 'Con Sole', 'America/New_York', 'roster', 'en', NULL, 'learner;admin', NULL, NULL,
        'paused', '2027-01-01 00:00:00.000000')""",
    """INSERT INTO track_versions (id, track_id, version, content_hash, title, body, published_at) VALUES
       (1, 't', 1, 'abc123', 'T', '{}', '2027-01-01 00:00:00.000000')""",
    """INSERT INTO campaigns (id, title, track_id, audience, days, at_time, start_date, remind_after, manager_after,
       digest_day, digest_at, status, created_at, updated_at) VALUES
       ('c1', 'C one', 't', '{"all": true}', 'mon', '09:30', '2027-01-04', 2, 4, 'mon', '08:30', 'active',
        '2027-01-01 00:00:00.000000', '2027-01-01 00:00:00.000000')""",
    """INSERT INTO enrollments (id, person_id, campaign_id, position, status, unanswered, reminded, escalated,
       enrolled_at) VALUES (1, 2, 'c1', 1, 'active', 0, false, false, '2027-01-01 00:00:00.000000')""",
    f"""INSERT INTO deliveries (id, key, person_id, enrollment_id, campaign_id, kind, item, track_version_id,
       payload, channel, address, seq, due_at, status, attempts, next_attempt_at, sent_at) VALUES
       (1, 'e1:2027-01-04:lesson', 2, 1, 'c1', 'lesson', 'u1', 1, '{{}}', 'telegram', '4242', 1, '{T0}', 'sent',
        1, '{T0}', '{T1}'),
       (2, 'e1:2027-01-04:q:q1', 2, 1, 'c1', 'question', 'q1', 1, '{{}}', 'telegram', '4242', 2, '{T0}', 'sent',
        1, '{T0}', '{T1}'),
       (3, 'digest:1:2027-01-04', 1, NULL, NULL, 'digest', '', NULL, '{{}}', 'slack', 'U0BOSS', 0, '{T0}',
        'pending', 0, '{T0}', NULL)""",
    f"""INSERT INTO answers (id, delivery_id, person_id, campaign_id, question_id, choice_index, choice_text,
       correct, latency_ms, track_version_id, content_hash, answered_at) VALUES
       (1, 2, 2, 'c1', 'q1', 1, 'Verify it', true, 240000, 1, 'abc123', '{T2}')""",
]

EXPECTED_PEOPLE = [
    {"email": "boss@example.org", "name": "Bo Boss", "timezone": "Europe/Berlin", "timezone_source": "roster",
     "locale": "de", "manager_email": None, "roles": "manager", "slack_id": "U0BOSS", "telegram_id": None,
     "status": "active", "paused_until": None},
    {"email": "ann@example.org", "name": "Ann Example", "timezone": "Europe/Berlin", "timezone_source": "roster",
     "locale": "en", "manager_email": "boss@example.org", "roles": "learner", "slack_id": "U0ANN",
     "telegram_id": "4242", "status": "active", "paused_until": None},
    {"email": None, "name": "Tele Gram", "timezone": "Asia/Tokyo", "timezone_source": "chat", "locale": "en",
     "manager_email": "boss@example.org", "roles": "learner", "slack_id": None, "telegram_id": "777",
     "status": "blocked", "paused_until": None},
    {"email": "cli@example.org", "name": "Con Sole", "timezone": "America/New_York", "timezone_source": "roster",
     "locale": "en", "manager_email": None, "roles": "learner;admin", "slack_id": None, "telegram_id": None,
     "status": "paused", "paused_until": None},
]
EXPECTED_DELIVERIES = [
    {"id": 3, "person": "boss@example.org", "campaign": None, "kind": "digest", "item": "", "channel": "slack",
     "due_at": "2027-01-04T09:30:00+00:00", "sent_at": None, "status": "pending", "attempts": 0, "error": None,
     "slot_day": None, "slot_at": None},
    {"id": 1, "person": "ann@example.org", "campaign": "c1", "kind": "lesson", "item": "u1", "channel": "telegram",
     "due_at": "2027-01-04T09:30:00+00:00", "sent_at": "2027-01-04T09:31:00+00:00", "status": "sent",
     "attempts": 1, "error": None, "slot_day": None, "slot_at": None},
    {"id": 2, "person": "ann@example.org", "campaign": "c1", "kind": "question", "item": "q1",
     "channel": "telegram", "due_at": "2027-01-04T09:30:00+00:00", "sent_at": "2027-01-04T09:31:00+00:00",
     "status": "sent", "attempts": 1, "error": None, "slot_day": None, "slot_at": None},
]
EXPECTED_ANSWERS = [
    {"person": "ann@example.org", "campaign": "c1", "question": "q1", "question_text": None, "choice": "Verify it",
     "choice_index": 2, "response": None, "score": 1.0,
     "correct": True, "latency_ms": 240000, "answered_at": "2027-01-04T09:35:00+00:00", "content_hash": "abc123",
     "step": None, "path": None},
]


def _fill_initial(url: str) -> None:
    upgrade(url, INITIAL)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        for stmt in INITIAL_ROWS:
            con.execute(text(stmt))
        if engine.dialect.name == "postgresql":
            # Rows inserted with explicit ids leave the sequences behind; the app inserts after this.
            for table in ("people", "track_versions", "enrollments", "deliveries", "answers"):
                con.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))
    engine.dispose()


def _exports(url: str) -> dict[str, list[reports.Row]]:
    db = Database(url)
    with db.session() as s:
        out = {name: fn(s, None) for name, fn in reports.REPORTS.items()}
    db.dispose()
    return out


def _check_upgrade_keeps_exports(url: str) -> None:
    _fill_initial(url)
    upgrade(url)
    got = _exports(url)
    assert got["people"] == EXPECTED_PEOPLE
    assert got["deliveries"] == EXPECTED_DELIVERIES
    assert got["answers"] == EXPECTED_ANSWERS


def test_upgrade_from_initial_keeps_every_export_on_sqlite(tmp_path: Path) -> None:
    _check_upgrade_keeps_exports(f"sqlite:///{tmp_path / 'old.db'}")


def test_upgrade_from_initial_keeps_every_export_on_postgres(pg_url: str) -> None:
    _check_upgrade_keeps_exports(pg_url)


def test_downgrade_to_initial_puts_chat_ids_back(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    _fill_initial(url)
    upgrade(url)
    downgrade(url, INITIAL)
    con = sqlite3.connect(path)
    rows = con.execute("SELECT id, slack_id, telegram_id FROM people ORDER BY id").fetchall()
    con.close()
    assert rows == [(1, "U0BOSS", None), (2, "U0ANN", "4242"), (3, None, "777"), (4, None, None)]


def snapshot(url: str) -> dict[str, list[tuple[object, ...]]]:
    """Return the rows every revision since chat accounts has, read with plain SQL (no ORM of today)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    queries = {
        "people": "SELECT id, email, name, timezone, manager_id, roles, status FROM people ORDER BY id",
        "accounts": "SELECT person_id, platform, user_id, status FROM chat_accounts ORDER BY id",
        "deliveries": "SELECT id, key, person_id, kind, status, channel, address FROM deliveries ORDER BY id",
        "answers": "SELECT id, delivery_id, person_id, question_id, choice_index, correct FROM answers ORDER BY id",
    }
    with engine.begin() as con:
        out = {name: [tuple(r) for r in con.execute(text(q))] for name, q in queries.items()}
    engine.dispose()
    return out


def upgrade_keeps_rows(url: str, previous: str) -> None:
    """Fill `url` at the first revision, upgrade it to `previous`, then to head: every row must still be there."""
    _fill_initial(url)
    upgrade(url, previous)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before


def column_names(url: str, table: str) -> set[str]:
    """Return the names of `table`'s columns as the database has them."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    try:
        return {c["name"] for c in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def raw_rows(url: str, tables: tuple[str, ...]) -> dict[str, list[dict[str, object]]]:
    """Return every column of every row of `tables`, read with plain SQL (no ORM of today)."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as con:
        out = {t: [dict(r._mapping) for r in con.execute(text(f"SELECT * FROM {t} ORDER BY 1"))] for t in tables}
    engine.dispose()
    return out


def upgrade_keeps_columns(url: str, previous: str, tables: tuple[str, ...], to: str = "head") -> None:
    """Fill `url` at the first revision, upgrade it to `previous`, then to `to`: every column each row of `tables`
    had before must hold the same value after (new columns may be added)."""
    _fill_initial(url)
    upgrade(url, previous)
    before = raw_rows(url, tables)
    upgrade(url, to)
    after = raw_rows(url, tables)
    for table, rows in before.items():
        assert [{k: r[k] for k in rows[0]} for r in after[table]] == rows if rows else after[table] == [], table


def downgrade_drops(url: str, previous: str, table: str) -> None:
    """Downgrade `url` to `previous` (its `table` must be gone), then upgrade it to head again."""
    downgrade(url, previous)
    engine = create_engine(url)
    assert table not in inspect(engine).get_table_names()
    engine.dispose()
    upgrade(url)


LADDER_PREVIOUS = "f3b8c1d7a2e5"  # shared rate limits


def _check_ladder_upgrade(url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import select

    from core.models import CampaignReporting, Enrollment, EscalationItem

    _fill_initial(url)
    upgrade(url, LADDER_PREVIOUS)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before
    db = Database(url)
    now = datetime(2027, 1, 8, 9, 0, tzinfo=UTC)
    with db.session() as s:
        e = s.scalars(select(Enrollment)).one()
        assert (e.quiet_since, e.ladder_step, e.ladder_at, e.snoozed_until) == (None, 0, None, None)
        e.quiet_since, e.ladder_step, e.ladder_at = now, 1, now
        s.add(CampaignReporting(campaign_id="c1", digest_depth=1, struggle_below_pct=50, struggle_last=5,
                                pseudonymous=False, retention_days=30, ladder=[["manager", 2]]))
        s.add(EscalationItem(recipient_id=1, learner_id=2, enrollment_id=e.id, campaign_id="c1", step="manager",
                             quiet_since=now, crossed_at=now))
    with db.session() as s:
        row = s.get(CampaignReporting, "c1")
        assert row is not None
        assert (row.ladder, row.escalation_at, row.retention_days) == ([["manager", 2]], "09:00", 30)
        assert s.scalars(select(EscalationItem.step)).all() == ["manager"]
    db.dispose()


def test_ladder_upgrade_keeps_data_on_sqlite(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _check_ladder_upgrade(url)
    downgrade(url, LADDER_PREVIOUS)
    assert snapshot(url)["people"][0][1] == "boss@example.org"
    upgrade(url)


def test_ladder_upgrade_keeps_data_on_postgres(pg_url: str) -> None:
    _check_ladder_upgrade(pg_url)
    downgrade(pg_url, LADDER_PREVIOUS)
    upgrade(pg_url)
