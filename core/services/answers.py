"""Answers: the first answer to a delivered question counts; repeats and late presses change nothing."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content.grading import Grade, grade_multiple, selection_of
from content.schema import Question, Track, Unit
from core.i18n import N_, translate
from core.models import Answer, Delivery, Enrollment, Person, TrackVersion
from core.ports import OutboundMessage
from core.render import feedback_message, picture, question_message
from core.render_kinds import graded_feedback
from core.services import enrollments, memory, scenarios, statements
from core.services.outbox import enqueue
from core.services.tracks import track_of
from core.services.translations import localized

AnswerStatus = Literal["recorded", "duplicate", "late", "not_yours", "unknown", "empty", "not_a_number"]

# English msgids; translate with notice_in (the catalogs hold the other languages).
NOTICES: dict[AnswerStatus, str] = {
    "recorded": "",
    "duplicate": N_("You already answered this one; your first answer counts."),
    "late": N_("This question has closed, so this answer was not recorded. A newer one is waiting."),
    "not_yours": N_("This question was sent to someone else, so your press changed nothing."),
    "unknown": N_("That question is no longer available."),
    "empty": N_("Select at least one answer, then press Submit."),
    "not_a_number": N_("That is not a number I can read. Reply with a number, like 3.5 or 3,5."),
}


@dataclass
class AnswerResult:
    """What happened to a press on a choice, and what to show."""

    status: AnswerStatus
    delivery: Delivery | None = None
    correct: bool | None = None
    feedback: OutboundMessage | None = None
    followups: list[int] = field(default_factory=list)
    answer: Answer | None = field(default=None, repr=False)  # the row just stored, for what scores it next

    @property
    def notice(self) -> str:
        """Return the short note (in English) for a press that changed nothing."""
        return NOTICES[self.status]

    def notice_in(self, locale: str | None) -> str:
        """Return the short note for a press that changed nothing, in the reader's language."""
        return translate(locale, NOTICES[self.status]) if NOTICES[self.status] else ""


@dataclass
class Asked:
    """An open question delivery with its content: the source question and the one the reader sees."""

    delivery: Delivery
    version: TrackVersion
    track: Track
    unit: Unit
    question: Question
    shown: Question


@dataclass(frozen=True)
class Given:
    """What a learner answered, ready to store: the choice (if one), text, grade and raw response."""

    choice_index: int | None
    text: str
    grade: Grade
    response: str | None
    feedback: OutboundMessage


def feedback_of(question: Question, answer: Answer, locale: str) -> OutboundMessage:
    """Rebuild the feedback shown for a stored answer (for a repeated press or reply)."""
    if question.type == "multiple":
        selected = selection_of(answer.response)
        return graded_feedback(question, answer.choice_text, grade_multiple(selected, [c.correct for c in
                                                                                        question.choices]),
                               locale=locale, selected=selected)
    if question.typed or answer.choice_index is None:
        score = answer.score if answer.score is not None else float(answer.correct)
        return graded_feedback(question, answer.response or answer.choice_text, Grade(answer.correct, score),
                               locale=locale)
    return feedback_message(question, answer.choice_index, locale=locale)


def open_asked(session: Session, delivery_id: int, person: Person, now: datetime) -> Asked | AnswerResult:
    """Return the question a delivery asks `person`, or the result saying why it cannot be answered now."""
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
    shown = localized(session, version, track, person.locale).question(d.item)[1]
    prior = session.scalars(select(Answer).where(Answer.delivery_id == d.id)).first()
    if prior is not None:
        return AnswerResult("duplicate", d, prior.correct, feedback_of(shown, prior, person.locale))
    if d.closed_at is not None and d.closed_at <= now:
        return AnswerResult("late", d)
    return Asked(d, version, track, unit, question, shown)


