"""Writing many rows at once: COPY on PostgreSQL, chunked multi-row INSERTs elsewhere.

On PostgreSQL a multi-row INSERT of a few thousand parameters costs more in the driver (psycopg
rewrites every placeholder of every statement) than in the server; COPY sends the rows as a stream,
with no parameters at all. New ids are taken from the table's sequence first, so the caller knows
each row's id without reading anything back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Column, Table, insert, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

T = TypeVar("T")
CHUNK = 400  # rows per multi-row INSERT: about a dozen columns, some 5,000 parameters


def batched(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """Yield consecutive slices of at most `size` items."""
    for i in range(0, len(items), size):
        yield items[i : i + size]


def is_postgres(session: Session) -> bool:
    """Return True when the session talks to PostgreSQL."""
    return session.get_bind().dialect.name == "postgresql"


def insert_rows(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys); column defaults apply as with insert()."""
    if not rows:
        return
    if is_postgres(session):
        _copy(session.connection(), table, rows)
        return
    for part in batched(rows, CHUNK):
        session.execute(insert(table), list(part))


def insert_returning_ids(session: Session, table: Table, rows: Sequence[Mapping[str, Any]], key: str) -> list[int]:
    """Insert `rows` (all with the same keys) and return their new ids, in order.

    Elsewhere than on PostgreSQL the ids come back by `key`, a unique column: keeping the rows' order in
    a multi-row RETURNING would cost SQLite one statement per row. A row whose `key` is None goes alone.
    """
    if not rows:
        return []
    if is_postgres(session):
        conn = session.connection()
        ids = list(conn.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                                {"t": table.name, "n": len(rows)}).scalars())
        _copy(conn, table, [{**r, "id": i} for r, i in zip(rows, ids, strict=True)])
        return ids
    by_key: dict[Any, int] = {}
    keyed = [r for r in rows if r[key] is not None]
    for part in batched(keyed, CHUNK):
        by_key.update(session.execute(insert(table).returning(table.c[key], table.c.id), list(part)).all())
    alone = insert(table).returning(table.c.id)
    return [by_key[r[key]] if r[key] is not None else session.execute(alone, dict(r)).scalar_one() for r in rows]


def _copy(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """COPY `rows` into `table`, filling Python-side column defaults and bind conversions as insert() would."""
    keys = set(rows[0])
    columns = [c for c in table.columns if c.name in keys or _default(c) is not None]
    convert = [_converter(conn, c, c.name in keys) for c in columns]
    prep = conn.dialect.identifier_preparer
    names = ", ".join(prep.quote(c.name) for c in columns)
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(f"COPY {prep.format_table(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([fn(row) for fn in convert])


def _default(c: Column[Any]) -> Callable[[], Any] | None:
    d = c.default
    if d is None or c.primary_key:
        return None
    if getattr(d, "is_scalar", False):
        value = d.arg  # type: ignore[attr-defined]
        return lambda: value
    if getattr(d, "is_callable", False):
        return lambda: d.arg(None)  # type: ignore[attr-defined]
    return None


def _converter(conn: Connection, c: Column[Any], given: bool) -> Callable[[Mapping[str, Any]], Any]:
    process = c.type.bind_processor(conn.dialect)
    if not given:
        default = _default(c)
        assert default is not None
        if process is None:
            return lambda row: default()
        return lambda row: process(default())
    name = c.name
    if process is None:
        return lambda row: row[name]
    return lambda row: None if row[name] is None else process(row[name])
