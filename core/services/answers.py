"""Answers: the first answer to a delivered question counts; repeats and late presses change nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.i18n import N_, translate
from core.models import Answer, Delivery, Enrollment, Person, TrackVersion
from core.ports import OutboundMessage
from core.render import feedback_message, question_message
from core.services import enrollments, memory, scenarios, statements
from core.services.outbox import enqueue
from core.services.tracks import track_of
from core.services.translations import localized

AnswerStatus = Literal["recorded", "duplicate", "late", "not_yours", "unknown"]

# English msgids; translate with notice_in (the catalogs hold the other languages).
NOTICES: dict[AnswerStatus, str] = {
    "recorded": "",
    "duplicate": N_("You already answered this one; your first answer counts."),
    "late": N_("This question has closed, so this answer was not recorded. A newer one is waiting."),
    "not_yours": N_("This question was sent to someone else, so your press changed nothing."),
    "unknown": N_("That question is no longer available."),
}


@dataclass
class AnswerResult:
    """What happened to a press on a choice, and what to show."""

    status: AnswerStatus
    delivery: Delivery | None = None
    correct: bool | None = None
    feedback: OutboundMessage | None = None
    followups: list[int] = field(default_factory=list)

    @property
    def notice(self) -> str:
        """Return the short note (in English) for a press that changed nothing."""
        return NOTICES[self.status]

    def notice_in(self, locale: str | None) -> str:
        """Return the short note for a press that changed nothing, in the reader's language."""
        return translate(locale, NOTICES[self.status]) if NOTICES[self.status] else ""


def record_answer(session: Session, *, delivery_id: int, choice_index: int, person: Person,
                  now: datetime) -> AnswerResult:
    """Record `person`'s choice on a question delivery, once; queue the unit's next question."""
    loc = person.locale
    d = session.get(Delivery, delivery_id)
    if d is None or d.kind != "question" or d.track_version_id is None:
        return AnswerResult("unknown")
    if d.person_id != person.id:
        return AnswerResult("not_yours", d)
    version = session.get(TrackVersion, d.track_version_id)
    assert version is not None
    track = track_of(version)
    unit, question = track.question(d.item)
    # Recorded against the source; shown in the reader's language.
    shown = localized(session, version, track, loc).question(d.item)[1]
    prior = session.scalars(select(Answer).where(Answer.delivery_id == d.id)).first()
    if prior is not None:
        return AnswerResult("duplicate", d, prior.correct, feedback_message(shown, prior.choice_index, locale=loc))
    if d.closed_at is not None and d.closed_at <= now:
        return AnswerResult("late", d)
    if not 0 <= choice_index < len(question.choices):
        return AnswerResult("unknown", d)
    choice = question.choices[choice_index]
    sent = d.sent_at or d.due_at
    answer = Answer(
        delivery_id=d.id, person_id=person.id, campaign_id=d.campaign_id, question_id=question.id,
        choice_index=choice_index, choice_text=choice.text, correct=choice.correct,
        latency_ms=max(0, int((now - sent).total_seconds() * 1000)), track_version_id=version.id,
        content_hash=version.content_hash, answered_at=now,
    )
    scenarios.mark_step(session, answer, d, unit, question)
    try:
        with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        # Another request recorded this delivery's answer first.
        prior = session.scalars(select(Answer).where(Answer.delivery_id == d.id)).one()
        return AnswerResult("duplicate", d, prior.correct, feedback_message(shown, prior.choice_index, locale=loc))
    statements.on_answer(session, answer, d, person, track, question)
    d.payload = feedback_message(shown, choice_index, locale=loc).to_dict()
    result = AnswerResult("recorded", d, choice.correct, feedback_message(shown, choice_index, locale=loc))
    e = session.get(Enrollment, d.enrollment_id) if d.enrollment_id is not None else None
    if e is not None:
        enrollments.answered(e, now)
    step = scenarios.queue_step(session, d, version, track, choice, person, now)
    follow = scenarios.next_in_unit(unit, question, answer)
    if step is not None:  # a scenario's next step follows its feedback at once, whatever the day's cap
        result.followups.append(step.id)
    # The unit's next question follows at once, unless it was already asked or today's cap is reached;
    # then it waits for a later nudge.
    elif (follow is not None and d.closed_at is None and e is not None and memory.row(session, e.id, follow.id) is None
            and memory.cap_left(session, person, e.campaign, d.slot_day) > 0):
        nd = enqueue(session, key=enrollments.followup_key(d.key, follow.id), person=person, kind="question",
                     message=None, due=now, item=follow.id, enrollment_id=d.enrollment_id, campaign_id=d.campaign_id,
                     track_version_id=version.id, seq=d.seq + 1)
        if nd is not None:
            nd.slot_day, nd.slot_at = d.slot_day, d.slot_at
            memory.asked(session, e, unit.id, follow.id, now)
            nd.payload = question_message(localized(session, version, track, loc).question(follow.id)[1], nd.id,
                                          locale=loc).to_dict()
            result.followups.append(nd.id)
    session.flush()
    return result
