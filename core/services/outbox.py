"""The delivery outbox: unique keys, leased claims, retries that honour Retry-After."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row, case, func, insert, or_, select, update
from sqlalchemy.orm import Session

from core.models import Answer, Delivery, Person
from core.ports import OutboundMessage
from core.services import history, statements
from core.services.people import mark_unreachable

MAX_ATTEMPTS = 8


def write_lock(session: Session) -> None:
    """On SQLite, take the database's write lock now, as the transaction's first statement.

    Two processes that read first and write later would both see the same due rows (and one would
    fail on a unique key); taking the lock first makes the second wait for the first to commit.
    PostgreSQL needs nothing here: its row locks with SKIP LOCKED share the work instead.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(Delivery).where(Delivery.id == -1).values(attempts=0))


def existing_keys(session: Session, keys: Iterable[str]) -> set[str]:
    """Return which of `keys` already have a delivery."""
    wanted = list(keys)
    found: set[str] = set()
    for i in range(0, len(wanted), 500):
        found.update(session.scalars(select(Delivery.key).where(Delivery.key.in_(wanted[i : i + 500]))))
    return found


def enqueue(
    session: Session,
    *,
    key: str,
    person: Person,
    kind: str,
    message: OutboundMessage | None,
    due: datetime,
    item: str = "",
    enrollment_id: int | None = None,
    campaign_id: str | None = None,
    track_version_id: int | None = None,
    seq: int = 0,
    check: bool = True,
    flush: bool = True,
    slot: tuple[str | None, datetime | None] = (None, None),
) -> Delivery | None:
    """Add a delivery unless one with `key` exists; return it, or None when it was already there.

    `slot` is the local day and instant the delivery was planned for, when it was planned for one.
    """
    if check and existing_keys(session, [key]):
        return None
    d = Delivery(
        key=key, person_id=person.id, enrollment_id=enrollment_id, campaign_id=campaign_id, kind=kind,
        item=item, track_version_id=track_version_id, payload=message.to_dict() if message else {},
        channel=person.channel, address=person.address, seq=seq, due_at=due, status="pending",
        attempts=0, next_attempt_at=due, slot_day=slot[0], slot_at=slot[1],
    )
    session.add(d)
    if message is None and flush:
        session.flush()  # the caller needs the id to build the message's buttons
    return d


def enqueue_many(session: Session, items: Sequence[tuple[str, Person, OutboundMessage]], *, kind: str,
                 due: datetime) -> int:
    """Add a delivery for each (key, person, message) in one INSERT; the caller made sure no key exists yet."""
    rows = [{"key": key, "person_id": person.id, "enrollment_id": None, "campaign_id": None, "kind": kind,
             "item": "", "track_version_id": None, "payload": message.to_dict(), "channel": person.channel,
             "address": person.address, "seq": 0, "due_at": due, "status": "pending", "attempts": 0,
             "next_attempt_at": due} for key, person, message in items]
    if rows:
        session.execute(insert(Delivery), rows)
    return len(rows)


def enqueue_reply(session: Session, *, channel: str, address: str, person_id: int | None,
                  message: OutboundMessage, now: datetime, edit_ref: str = "") -> Delivery:
    """Queue a reply to an inbound event (or, with `edit_ref`, an edit of a sent message) to send at once."""
    payload = message.to_dict()
    if edit_ref:
        payload["edit_ref"] = edit_ref
    d = Delivery(key=f"reply:{uuid.uuid4().hex}", person_id=person_id, kind=message.kind, item="", payload=payload,
                 channel=channel, address=address, seq=0, due_at=now, status="pending", attempts=0,
                 next_attempt_at=now)
    session.add(d)
    session.flush()
    return d


