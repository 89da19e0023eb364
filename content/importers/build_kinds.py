"""Map imported multiple-response, short-answer and numeric questions onto the native kinds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from content.importers.common import RawChoice, RawQuestion
from content.schema import MAX_CHOICES, MIN_CHOICES

__all__ = ["KIND_BUILDERS"]

Note = Callable[[str], None]
# A builder returns the native question's fields, or the reason the question is skipped.
Made = dict[str, Any] | str


def _num(value: float) -> int | float:
    return int(value) if value.is_integer() else value


def _partial(c: RawChoice, note: Note) -> None:
    if 0 < c.fraction < 1.0:
        note(f'partial credit ({c.fraction:.0%}) for "{c.text}" is dropped; it now counts as wrong')


def multiple(q: RawQuestion, note: Note) -> Made:
    """Map a multiple-response question: every answer with a positive weight is a right choice."""
    if not MIN_CHOICES <= len(q.choices) <= MAX_CHOICES:
        return f"it has {len(q.choices)} choices; chat questions take {MIN_CHOICES} to {MAX_CHOICES}"
    if not any(c.fraction > 0 for c in q.choices):
        return "no answer has a positive weight, so none is right"
    choices: list[dict[str, Any]] = []
    for c in q.choices:
        choice: dict[str, Any] = {"text": c.text}
        if c.fraction > 0:
            choice["correct"] = True
        if c.feedback:
            choice["feedback"] = c.feedback
        choices.append(choice)
    return {"type": "multiple", "choices": choices}


def _feedback(right: RawChoice | None, wrong: RawChoice | None) -> dict[bool, str]:
    out: dict[bool, str] = {}
    if right is not None and right.feedback:
        out[True] = right.feedback
    if wrong is not None and wrong.feedback:
        out[False] = wrong.feedback
    return out


def short(q: RawQuestion, note: Note) -> Made:
    """Map a short-answer question: its fully right answers are accepted; `*` gives the wrong-answer feedback."""
    catch_all = next((c for c in q.choices if c.text == "*" and c.fraction <= 0), None)
    accepted: list[RawChoice] = []
    for c in q.choices:
        if c is catch_all:
            continue
        if "*" in c.text:
            note(f'the wildcard answer "{c.text}" is dropped; chat accepts listed answers only')
        elif c.fraction >= 1.0:
            accepted.append(c)
        else:
            _partial(c, note)
    if not accepted:
        return "it has no fully right answer to accept"
    out: dict[str, Any] = {"type": "short", "accept": [c.text for c in accepted]}
    feedback = _feedback(accepted[0], catch_all)
    return out | ({"feedback": feedback} if feedback else {})


def _numeric_key(text: str) -> dict[str, Any]:
    low, dots, high = text.partition("..")
    if dots and low.strip():
        a, b = sorted((float(low), float(high)))
        return {"min": _num(a), "max": _num(b)}
    value, colon, tolerance = text.partition(":")
    if colon and value.strip() and abs(float(tolerance)) > 0:
        return {"answer": _num(float(value)), "tolerance": _num(abs(float(tolerance)))}
    return {"answer": _num(float(value if colon else text))}


def numeric(q: RawQuestion, note: Note) -> Made:
    """Map a numeric question: the first fully right answer (N, N:tolerance or MIN..MAX) is the key."""
    catch_all = next((c for c in q.choices if c.text == "*"), None)
    right: list[RawChoice] = []
    for c in q.choices:
        if c is catch_all:
            continue
        if c.fraction >= 1.0:
            right.append(c)
        else:
            _partial(c, note)
    if not right:
        return "it has no fully right answer"
    for extra in right[1:]:
        note(f'only the first right answer is kept; "{extra.text}" is dropped')
    out: dict[str, Any] = {"type": "numeric", **_numeric_key(right[0].text)}
    feedback = _feedback(right[0], catch_all)
    return out | ({"feedback": feedback} if feedback else {})


KIND_BUILDERS: dict[str, Callable[[RawQuestion, Note], Made]] = {
    "multiple_response": multiple,
    "short_answer": short,
    "numeric": numeric,
}
