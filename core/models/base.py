"""Column types and the declarative base every model shares."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    Index,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that refuses naive values and always comes back aware, in UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: store timezone-aware instants")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        # SQLite hands back naive values for what we stored as UTC.
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base for all models."""

    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON}


# Partial indexes get SQLite's predicate here and PostgreSQL's (the same SQL) from with_postgresql_predicates,
# which core/db.py and migrations/env.py call for a PostgreSQL database: naming `postgresql_where` here would
# make SQLAlchemy import its whole PostgreSQL dialect in every process, a noticeable part of `nudgebot tick`'s
# start-up on SQLite.
_PARTIAL: list[tuple[Index, str]] = []


def partial_index(name: str, *columns: Any, where: str) -> Index:
    """Return an index over only the rows matching the SQL condition `where`."""
    index = Index(name, *columns, sqlite_where=text(where))
    _PARTIAL.append((index, where))
    return index


def with_postgresql_predicates() -> None:
    """Give every partial index its PostgreSQL predicate too (once a PostgreSQL database is used)."""
    for index, where in _PARTIAL:
        if index.dialect_options["postgresql"]["where"] is None:
            index.dialect_options["postgresql"]["where"] = text(where)
