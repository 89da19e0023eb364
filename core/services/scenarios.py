"""Scenario steps: record where an answer stands on a decision path and queue the step its choice leads to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.scenarios import asked_questions, entry_of_path, is_scenario, path_with
from content.schema import Choice, Question, Track, Unit
from core.models import Answer, Delivery, Person, TrackVersion
from core.render import question_message
from core.services.outbox import enqueue
from core.services.translations import localized

# A step's outbox key is the key of the step before it, then this and the question id.
STEP_SEP = ">"


def step_key(delivery_key: str, question_id: str) -> str:
    """Return the outbox key of the follow-up `question_id` reached from the delivery with `delivery_key`."""
    return f"{delivery_key}{STEP_SEP}{question_id}"


def mark_step(session: Session, answer: Answer, d: Delivery, unit: Unit, question: Question) -> None:
    """Note on an answer to a scenario question its step and the path taken so far (ids and choice numbers)."""
    if not is_scenario(unit, question) or answer.choice_index is None:
        return
    before = _previous(session, d)
    answer.step = 1 if before is None else (before.step or 1) + 1
    answer.path = path_with(before.path if before is not None else None, question.id, answer.choice_index)


def entry_id(answer: Answer, question: Question) -> str:
    """Return the id of the question the answer's decision path started from (the question itself if none)."""
    return entry_of_path(answer.path) if answer.path else question.id


def next_in_unit(unit: Unit, question: Question, answer: Answer) -> Question | None:
    """Return the unit's question asked after this answer's one (after its path's first step), if any."""
    asked = asked_questions(unit)
    at = [q.id for q in asked].index(entry_id(answer, question)) + 1
    return asked[at] if at < len(asked) else None


def queue_step(session: Session, d: Delivery, version: TrackVersion, track: Track, choice: Choice,
               person: Person, now: datetime) -> Delivery | None:
    """Queue the follow-up question the chosen choice leads to, at once; None when the path ends here."""
    if choice.next is None:
        return None
    nd = enqueue(session, key=step_key(d.key, choice.next), person=person, kind="question", message=None, due=now,
                 item=choice.next, enrollment_id=d.enrollment_id, campaign_id=d.campaign_id,
                 track_version_id=version.id, seq=d.seq + 1)
    if nd is not None:
        nd.slot_day, nd.slot_at = d.slot_day, d.slot_at
        shown = localized(session, version, track, person.locale).question(choice.next)[1]
        nd.payload = question_message(shown, nd.id, locale=person.locale).to_dict()
    return nd


def _previous(session: Session, d: Delivery) -> Answer | None:
    """Return the answer to the step this delivery followed, if it is a follow-up."""
    if STEP_SEP not in d.key:
        return None
    key = d.key.rsplit(STEP_SEP, 1)[0]
    return session.scalars(select(Answer).join(Delivery, Answer.delivery_id == Delivery.id)
                           .where(Delivery.key == key)).first()
