"""Flows about learning: answer a question, ask for the next unit now."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from core.models import Person
from core.services import answer_kinds
from core.services.answer_kinds import Toggled
from core.services.answers import AnswerResult, record_answer
from core.services.progress import active_enrollments
from scheduler import learning
from scheduler.planner import deliver_now


def answer(session: Session, person: Person, delivery_id: int, choice_index: int, now: datetime) -> AnswerResult:
    """Record a person's choice on a question once and queue the unit's next question."""
    result = record_answer(session, delivery_id=delivery_id, choice_index=choice_index, person=person, now=now)
    return _learned(session, result, now)


def toggle(session: Session, person: Person, delivery_id: int, choice_index: int, now: datetime) -> Toggled:
    """Select or unselect a choice of a multiple-response question (nothing is recorded yet)."""
    return answer_kinds.toggle(session, delivery_id, choice_index, person, now)


def submit(session: Session, person: Person, delivery_id: int, now: datetime,
           selected: Iterable[int] | None = None) -> AnswerResult:
    """Record a multiple-response answer once and queue the unit's next question."""
    return _learned(session, answer_kinds.submit(session, delivery_id, person, now, selected), now)


def reply(session: Session, person: Person, delivery_id: int, text: str, now: datetime) -> AnswerResult:
    """Record a typed reply to a short or numeric question once and queue the unit's next question."""
    return _learned(session, answer_kinds.answer_typed(session, delivery_id, text, person, now), now)


def _learned(session: Session, result: AnswerResult, now: datetime) -> AnswerResult:
    if result.status == "recorded" and result.delivery is not None:
        learning.answered(session, result.delivery, now, result.answer)
    return result


def next_unit(session: Session, person: Person, now: datetime) -> list[int]:
    """Queue one extra unit now from the person's first active campaign; return the delivery ids to send."""
    for e in active_enrollments(session, person.id):
        if e.status == "active" and e.campaign.status == "active":
            ids = deliver_now(session, e, now)
            if ids:
                return ids
    return []