def record_answer(session: Session, *, delivery_id: int, choice_index: int, person: Person,
                  now: datetime) -> AnswerResult:
    """Record `person`'s choice on a question delivery, once; queue the unit's next question."""
    asked = open_asked(session, delivery_id, person, now)
    if isinstance(asked, AnswerResult):
        return asked
    question = asked.question
    if question.type not in ("single", "true_false") or not 0 <= choice_index < len(question.choices):
        return AnswerResult("unknown", asked.delivery)
    choice = question.choices[choice_index]
    grade = Grade(choice.correct, 1.0 if choice.correct else 0.0)
    given = Given(choice_index, choice.text, grade, None,
                  feedback_message(asked.shown, choice_index, locale=person.locale))
    return store(session, asked, given, person, now)


def store(session: Session, asked: Asked, given: Given, person: Person, now: datetime) -> AnswerResult:
    """Store an answer once (a concurrent first answer wins), then queue the unit's next question."""
    d, version, question = asked.delivery, asked.version, asked.question
    sent = d.sent_at or d.due_at
    answer = Answer(
        delivery_id=d.id, person_id=person.id, campaign_id=d.campaign_id, question_id=question.id,
        choice_index=given.choice_index, choice_text=given.text, correct=given.grade.correct,
        score=given.grade.score, response=given.response,
        latency_ms=max(0, int((now - sent).total_seconds() * 1000)), track_version_id=version.id,
        content_hash=version.content_hash, answered_at=now,
    )
    scenarios.mark_step(session, answer, d, asked.unit, question)
    try:
        with session.begin_nested():
            session.add(answer)
    except IntegrityError:
        # Another request recorded this delivery's answer first.
        prior = session.scalars(select(Answer).where(Answer.delivery_id == d.id)).one()
        return AnswerResult("duplicate", d, prior.correct, feedback_of(asked.shown, prior, person.locale))
    statements.on_answer(session, answer, d, person, asked.track, question)
    # The feedback replaces the question in place: where the question showed a picture, so does its feedback.
    shown = picture(asked.shown.image)
    feedback = given.feedback if shown is None else replace(given.feedback, image=shown)
    d.payload = feedback.to_dict()
    result = AnswerResult("recorded", d, given.grade.correct, feedback, answer=answer)
    e = session.get(Enrollment, d.enrollment_id) if d.enrollment_id is not None else None
    if e is not None:
        enrollments.answered(e, now)
    _follow_up(session, asked, e, person, now, result, answer)
    session.flush()
    return result


def _follow_up(session: Session, asked: Asked, e: Enrollment | None, person: Person, now: datetime,
               result: AnswerResult, answer: Answer) -> None:
    d, unit, question = asked.delivery, asked.unit, asked.question
    chosen = question.choices[answer.choice_index] if answer.choice_index is not None else None
    step = (scenarios.queue_step(session, d, asked.version, asked.track, chosen, person, now)
            if chosen is not None else None)
    if step is not None:  # a scenario's next step follows its feedback at once, whatever the day's cap
        result.followups.append(step.id)
        return
    # The unit's next question follows at once, unless it was already asked or today's cap is reached;
    # then it waits for a later nudge.
    follow = scenarios.next_in_unit(unit, question, answer)
    if (follow is not None and d.closed_at is None and e is not None and memory.row(session, e.id, follow.id) is None
            and memory.cap_left(session, person, e.campaign, d.slot_day) > 0):
        nd = enqueue(session, key=enrollments.followup_key(d.key, follow.id), person=person, kind="question",
                     message=None, due=now, item=follow.id, enrollment_id=d.enrollment_id, campaign_id=d.campaign_id,
                     track_version_id=asked.version.id, seq=d.seq + 1, slot=(d.slot_day, d.slot_at))
        if nd is not None:
            memory.asked(session, e, unit.id, follow.id, now, known_new=True)
            shown = localized(session, asked.version, asked.track, person.locale).question(follow.id)[1]
            nd.payload = question_message(shown, nd.id, locale=person.locale).to_dict()
            result.followups.append(nd.id)
