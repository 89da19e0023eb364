"""The inbox: verified platform events kept before they are acknowledged, so none is lost after the ack.

A platform does not send an acknowledged event again. The web app stores each event here (one commit
for all arriving together) before it answers the platform; the transaction that handles the event
marks it done. One still open after `lease` (its process died, or its handling failed) is taken by a
replay and handled through the same path, whose event key keeps it to once. A web app that hands its
events off (INBOX_HAND_OFF) stores them unclaimed, and the workers' inbox poll takes them at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from core.db import insert_new
from core.models import InboxEvent


class Taken(NamedTuple):
    """An inbox event taken to be handled: handed off by the web app, or left open by a process that died."""

    platform: str
    key: str
    payload: str
    handed_off: bool


LEASE = timedelta(seconds=30)  # an open event younger than this may still be on its way in its own process
MAX_ATTEMPTS = 5  # replays of one event before it is left alone (its handling keeps failing)
KEEP_DONE = timedelta(days=1)
KEEP_OPEN = timedelta(days=7)  # an event given up on stays this long, for an operator to look at


def store(session: Session, platform: str, key: str, payload: str, now: datetime, *, claim: bool = True) -> bool:
    """Keep event `key` until it is handled; return False when it was handled before (a platform's retry).

    With `claim`, the storing process handles it itself and holds it for a lease; without, it is left
    to the first worker that polls (see `claim`).
    """
    stmt = insert_new(session, InboxEvent, {"platform": platform, "key": key, "payload": payload,
                                            "received_at": now, "attempts": 0,
                                            "claimed_at": now if claim else None})
    if session.execute(stmt.returning(InboxEvent.id)).first() is not None:
        return True
    return session.scalar(select(InboxEvent.done_at).where(InboxEvent.key == key)) is None


def done(session: Session, key: str, now: datetime) -> bool | None:
    """Mark event `key` handled in the transaction that handles it; return whether this one takes it.

    True: it was open, and is now this transaction's (on PostgreSQL a concurrent taker waits for this
    one's commit and then finds it done). False: it was handled before. None: it is not in the inbox
    (an event that was never kept, or one purged since), so the caller must tell repeats apart itself.
    """
    result = session.execute(update(InboxEvent).where(InboxEvent.key == key, InboxEvent.done_at.is_(None))
                             .values(done_at=now).execution_options(synchronize_session=False))
    if int(getattr(result, "rowcount", 0) or 0) > 0:
        return True
    return False if session.scalar(select(InboxEvent.id).where(InboxEvent.key == key)) is not None else None


def claim(session: Session, platforms: Sequence[str], now: datetime, lease: timedelta = LEASE,
          limit: int = 100, *, handed_off: bool = False) -> list[Taken]:
    """Take open events of `platforms` whose lease ran out; return them oldest first.

    With `handed_off` (a worker's poll), events the web app handed off are taken at once; otherwise they
    too wait out the lease (a web app alone takes them then, when no worker runs).
    """
    cutoff = now - lease
    unclaimed: ColumnElement[bool] = InboxEvent.claimed_at.is_(None)
    if not handed_off:
        unclaimed = and_(unclaimed, InboxEvent.received_at < cutoff)
    stmt = (select(InboxEvent.id, InboxEvent.platform, InboxEvent.key, InboxEvent.payload, InboxEvent.claimed_at)
            .where(InboxEvent.done_at.is_(None), or_(unclaimed, InboxEvent.claimed_at < cutoff),
                   InboxEvent.attempts < MAX_ATTEMPTS, InboxEvent.platform.in_(list(platforms)))
            .order_by(InboxEvent.received_at).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    rows = session.execute(stmt).all()
    if rows:
        session.execute(update(InboxEvent).where(InboxEvent.id.in_([r.id for r in rows]))
                        .values(claimed_at=now, attempts=InboxEvent.attempts + 1)
                        .execution_options(synchronize_session=False))
    return [Taken(r.platform, r.key, r.payload, r.claimed_at is None) for r in rows]


def purge(session: Session, now: datetime) -> int:
    """Delete events handled more than a day ago (and those given up on a week ago); return how many."""
    result = session.execute(delete(InboxEvent).where(
        InboxEvent.received_at < now - KEEP_DONE,
        or_(InboxEvent.done_at.is_not(None), InboxEvent.received_at < now - KEEP_OPEN)))
    return int(getattr(result, "rowcount", 0) or 0)
