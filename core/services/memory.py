"""Memory rows: which questions an enrollment has been asked, and the per-learner daily question cap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.i18n import translate
from core.models import Campaign, Completion, Delivery, Enrollment, MemoryRow, Person

DEFAULT_CAP = 3


def rows_of(session: Session, enrollment_id: int) -> dict[str, MemoryRow]:
    """Return an enrollment's memory rows by question id."""
    found = session.scalars(select(MemoryRow).where(MemoryRow.enrollment_id == enrollment_id))
    return {r.question_id: r for r in found}


def row(session: Session, enrollment_id: int, question_id: str) -> MemoryRow | None:
    """Return the memory row of one question in one enrollment, if it was ever asked."""
    return session.scalars(select(MemoryRow).where(MemoryRow.enrollment_id == enrollment_id,
                                                   MemoryRow.question_id == question_id)).first()


def asked(session: Session, e: Enrollment, unit_id: str, question_id: str, now: datetime,
          known_new: bool = False) -> MemoryRow:
    """Record that a question was put to the learner (a row with no state until its first review).

    With `known_new`, the caller has just seen that it has no row yet.
    """
    found = None if known_new else row(session, e.id, question_id)
    if found is None:
        found = MemoryRow(enrollment_id=e.id, person_id=e.person_id, unit_id=unit_id, question_id=question_id,
                          state=None, due_at=None, reviews=0, lapses=0, first_correct=None, ever_correct=False,
                          retired=False, asked_at=now, updated_at=now)
        session.add(found)
    else:
        found.due_at = None  # being asked now: not due again until this review is scored
        found.updated_at = now
    return found


def cap_of(person: Person, campaign: Campaign) -> int:
    """Return the learner's daily question cap: the person's own, else the campaign's."""
    return person.daily_cap or campaign.daily_cap or DEFAULT_CAP


def questions_on(session: Session, person_id: int, day: str) -> int:
    """Return how many questions were queued for a person for local day `day`, across campaigns."""
    return int(session.scalar(select(func.count(Delivery.id)).where(
        Delivery.person_id == person_id, Delivery.kind == "question", Delivery.slot_day == day)) or 0)


def cap_left(session: Session, person: Person, campaign: Campaign, day: str | None) -> int:
    """Return how many more questions the learner may get on local day `day`."""
    if day is None:
        return 0
    return max(0, cap_of(person, campaign) - questions_on(session, person.id, day))


def completion_of(session: Session, enrollment_id: int) -> Completion | None:
    """Return an enrollment's completion record, if it completed."""
    return session.get(Completion, enrollment_id)


def completions(session: Session, campaign_id: str | None = None) -> list[Completion]:
    """Return completion records, oldest first (optionally of one campaign)."""
    stmt = select(Completion).order_by(Completion.completed_at, Completion.enrollment_id)
    if campaign_id is not None:
        stmt = stmt.where(Completion.campaign_id == campaign_id)
    return list(session.scalars(stmt))


def with_completions(session: Session, person_id: int, name: str, locale: str) -> str:
    """Return `name` followed by each campaign the person completed and their score, for a manager's digest."""
    done = session.scalars(select(Completion).where(Completion.person_id == person_id)
                           .order_by(Completion.completed_at, Completion.campaign_id))
    return name_with(name, list(done), locale)


def name_with(name: str, completions: list[Completion], locale: str) -> str:
    """Return `name` followed by the given completions (campaign and score)."""
    notes = [translate(locale, "completed {campaign}, {score}", campaign=c.campaign_id,
                       score=f"{round(c.score * 100)}%") for c in completions]
    return f"{name} ✓ {'; '.join(notes)}" if notes else name