def claim(session: Session, now: datetime, limit: int, lease: timedelta,
          ids: Sequence[int] | None = None) -> list[tuple[Row[Any], bool]]:
    """Lease up to `limit` pending deliveries that are due (or just `ids`); other workers skip leased rows.

    A row has the columns a sender needs (id, key, channel, address, kind, item, person_id, payload).
    Each row comes with `orphaned`: True when an earlier claim's lease ran out without a result, so
    that worker may have died after the platform accepted the message (the channel can look for it).
    """
    write_lock(session)
    # Only ids and leases are sorted (and locked): a large outbox costs a small sort, never its payloads.
    stmt = (
        select(Delivery.id, Delivery.lease_until)
        .where(
            Delivery.status == "pending",
            Delivery.next_attempt_at <= now,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .order_by(Delivery.next_attempt_at, Delivery.id)
        .limit(limit)
    )
    if ids is not None:
        stmt = stmt.where(Delivery.id.in_(list(ids)))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Delivery)
    leases: dict[int, datetime | None] = {i: until for i, until in session.execute(stmt)}
    rows: dict[int, Row[Any]] = {}
    claimed = list(leases)
    for i in range(0, len(claimed), 500):  # one statement leases the batch and reads what sending needs
        update_stmt = (update(Delivery).where(Delivery.id.in_(claimed[i : i + 500]))
                       .values(lease_until=now + lease, attempts=Delivery.attempts + 1)
                       .returning(Delivery.id, Delivery.key, Delivery.channel, Delivery.address, Delivery.kind,
                                  Delivery.item, Delivery.person_id, Delivery.payload)
                       .execution_options(synchronize_session=False))
        rows.update((r.id, r) for r in session.execute(update_stmt))
    return [(rows[i], leases[i] is not None) for i in claimed]


def renew(session: Session, ids: Sequence[int], until: datetime) -> None:
    """Extend the lease of deliveries this worker is still sending."""
    for i in range(0, len(ids), 500):
        session.execute(update(Delivery).where(Delivery.id.in_(list(ids[i : i + 500])), Delivery.status == "pending",
                                               Delivery.lease_until.is_not(None))
                        .values(lease_until=until))


def release(session: Session, ids: Sequence[int]) -> None:
    """Give claimed deliveries back unsent (shutting down): another worker may take them at once."""
    for i in range(0, len(ids), 500):
        session.execute(update(Delivery).where(Delivery.id.in_(list(ids[i : i + 500])), Delivery.status == "pending")
                        .values(lease_until=None, attempts=func.max(Delivery.attempts - 1, 0)
                                if session.get_bind().dialect.name == "sqlite"
                                else func.greatest(Delivery.attempts - 1, 0)))


