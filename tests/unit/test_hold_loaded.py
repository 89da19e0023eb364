"""A session told to hold what it loads looks a row up again without a query; other sessions are unchanged."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event

from core.db import Database, hold_loaded
from core.models import Setting

NOW = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


def _second_lookup_statements(db: Database, hold: bool) -> int:
    """Load a setting, let it go, look it up again; return how many statements the second look-up took."""
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    with db.session() as s:
        if hold:
            hold_loaded(s)
            hold_loaded(s)  # asking twice changes nothing
        assert s.get(Setting, "k") is not None
        gc.collect()  # nothing else refers to the setting now: only the session could keep it
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert s.get(Setting, "k") is not None
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_a_held_session_finds_a_row_it_let_go_without_a_query(db_url: str) -> None:
    db = Database(db_url)
    with db.session() as s:
        s.add(Setting(key="k", value={"v": 1}, updated_at=NOW))
    assert _second_lookup_statements(db, hold=False) == 1
    assert _second_lookup_statements(db, hold=True) == 0
    assert _second_lookup_statements(db, hold=False) == 1  # the hold belonged to that one session
    db.dispose()
