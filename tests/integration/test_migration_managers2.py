"""The managers2 migration (campaign reporting options, attachments) keeps every row, up and down."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text

from bot.dbsetup import downgrade, upgrade
from tests.integration.test_migrations import EXPECTED_ANSWERS, EXPECTED_PEOPLE, _exports, _fill_initial

PREVIOUS = "a4f7d2c9e1b3"  # managers


def _rows(url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        people = [tuple(r) for r in con.execute(text("SELECT id, email, name, manager_id FROM people ORDER BY id"))]
        camps = [tuple(r) for r in con.execute(text("SELECT id, track_id, days FROM campaigns ORDER BY id"))]
    engine.dispose()
    return people, camps


def _check(url: str) -> None:
    _fill_initial(url)
    upgrade(url, PREVIOUS)
    before = _rows(url)
    assert before[1], "the filled database has a campaign"
    upgrade(url)
    assert _rows(url) == before
    got = _exports(url)
    assert got["people"] == EXPECTED_PEOPLE and got["answers"] == EXPECTED_ANSWERS
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as con:
        cid = before[1][0][0]
        con.execute(text("INSERT INTO campaign_reporting (campaign_id, digest_depth, struggle_below_pct, "
                         "struggle_last, pseudonymous) VALUES (:c, 2, 50, 5, true)"), {"c": cid})
        con.execute(text("INSERT INTO attachments (key, name, media_type, data, created_at) "
                         "VALUES ('k', 'chart.png', 'image/png', :d, '2027-01-05 00:00:00')"), {"d": b"\x89PNG"})
        assert con.execute(text("SELECT data FROM attachments")).scalar() == b"\x89PNG"
    engine.dispose()
    downgrade(url, PREVIOUS)
    assert _rows(url) == before


def test_managers2_migration_keeps_data_on_sqlite(tmp_path: Path) -> None:
    _check(f"sqlite:///{tmp_path / 'old.db'}")


def test_managers2_migration_keeps_data_on_postgres(pg_url: str) -> None:
    _check(pg_url)