def expire_stale(session: Session, now: datetime, window: timedelta) -> int:
    """Mark pending deliveries due more than `window` ago `expired` (too late to be useful); return how many."""
    result = session.execute(update(Delivery).where(Delivery.status == "pending", Delivery.due_at < now - window,
                                                    or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
                             .values(status="expired", lease_until=None,
                                     error=f"not sent within {window.total_seconds() / 3600:g} hours of its time"))
    return int(getattr(result, "rowcount", 0) or 0)


def mark_sent(session: Session, delivery_id: int, ref: str, now: datetime) -> None:
    """Record a successful send and its platform message reference."""
    mark_sent_many(session, [(delivery_id, ref)], now, lessons=[delivery_id])


def mark_sent_many(session: Session, sent: Sequence[tuple[int, str]], now: datetime,
                   lessons: Iterable[int] = ()) -> None:
    """Record successful sends (delivery id, platform ref) in one statement per 500.

    `lessons` are the ids among them that may be lessons: they also become an xAPI "experienced"
    statement and join the learner's searchable history.
    """
    for i in range(0, len(sent), 500):
        chunk = dict(sent[i : i + 500])
        session.execute(update(Delivery).where(Delivery.id.in_(list(chunk)))
                        .values(status="sent", sent_at=now, message_ref=case(chunk, value=Delivery.id),
                                lease_until=None, error=None)
                        .execution_options(synchronize_session=False))
    for delivery_id in lessons:
        statements.on_sent(session, delivery_id, now)
        history.on_sent(session, delivery_id, now)


def mark_retry(session: Session, delivery_id: int, when: datetime, error: str, *, count: bool = True) -> None:
    """Put a delivery back to be tried again at `when`; give up after MAX_ATTEMPTS transient failures."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        return
    if not count:
        d.attempts = max(0, d.attempts - 1)  # a 429 is the platform pacing us, not a failure
    if count and d.attempts >= MAX_ATTEMPTS:
        d.status, d.error, d.lease_until = "failed", error, None
        return
    d.next_attempt_at, d.error, d.lease_until = when, error, None


def hold_behind(session: Session, delivery_id: int, now: datetime) -> None:
    """Keep the chat's other pending, unclaimed deliveries from going before `delivery_id` is retried."""
    d = session.get(Delivery, delivery_id)
    if d is None or d.status != "pending":
        return
    session.execute(update(Delivery).where(Delivery.channel == d.channel, Delivery.address == d.address,
                                           Delivery.status == "pending", Delivery.id != d.id,
                                           Delivery.next_attempt_at < d.next_attempt_at,
                                           or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
                    .values(next_attempt_at=d.next_attempt_at).execution_options(synchronize_session=False))


def mark_undeliverable(session: Session, delivery_id: int, person_status: str, error: str) -> None:
    """Stop sending to someone who cannot be reached: this delivery and their other pending ones."""
    d = session.get(Delivery, delivery_id)
    if d is None:
        return
    d.status, d.error, d.lease_until = "undeliverable", error, None
    person = session.get(Person, d.person_id) if d.person_id is not None else None
    if person is None:
        return
    mark_unreachable(session, person, d.channel, d.address, person_status)
    session.execute(update(Delivery).where(Delivery.person_id == d.person_id, Delivery.status == "pending",
                                           Delivery.channel == d.channel)
                    .values(status="cancelled", error=f"recipient {person_status}"))


def open_question(session: Session, person_id: int, now: datetime, *, oldest: bool = False) -> Delivery | None:
    """Return the person's most recent (or `oldest`) sent question that is unanswered and still open."""
    answered = select(Answer.delivery_id)
    order = (Delivery.id,) if oldest else (Delivery.sent_at.desc(), Delivery.id.desc())
    return session.scalars(
        select(Delivery)
        .where(Delivery.person_id == person_id, Delivery.kind == "question", Delivery.status == "sent",
               Delivery.id.not_in(answered), or_(Delivery.closed_at.is_(None), Delivery.closed_at > now))
        .order_by(*order)
    ).first()


def of_person(session: Session, person_id: int, kind: str) -> list[Delivery]:
    """Return a person's deliveries of one kind, oldest first."""
    return list(session.scalars(select(Delivery).where(Delivery.person_id == person_id, Delivery.kind == kind)
                                .order_by(Delivery.id)))


def items_on_day(session: Session, person_id: int, kind: str, day: str) -> set[str]:
    """Return the items of a person's deliveries of `kind` planned for local day `day` (YYYY-MM-DD)."""
    return set(session.scalars(select(Delivery.item).where(Delivery.person_id == person_id, Delivery.kind == kind,
                                                           Delivery.slot_day == day)))


def sent_count(session: Session, person_ids: Sequence[int], kind: str) -> int:
    """Return how many deliveries of `kind` were sent to any of `person_ids`."""
    total = 0
    for i in range(0, len(person_ids), 500):
        total += session.scalar(select(func.count(Delivery.id)).where(
            Delivery.person_id.in_(person_ids[i : i + 500]), Delivery.kind == kind, Delivery.status == "sent")) or 0
    return total


def pending_ids(session: Session, person_id: int) -> list[int]:
    """Return the ids of a person's deliveries still waiting to be sent, in sending order."""
    return list(session.scalars(select(Delivery.id).where(Delivery.person_id == person_id,
                                                          Delivery.status == "pending")
                                .order_by(Delivery.due_at, Delivery.seq, Delivery.id)))


def sent_with_ref(session: Session, person_id: int, channel: str, ref: str) -> Delivery | None:
    """Return the person's latest delivery on `channel` that the platform knows as message `ref`."""
    return session.scalars(select(Delivery).where(Delivery.person_id == person_id, Delivery.channel == channel,
                                                  Delivery.message_ref == ref)
                           .order_by(Delivery.id.desc())).first()
