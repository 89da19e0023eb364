"""Grading typed and multiple-response answers: pure functions of a question and what the learner gave."""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from content.schema import Question

__all__ = [
    "Grade",
    "grade_multiple",
    "grade_numeric",
    "grade_short",
    "normalise",
    "numeric_bounds",
    "selection_of",
    "parse_number",
]

_SPACE = re.compile(r"\s+")
_NUMBER = re.compile(r"^[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Grade:
    """How an answer scored: correct only when fully right; score in [0, 1] gives partial credit."""

    correct: bool
    score: float
    matched: str = ""  # short answers: the accepted answer the reply matched


def normalise(text: str) -> str:
    """Return text compared the way learners expect: case, accents and spacing ignored."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SPACE.sub(" ", bare).strip()


def grade_short(given: str, accepted: Iterable[str], typos: int = 0) -> Grade:
    """Grade a typed answer against the accepted answers, allowing up to `typos` edits."""
    from rapidfuzz.distance import Levenshtein  # only typed answers need it, not every importer of this module

    mine = normalise(given)
    if not mine:
        return Grade(False, 0.0)
    for answer in accepted:
        target = normalise(answer)
        if Levenshtein.distance(mine, target, score_cutoff=typos) <= typos:
            return Grade(True, 1.0, answer)
    return Grade(False, 0.0)


def parse_number(text: str) -> float | None:
    """Return the number typed in text ("3,5", "3.5", "-2", "1e3"), or None if it is not one."""
    raw = _SPACE.sub("", text).replace("\u2212", "-")
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    if not _NUMBER.match(raw) or "," in raw:
        return None
    value = float(raw)
    return value if math.isfinite(value) else None


def numeric_bounds(question: Question) -> tuple[float | None, float | None]:
    """Return the range a numeric question accepts: answer ± tolerance, or min..max (None: open end)."""
    if question.answer is not None and not isinstance(question.answer, bool):
        tolerance = question.tolerance or 0.0
        return question.answer - tolerance, question.answer + tolerance
    return question.min, question.max


def grade_numeric(value: float, question: Question) -> Grade:
    """Grade a typed number against a numeric question's answer and tolerance, or its range."""
    low, high = numeric_bounds(question)
    # A hair of slack so binary rounding (3.14 + 0.01) never marks a boundary answer wrong.
    eps = 1e-9 * max(1.0, abs(low or 0.0), abs(high or 0.0))
    ok = (low is None or value >= low - eps) and (high is None or value <= high + eps)
    return Grade(ok, 1.0 if ok else 0.0)


def selection_of(response: str | None) -> list[int]:
    """Return the 0-based choice indexes stored in a multiple-response answer ("1;3": numbered from 1)."""
    return [int(n) - 1 for n in (response or "").split(";") if n.isdigit()]


def grade_multiple(selected: Iterable[int], keyed: Sequence[bool]) -> Grade:
    """Grade a multiple-response answer: the share of choices classified right; correct only if exact."""
    chosen = set(selected)
    right = sum((i in chosen) == key for i, key in enumerate(keyed))
    score = right / len(keyed) if keyed else 0.0
    return Grade(right == len(keyed), round(score, 4))
