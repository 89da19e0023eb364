"""The queries that find due work: enrollments and digests, claimed with SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from core.models import Answer, Campaign, Delivery, Enrollment, Person


def _lock(session: Session, stmt: Select[Any]) -> Select[Any]:
    if session.get_bind().dialect.name == "postgresql":
        # Two workers never take the same enrollment; each skips what the other holds.
        return stmt.with_for_update(skip_locked=True, of=Enrollment)
    return stmt


def unplanned_enrollments(session: Session, limit: int) -> list[Enrollment]:
    """Return active enrollments that need a next-due instant computed."""
    stmt = (select(Enrollment).join(Campaign).join(Person, Enrollment.person_id == Person.id)
            .where(Enrollment.status == "active", Enrollment.next_due_at.is_(None),
                   Campaign.status == "active", Person.timezone.is_not(None))
            .options(joinedload(Enrollment.person), joinedload(Enrollment.campaign))
            .order_by(Enrollment.id).limit(limit))
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
    """Return managers with reports whose next digest instant is not computed yet."""
    has_reports = select(Person.manager_id).where(Person.manager_id.is_not(None), Person.status != "left")
    return list(session.scalars(select(Person).where(Person.id.in_(has_reports),
                                                     Person.next_digest_at.is_(None),
                                                     Person.timezone.is_not(None))))


def managers_due(session: Session, now: datetime) -> list[Person]:
    """Return managers whose weekly digest is due."""
    return list(session.scalars(select(Person).where(Person.next_digest_at <= now).order_by(Person.id)))


def campaigns_of_reports(session: Session, manager_id: int) -> list[Campaign]:
    """Return the active campaigns a manager's reports are enrolled in, by id."""
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
