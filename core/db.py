"""Engines and sessions. SQLite is the embedded default; PostgreSQL is the scale-out path."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

T = TypeVar("T")


def normalise_url(url: str) -> str:
    """Return a SQLAlchemy URL, picking psycopg 3 for bare postgres URLs."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        kwargs: dict[str, Any] = {"future": True}
        if self.is_sqlite:
            if parsed.database and parsed.database != ":memory:":
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        else:
            kwargs["pool_pre_ping"] = True
            kwargs["pool_size"] = 10
            # The models leave PostgreSQL's partial-index predicates out until PostgreSQL is used.
            from core.models.base import with_postgresql_predicates

            with_postgresql_predicates()
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._thread: ThreadPoolExecutor | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in this database's own thread, one call at a time, off the event loop.

        The short writes of the answer path (recording presses, claiming and marking their replies)
        queue here instead of spreading over the default pool's threads, where they would only wait
        on each other for SQLite's one writer and on the interpreter, and each open connections anew.
        """
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nudgebot-db")
        return await asyncio.get_running_loop().run_in_executor(self._thread, fn, *args)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """Yield a session that commits on success and rolls back on error."""
        s = self.sessions()
        try:
            yield s
            s.commit()
        except BaseException:
            s.rollback()
            raise
        finally:
            s.close()

    def ping(self) -> bool:
        """Return True when the database answers a trivial query."""
        with self.engine.connect() as conn:
            return conn.execute(text("select 1")).scalar() == 1

    def dispose(self) -> None:
        """Close pooled connections (and let the database's thread end)."""
        if self._thread is not None:
            self._thread.shutdown(wait=False)
            self._thread = None
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the web app read while the worker writes; foreign keys are off by default in SQLite.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def refresh_statistics(session: Session, tables: list[str]) -> None:
    """Refresh PostgreSQL's planner statistics for `tables` after a bulk change (SQLite needs none).

    Without them a freshly loaded table looks empty to the planner, which then scans it instead of
    using the partial indexes a tick relies on, until autovacuum gets round to it minutes later.
    """
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(f'ANALYZE "{table}"'))
