"""Partial indexes have the same predicate on SQLite and PostgreSQL, though PostgreSQL's is added only when used."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.schema import CreateIndex

from core.db import Database
from core.models import Base

PARTIAL = {"ix_enrollments_due", "ix_enrollments_unplanned", "ix_enrollments_ladder", "ix_inbox_open"}


def predicates(dialect: object) -> dict[str, str]:
    """Return the WHERE clause of every index's CREATE INDEX on `dialect` (empty when it has none)."""
    found = {}
    for table in Base.metadata.tables.values():
        for index in table.indexes:
            ddl = str(CreateIndex(index).compile(dialect=dialect))  # type: ignore[arg-type]
            found[str(index.name)] = ddl.partition(" WHERE ")[2]
    return found


def test_a_postgresql_database_gets_the_predicates_sqlite_has() -> None:
    Database("postgresql://nobody@127.0.0.1:1/none").dispose()  # makes an engine; connects to nothing
    on_sqlite, on_postgresql = predicates(sqlite.dialect()), predicates(postgresql.dialect())
    assert {name for name, where in on_sqlite.items() if where} == PARTIAL
    assert on_postgresql == on_sqlite
