"""The queries that find due work: enrollments and digests, claimed with SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, literal_column, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from core.models import Answer, Campaign, Delivery, Enrollment, Person

# people.next_digest_at: None for someone with no digest to plan, REPLAN for a manager whose next digest
# instant must be computed again (new or moved reports, a changed campaign), else the instant itself.
# Marking managers explicitly keeps a tick from scanning everyone to find the few that changed.
REPLAN = datetime(1970, 1, 1, tzinfo=UTC)
CHUNK = 500


def _lock(session: Session, stmt: Select[Any]) -> Select[Any]:
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same enrollment; each skips what the other holds.
        return stmt.with_for_update(skip_locked=True, of=Enrollment)
    return stmt


def locked(session: Session, stmt: Select[Any]) -> Select[Any]:
    """Return `stmt` taking its enrollments for this transaction, skipping those another worker holds (PostgreSQL)."""
    return _lock(session, stmt)


def unplanned_enrollments(session: Session, limit: int) -> list[Enrollment]:
    """Return active enrollments that need a next-due instant computed.

    The partial index ix_enrollments_unplanned holds exactly these rows, so a tick with nothing to plan
    costs one index probe however many people are enrolled (no ORDER BY: that would walk the primary key).
    """
    stmt = (select(Enrollment).join(Campaign).join(Person, Enrollment.person_id == Person.id)
            # A literal, not a bound value, so both databases can prove the partial index applies.
            .where(Enrollment.status == literal_column("'active'"), Enrollment.next_due_at.is_(None),
                   Campaign.status == "active", Person.timezone.is_not(None))
            .options(joinedload(Enrollment.person), selectinload(Enrollment.campaign))
            .limit(limit))
    return list(session.scalars(_lock(session, stmt)).unique())


def due_enrollments(session: Session, now: datetime, limit: int) -> list[Enrollment]:
    """Return active enrollments whose next-due instant has come (indexed on next_due_at)."""
    stmt = (select(Enrollment).join(Campaign)
            .where(Enrollment.next_due_at <= now, Enrollment.status == "active", Campaign.status == "active")
            .options(joinedload(Enrollment.person), joinedload(Enrollment.campaign))
            .order_by(Enrollment.next_due_at, Enrollment.id).limit(limit))
    return list(session.scalars(_lock(session, stmt)).unique())


def open_questions(session: Session, enrollment_ids: list[int]) -> dict[int, list[tuple[Delivery, bool]]]:
    """Return, per enrollment, its not-yet-closed question deliveries and whether each was answered."""
    out: dict[int, list[tuple[Delivery, bool]]] = defaultdict(list)
    for i in range(0, len(enrollment_ids), 500):
        chunk = enrollment_ids[i : i + 500]
        rows = session.execute(
            select(Delivery, Answer.id).outerjoin(Answer, Answer.delivery_id == Delivery.id)
            .where(Delivery.enrollment_id.in_(chunk), Delivery.kind == "question",
                   Delivery.closed_at.is_(None), Delivery.status.in_(("sent", "pending")))
        ).all()
        for d, aid in rows:
            assert d.enrollment_id is not None
            out[d.enrollment_id].append((d, aid is not None))
    return out


def recent_unanswered(session: Session, enrollment_id: int, limit: int) -> list[Delivery]:
    """Return the enrollment's latest unanswered, closed question deliveries, newest first."""
    return list(session.scalars(
        select(Delivery).where(Delivery.enrollment_id == enrollment_id, Delivery.kind == "question",
                               Delivery.closed_at.is_not(None), Delivery.id.not_in(select(Answer.delivery_id)))
        .order_by(Delivery.due_at.desc()).limit(limit)))


def managers_to_plan(session: Session) -> list[Person]:
    """Return managers marked for digest re-planning (an index probe on next_digest_at)."""
    return list(session.scalars(select(Person).where(Person.next_digest_at == REPLAN,
                                                     Person.timezone.is_not(None)).order_by(Person.id)))


def managers_due(session: Session, now: datetime) -> list[Person]:
    """Return managers whose weekly digest is due."""
    return list(session.scalars(select(Person).where(Person.next_digest_at > REPLAN, Person.next_digest_at <= now)
                                .order_by(Person.id)))


def mark_digests_stale(session: Session, manager_ids: Sequence[int]) -> None:
    """Have the next tick compute these managers' next digest instant again."""
    for i in range(0, len(manager_ids), CHUNK):
        session.execute(update(Person).where(Person.id.in_(manager_ids[i : i + CHUNK]))
                        .values(next_digest_at=REPLAN))


def mark_managers_of_stale(session: Session, person_ids: Sequence[int]) -> None:
    """Have the next tick re-plan the digests of these people's managers (their campaigns changed)."""
    for i in range(0, len(person_ids), CHUNK):
        managers = select(Person.manager_id).where(Person.id.in_(person_ids[i : i + CHUNK]),
                                                   Person.manager_id.is_not(None)).scalar_subquery()
        session.execute(update(Person).where(Person.id.in_(managers))
                        .values(next_digest_at=REPLAN))


def first_campaigns_of_reports(session: Session, manager_ids: Sequence[int]) -> dict[int, Campaign]:
    """Return, per manager, the first (by id) campaign their reports are enrolled in; batched, not per manager."""
    firsts: dict[int, str] = {}
    for i in range(0, len(manager_ids), CHUNK):
        rows = session.execute(
            select(Person.manager_id, func.min(Enrollment.campaign_id))
            .join(Enrollment, Enrollment.person_id == Person.id)
            .where(Person.manager_id.in_(manager_ids[i : i + CHUNK]),
                   Enrollment.status.in_(("active", "completed")))
            .group_by(Person.manager_id))
        firsts.update((mid, cid) for mid, cid in rows if mid is not None)
    found = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(set(firsts.values()))))}
    return {mid: found[cid] for mid, cid in firsts.items()}


def reports_of_managers(session: Session, manager_ids: Sequence[int]) -> dict[int, list[Person]]:
    """Return each manager's direct reports who have not left, by name; batched, not per manager."""
    out: dict[int, list[Person]] = {mid: [] for mid in manager_ids}
    for i in range(0, len(manager_ids), CHUNK):
        for p in session.scalars(select(Person).where(Person.manager_id.in_(manager_ids[i : i + CHUNK]),
                                                      Person.status != "left").order_by(Person.name)):
            assert p.manager_id is not None
            out[p.manager_id].append(p)
    return out


def campaigns_of_reports(session: Session, manager_id: int) -> list[Campaign]:
    """Return the campaigns a manager's reports are enrolled in, by id."""
    reports = select(Person.id).where(Person.manager_id == manager_id)
    return list(session.scalars(
        select(Campaign).where(Campaign.id.in_(
            select(Enrollment.campaign_id).where(Enrollment.person_id.in_(reports),
                                                 Enrollment.status.in_(("active", "completed")))))
        .order_by(Campaign.id)))


def has_pending(session: Session, enrollment_id: int) -> bool:
    """Return True when some of the enrollment's deliveries are queued but not sent yet."""
    return session.scalars(select(Delivery.id).where(Delivery.enrollment_id == enrollment_id,
                                                     Delivery.status == "pending").limit(1)).first() is not None
