"""Flows about learning: answer a question, ask for the next unit now."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from core.models import Person
from core.services.answers import AnswerResult, record_answer
from core.services.progress import active_enrollments
from scheduler import learning
from scheduler.planner import deliver_now


def answer(session: Session, person: Person, delivery_id: int, choice_index: int, now: datetime) -> AnswerResult:
    """Record a person's choice on a question once and queue the unit's next question."""
    result = record_answer(session, delivery_id=delivery_id, choice_index=choice_index, person=person, now=now)
    if result.status == "recorded" and result.delivery is not None:
        learning.answered(session, result.delivery, now)
    return result


def next_unit(session: Session, person: Person, now: datetime) -> list[int]:
    """Queue one extra unit now from the person's first active campaign; return the delivery ids to send."""
    for e in active_enrollments(session, person.id):
        if e.status == "active" and e.campaign.status == "active":
            ids = deliver_now(session, e, now)
            if ids:
                return ids
    return []
