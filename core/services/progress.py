"""Progress: what each learner answered, their accuracy and streak, for commands and digests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import Answer, Delivery, Enrollment


@dataclass(frozen=True)
class Stats:
    """A learner's record over a window."""

    sent: int
    answered: int
    correct: int
    streak: int
    last_active: datetime | None

    @property
    def accuracy(self) -> float | None:
        """Return the share of answers that were right, or None before any answer."""
        return self.correct / self.answered if self.answered else None


def person_stats(session: Session, person_id: int, since: datetime | None = None,
                 campaign_id: str | None = None) -> Stats:
    """Return questions sent and answered, accuracy, current streak and last answer time."""
    q = (select(Delivery.id, Delivery.sent_at, Answer.correct, Answer.answered_at)
         .outerjoin(Answer, Answer.delivery_id == Delivery.id)
         .where(Delivery.person_id == person_id, Delivery.kind == "question", Delivery.status == "sent")
         .order_by(Delivery.sent_at.desc(), Delivery.id.desc()))
    if campaign_id is not None:
        q = q.where(Delivery.campaign_id == campaign_id)
    rows = session.execute(q).all()
    streak = 0
    for i, (_id, _sent, correct, _at) in enumerate(rows):
        if correct is None:
            if i == 0:
                continue  # today's question may simply not be answered yet
            break
        streak += 1
    last = max((r[3] for r in rows if r[3] is not None), default=None)
    window = [r for r in rows if since is None or (r[1] is not None and r[1] >= since)]
    answered = [r for r in window if r[2] is not None]
    return Stats(
        sent=len(window),
        answered=len(answered),
        correct=sum(1 for r in answered if r[2]),
        streak=streak,
        last_active=last,
    )


def active_enrollments(session: Session, person_id: int) -> list[Enrollment]:
    """Return a person's enrollments that are still running, by campaign."""
    return list(session.scalars(select(Enrollment).where(Enrollment.person_id == person_id,
                                                         Enrollment.status.in_(("active", "completed")))
                                .order_by(Enrollment.campaign_id)))


def missed_in_a_row(session: Session, person_id: int) -> int:
    """Return the longest current run of unanswered questions across a person's campaigns."""
    runs = session.scalars(select(Enrollment.unanswered).where(Enrollment.person_id == person_id,
                                                               Enrollment.status.in_(("active", "completed"))))
    return max(runs, default=0)
