"""Answer retention: past a campaign's `privacy.retention_days`, the worker anonymises its answers.

A learner's record in a campaign expires as a whole once their enrollment is finished (completed,
ended or removed) and their newest answer there is older than the retention period, so one learner
is never split and item analysis keeps its numbers. The enrollment, its answers, deliveries (message
text and address cleared), memory states, review logs and completion move to a fresh anonymous person
(status `anonymous`: no name, email, accounts or manager; only the department, so team reports add
up). The chosen text is cleared (it may be free text); the choice number, correctness, timing and
question stay. The person keeps a bare enrollment with status `anonymised`, so they are not enrolled
again. No link from the anonymous id back to the person is kept, not even in the audit log. It runs
at most once an hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from core.models import (
    Answer,
    CampaignReporting,
    Completion,
    Delivery,
    Enrollment,
    MemoryRow,
    Person,
    ReviewLogRow,
)
from core.services import audit, settings

__all__ = ["ACTION", "ANONYMISED", "EVERY", "anonymise_expired"]

ACTION = "retention_anonymise"
EVERY = timedelta(hours=1)
LAST_RUN = "retention.last_run"
ANONYMOUS = "anonymous"
# The status of the bare enrollment a person keeps once their record in a campaign was anonymised.
ANONYMISED = "anonymised"
FINISHED = ("completed", "ended", "removed")


def anonymise_expired(session: Session, now: datetime, *, force: bool = False) -> int:
    """Anonymise every answer older than its campaign's retention period; return how many (at most hourly)."""
    if not settings.take_turn(session, LAST_RUN, now, EVERY, force=force):
        return 0
    done = 0
    for campaign_id, days in session.execute(select(CampaignReporting.campaign_id, CampaignReporting.retention_days)
                                             .where(CampaignReporting.retention_days.is_not(None))):
        done += _campaign(session, campaign_id, int(days or 0), now)
    return done


def _campaign(session: Session, campaign_id: str, days: int, now: datetime) -> int:
    cutoff = now - timedelta(days=days)
    newest = (select(Answer.person_id).where(Answer.campaign_id == campaign_id).group_by(Answer.person_id)
              .having(func.max(Answer.answered_at) < cutoff))
    expired = list(session.scalars(select(Enrollment).join(Person, Person.id == Enrollment.person_id)
                                   .options(joinedload(Enrollment.person))
                                   .where(Enrollment.campaign_id == campaign_id, Enrollment.status.in_(FINISHED),
                                          Enrollment.person_id.in_(newest), Person.status != ANONYMOUS)))
    n = sum(_anonymise(session, e, now) for e in expired)
    if expired:
        audit.record(session, at=now, actor="worker", action=ACTION, campaign_id=campaign_id,
                     reason=f"{n} answer(s) of {len(expired)} learner(s) older than {days} days anonymised")
    return n


def _anonymise(session: Session, e: Enrollment, now: datetime) -> int:
    """Move one finished enrollment's record to a new anonymous person; keep a bare tombstone; return answers moved."""
    anon = Person(name="", email=None, roles="", status=ANONYMOUS, department=e.person.department, created_at=now)
    session.add(anon)
    session.flush()
    copy = Enrollment(person_id=anon.id, campaign_id=e.campaign_id, position=e.position, status=e.status,
                      unanswered=e.unanswered, reminded=e.reminded, escalated=e.escalated, last_sent_at=e.last_sent_at,
                      last_answer_at=e.last_answer_at, enrolled_at=e.enrolled_at, track_version_id=e.track_version_id,
                      units_done=e.units_done, ladder_step=0)
    session.add(copy)
    session.flush()
    pid, old, new = e.person_id, e.id, copy.id
    moved = _run(session, update(Answer).where(Answer.person_id == pid, Answer.campaign_id == e.campaign_id)
                 .values(person_id=anon.id, choice_text=""))
    _run(session, update(Delivery).where(Delivery.enrollment_id == old)
         .values(person_id=anon.id, enrollment_id=new, payload={}, address=""))
    _run(session, update(MemoryRow).where(MemoryRow.enrollment_id == old).values(person_id=anon.id, enrollment_id=new))
    _run(session, update(ReviewLogRow).where(ReviewLogRow.person_id == pid, ReviewLogRow.campaign_id == e.campaign_id)
         .values(person_id=anon.id))
    _run(session, update(Completion).where(Completion.enrollment_id == old).values(person_id=anon.id,
                                                                                   enrollment_id=new))
    # The person keeps a bare enrollment, so `campaign apply` does not enroll them again.
    e.status, e.position, e.units_done, e.last_answer_at, e.last_sent_at = ANONYMISED, 0, None, None, None
    e.next_due_at, e.track_version_id = None, None
    return moved


def _run(session: Session, stmt: Any) -> int:
    return int(getattr(session.execute(stmt.execution_options(synchronize_session=False)), "rowcount", 0) or 0)
