"""Answering multiple-response questions (toggle, then submit) and typed ones (short, numeric replies)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from content.grading import grade_multiple, grade_numeric, grade_short, parse_number
from core.models import Delivery, Person
from core.ports import OutboundMessage
from core.render_kinds import graded_feedback, multiple_question
from core.services.answers import AnswerResult, Asked, Given, open_asked, store


@dataclass
class Toggled:
    """A choice selected or unselected: the question redrawn with its check marks, or why not."""

    result: AnswerResult
    message: OutboundMessage | None = None


def selected_of(d: Delivery) -> list[int]:
    """Return the choices currently selected on a multiple-response question delivery."""
    record = (d.payload or {}).get("record") or {}
    return [int(i) for i in record.get("selected", [])]


def toggle(session: Session, delivery_id: int, choice_index: int, person: Person, now: datetime) -> Toggled:
    """Select or unselect one choice of an open multiple-response question; return the redrawn question."""
    asked = open_asked(session, delivery_id, person, now)
    if isinstance(asked, AnswerResult):
        return Toggled(asked)
    if asked.question.type != "multiple" or not 0 <= choice_index < len(asked.question.choices):
        return Toggled(AnswerResult("unknown", asked.delivery))
    d = asked.delivery
    selected = set(selected_of(d)) ^ {choice_index}
    footer = str((d.payload or {}).get("footer", ""))
    # Redrawn as it was sent (with its picture, if any), only the check marks change.
    message = replace(multiple_question(asked.shown, d.id, footer, locale=person.locale, selected=selected),
                      image=OutboundMessage.from_dict(d.payload).image if d.payload.get("image") else None)
    d.payload = message.to_dict()
    return Toggled(AnswerResult("recorded", d), message)


def submit(session: Session, delivery_id: int, person: Person, now: datetime,
           selected: Iterable[int] | None = None) -> AnswerResult:
    """Record a multiple-response answer: the selection so far (or `selected`), graded with partial credit."""
    asked = open_asked(session, delivery_id, person, now)
    if isinstance(asked, AnswerResult):
        return asked
    question = asked.question
    if question.type != "multiple":
        return AnswerResult("unknown", asked.delivery)
    picked = sorted({i for i in (selected_of(asked.delivery) if selected is None else selected)
                     if 0 <= i < len(question.choices)})
    if not picked:
        return AnswerResult("empty", asked.delivery)
    grade = grade_multiple(picked, [c.correct for c in question.choices])
    shown_text = "; ".join(asked.shown.choices[i].text for i in picked)
    feedback = graded_feedback(asked.shown, shown_text, grade, locale=person.locale, selected=picked)
    text = "; ".join(question.choices[i].text for i in picked)
    given = Given(None, text, grade, ";".join(str(i + 1) for i in picked), feedback)
    return store(session, asked, given, person, now)


def answer_typed(session: Session, delivery_id: int, text: str, person: Person, now: datetime) -> AnswerResult:
    """Record a typed reply to an open short or numeric question, graded; a non-number is not recorded."""
    asked = open_asked(session, delivery_id, person, now)
    if isinstance(asked, AnswerResult):
        return asked
    question, typed = asked.question, " ".join(text.split())
    if question.type == "numeric":
        value = parse_number(typed)
        if value is None:
            return AnswerResult("not_a_number", asked.delivery)
        grade = grade_numeric(value, question)
    elif question.type == "short":
        # Answers in the reader's language count as well as the source's.
        accepted = [*(asked.shown.accept or []), *(question.accept or [])]
        grade = grade_short(typed, accepted, question.typos or 0)
    else:
        return AnswerResult("unknown", asked.delivery)
    feedback = graded_feedback(asked.shown, typed, grade, locale=person.locale)
    return store(session, asked, Given(None, typed, grade, typed, feedback), person, now)


def typed_kind(d: Delivery) -> str:
    """Return "short" or "numeric" when a question delivery is answered by typing, else ""."""
    record = (d.payload or {}).get("record") or {}
    kind = record.get("typed")
    return kind if kind in ("short", "numeric") else ""


__all__ = ["Asked", "Toggled", "answer_typed", "selected_of", "submit", "toggle", "typed_kind"]
