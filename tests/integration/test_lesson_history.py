"""Lesson history: the migration fills it from lessons already sent (data kept, up and down), each lesson
sent later joins it, and search finds a lesson by a word in it, on SQLite (FTS5) and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from bot.dbsetup import downgrade, upgrade
from core.db import Database
from core.models import Delivery
from core.services import history, outbox
from tests.integration.test_migrations import EXPECTED_ANSWERS, EXPECTED_PEOPLE, _exports, _fill_initial

PREVIOUS = "b3d5f7a9c2e1"  # dashboard
ANN = 2  # the learner with a sent lesson in the filled database
OLD_LESSON = {"kind": "lesson", "title": "Spotting phishing · 1/6: Sender addresses",
              "text": "Check the sender's domain before you click a link.\n\n_Why it matters:_ lookalike domains."}
NOW = datetime(2027, 1, 6, 9, 31, tzinfo=UTC)


def _people(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        rows = [tuple(r) for r in con.execute(text("SELECT id, email, name FROM people ORDER BY id"))]
    engine.dispose()
    return rows


def _fill(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    cast = "CAST(:p AS json)" if engine.dialect.name == "postgresql" else ":p"
    with engine.begin() as con:
        con.execute(text(f"UPDATE deliveries SET payload = {cast} WHERE id = 1"), {"p": json.dumps(OLD_LESSON)})
    engine.dispose()


def _send_lesson(db: Database, title: str, body: str) -> None:
    with db.session() as s:
        d = Delivery(key=f"e1:{title}", person_id=ANN, campaign_id="c1", kind="lesson", item="u2",
                     payload={"kind": "lesson", "title": title, "text": body}, channel="telegram",
                     address="4242", due_at=NOW, next_attempt_at=NOW, status="pending", attempts=1)
        s.add(d)
        s.flush()
        outbox.mark_sent(s, d.id, "4242:77", NOW)
        outbox.mark_sent(s, d.id, "4242:77", NOW)  # marked twice (a retried bookkeeping): kept once


def _check(url: str) -> None:
    _fill(url)
    before = _people(url)
    upgrade(url)
    assert _people(url) == before
    got = _exports(url)
    assert got["people"] == EXPECTED_PEOPLE and got["answers"] == EXPECTED_ANSWERS
    db = Database(url)
    with db.session() as s:
        [old] = history.recent(s, ANN)
        assert (old.delivery_id, old.title, old.campaign_id) == (1, OLD_LESSON["title"], "c1")
        hits = history.search(s, ANN, "domain")
        assert [h.entry.delivery_id for h in hits] == [1] and "*domain*" in hits[0].snippet
        assert [h.entry.id for h in history.search(s, ANN, "LOOKALIKE dom")] == [old.id]  # case, prefixes
        assert history.search(s, ANN, "domain password") == []  # every word must match
        assert history.search(s, 1, "domain") == []  # only the learner's own lessons
        assert history.search(s, ANN, '" OR * NEAR(') == []  # nothing typed is query syntax
    _send_lesson(db, "Spotting phishing · 2/6: Passwords", "A passphrase manager remembers them for you.")
    with db.session() as s:
        assert [e.title for e in history.recent(s, ANN)] == ["Spotting phishing · 2/6: Passwords", OLD_LESSON["title"]]
        [hit] = history.search(s, ANN, "passphrase")
        assert hit.entry.title.endswith("Passwords") and "*passphrase*" in hit.snippet
        assert [h.entry.delivery_id for h in history.search(s, ANN, "spotting")] != []
    db.dispose()
    downgrade(url, PREVIOUS)
    assert _people(url) == before
    upgrade(url)  # and up again: the index is rebuilt from the deliveries
    db = Database(url)
    with db.session() as s:
        assert len(history.search(s, ANN, "phishing")) == 2
    db.dispose()


def test_lesson_history_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_lesson_history_on_postgres(pg_url: str) -> None:
    _check(pg_url)
