"""Engines and sessions. SQLite is the embedded default; PostgreSQL is the scale-out path."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

HELD = "nudgebot.held"  # session.info key: objects a session keeps alive until it closes (see hold_loaded)

T = TypeVar("T")
_Job = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


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
        self._first: deque[_Job] = deque()
        self._later: deque[_Job] = deque()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` in this database's own thread, one call at a time, off the event loop.

        The short writes of the answer path (recording presses, claiming and marking their replies)
        queue here instead of spreading over the default pool's threads, where they would only wait
        on each other for SQLite's one writer and on the interpreter, and each open connections anew.
        """
        return await self._queue(self._later, fn, args)

    async def run_first(self, fn: Callable[..., T], *args: Any) -> T:
        """Run `fn(*args)` like `run`, but before the calls already waiting (after the one running).

        For the few tiny writes a platform's acknowledgement waits on, which must not wait behind
        the answer path's larger batches.
        """
        return await self._queue(self._first, fn, args)

    def urgent_waiting(self) -> bool:
        """Return True while a `run_first` call waits for the thread (a long call may stop early for it)."""
        return bool(self._first)

    async def _queue(self, jobs: deque[_Job], fn: Callable[..., T], args: tuple[Any, ...]) -> T:
        if self._thread is None:
            self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="nudgebot-db")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[T] = loop.create_future()
        jobs.append((fn, args, future))
        # Each call hands the thread one turn; a turn takes the first job waiting, urgent ones first.
        loop.run_in_executor(self._thread, self._turn)
        return await future

    def _turn(self) -> None:
        fn, args, future = self._first.popleft() if self._first else self._later.popleft()
        if future.cancelled():
            return
        try:
            result, error = fn(*args), None
        except BaseException as exc:
            result, error = None, exc
        future.get_loop().call_soon_threadsafe(_settle, future, result, error)

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


def hold_loaded(session: Session) -> None:
    """Keep every object `session` loads or inserts alive until it closes, so looking it up again costs no query.

    A session's identity map holds objects weakly: one that a service loaded and let go (an enrollment, a
    track version) is loaded again by the next service that asks for it. For short transactions that
    touch a few rows many times over, such as recording an answer; never for a bulk pass. Other
    sessions pay nothing for it: the listeners belong to this one.
    """
    if HELD in session.info:
        return
    held: list[object] = []
    session.info[HELD] = held

    def hold(_session: Session, instance: object) -> None:
        held.append(instance)

    event.listen(session, "loaded_as_persistent", hold)
    event.listen(session, "pending_to_persistent", hold)


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


def insert_new(session: Session, model: Any, values: Any, key: str = "key") -> Any:
    """Return an INSERT of `values` into `model` that skips rows whose unique `key` is already there.

    The dialect's own ON CONFLICT DO NOTHING (PostgreSQL and SQLite spell it alike); its module is
    imported here, so only a process that writes such rows pays for loading it.
    """
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    return dialect.insert(model).values(values).on_conflict_do_nothing(index_elements=[key])
