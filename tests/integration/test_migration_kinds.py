"""The question-kinds migration keeps every answer, scores the old ones, and stores typed answers."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bot.dbsetup import downgrade, upgrade
from tests.integration.test_migrations import EXPECTED_ANSWERS, _exports, _fill_initial, snapshot

PREVIOUS = "c5f2a7d913e4"  # workday_versions


def _scores(url: str) -> list[tuple[object, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        rows = [tuple(r) for r in con.execute(text("SELECT id, score, response, choice_index FROM answers "
                                                   "ORDER BY id"))]
    engine.dispose()
    return rows


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = snapshot(url)
    upgrade(url)
    assert snapshot(url) == before
    assert _exports(url)["answers"] == EXPECTED_ANSWERS
    assert _scores(url) == [(1, 1.0, None, 1)]  # the old answer was right: full credit
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        con.execute(text("INSERT INTO answers (id, delivery_id, person_id, campaign_id, question_id, choice_index, "
                         "choice_text, correct, score, response, latency_ms, track_version_id, content_hash, "
                         "answered_at) VALUES (2, 1, 2, 'c1', 'q-typed', NULL, 'Parìs', true, 1.0, 'Parìs', 1000, "
                         "1, 'abc123', '2027-01-04 09:36:00')"))
    engine.dispose()
    assert _scores(url)[1] == (2, 1.0, "Parìs", None)
    downgrade(url, PREVIOUS)
    after = snapshot(url)
    assert after["answers"][0] == before["answers"][0] and after["answers"][1][4] == -1
    assert {k: v for k, v in after.items() if k != "answers"} == {k: v for k, v in before.items() if k != "answers"}


def test_kinds_migration_keeps_answers_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_kinds_migration_keeps_answers_on_postgres(pg_url: str) -> None:
    _check(pg_url)
