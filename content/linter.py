"""Microlearning good practice as checks: small lessons, a reason to care, feedback on every answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from content.problems import LineMap, Loc, Problem, render_loc
from content.schema import Question, Track

__all__ = [
    "PLACEHOLDER",
    "MAX_LESSON_WORDS",
    "MAX_PROMPT_CHARS",
    "MAX_QUESTIONS_PER_UNIT",
    "MIN_UNITS",
    "count_words",
    "lint",
]

MAX_LESSON_WORDS = 150
MAX_QUESTIONS_PER_UNIT = 3
MAX_PROMPT_CHARS = 300
MIN_UNITS = 3
# The importers' marker for text an author must still write (re-exported as content.importers.PLACEHOLDER).
PLACEHOLDER = "TODO(author)"


def count_words(text: str) -> int:
    """Count words in Markdown text, ignoring bare markup such as bullets and '**'."""
    return sum(1 for token in text.split() if any(ch.isalnum() for ch in token))


def lint(track: Track, linemap: LineMap, path: str) -> list[Problem]:
    """Check a valid track against microlearning practice; return problems sorted by line."""
    problems: list[Problem] = []

    def add(loc: Loc, message: str, severity: Literal["error", "warning"] = "error") -> None:
        where = render_loc(loc)
        problems.append(
            Problem(path, linemap.line(loc), f"{where}: {message}" if where else message, severity)
        )

    if track.objective is None:
        add((), "track has no objective: every track states the behaviour it builds")
    if len(track.units) < MIN_UNITS:
        add(
            ("units",),
            f"only {len(track.units)} unit(s): too small to space out; aim for at least {MIN_UNITS}",
            "warning",
        )

    for ui, unit in enumerate(track.units):
        uloc: Loc = ("units", ui)
        if not unit.questions:
            add(uloc, f"unit '{unit.id}' has no question: retrieval practice is what makes a lesson stick")
        elif len(unit.questions) > MAX_QUESTIONS_PER_UNIT:
            add(
                (*uloc, "questions"),
                f"{len(unit.questions)} questions; keep it to {MAX_QUESTIONS_PER_UNIT} or fewer per unit",
                "warning",
            )
        if unit.why is None:
            add(
                uloc,
                f"unit '{unit.id}' has no 'why': say in one line why this matters to the learner",
                "warning",
            )
        for field in ("title", "why", "lesson"):
            if PLACEHOLDER in (getattr(unit, field) or ""):
                add((*uloc, field), f"unit '{unit.id}' {field} still holds the {PLACEHOLDER} placeholder: "
                    "write it before publishing")
        words = count_words(unit.lesson)
        if words > MAX_LESSON_WORDS:
            add(
                (*uloc, "lesson"),
                f"lesson is {words} words; keep it under {MAX_LESSON_WORDS} or split the unit",
                "warning",
            )

        for qi, q in enumerate(unit.questions):
            qloc: Loc = (*uloc, "questions", qi)
            if len(q.prompt) > MAX_PROMPT_CHARS:
                add(
                    (*qloc, "prompt"),
                    f"prompt is {len(q.prompt)} characters; keep it under {MAX_PROMPT_CHARS}",
                    "warning",
                )
            _placeholders(q, qloc, add)
            _kind_practice(q, qloc, add)
            if q.explanation is not None:
                continue
            if q.typed and len(q.feedback or {}) < 2:
                missing = "right" if True not in (q.feedback or {}) else "wrong"
                add((*qloc, "feedback"), f"question '{q.id}' has no feedback for a {missing} answer and no "
                    "explanation: learners need to know why (add feedback: {true: ..., false: ...})")
            for ci, choice in enumerate(q.choices):
                if choice.feedback is None:
                    # true_false choices are synthesised, so the nearest real line is the question's.
                    hint = " (add feedback: {true: ..., false: ...})" if q.type == "true_false" else ""
                    add(
                        (*qloc, "choices", ci),
                        f"choice '{choice.text}' has no feedback and the question has no explanation: "
                        f"learners need to know why{hint}",
                    )
    return sorted(problems, key=lambda p: p.line)


def _placeholders(q: Question, qloc: Loc, add: Callable[[Loc, str], None]) -> None:
    """Name every question field that still holds the importer's placeholder."""
    texts: list[tuple[Loc, str | None]] = [((*qloc, "prompt"), q.prompt), ((*qloc, "explanation"), q.explanation)]
    for ci, choice in enumerate(q.choices):
        texts += [((*qloc, "choices", ci), choice.text), ((*qloc, "choices", ci, "feedback"), choice.feedback)]
    texts += [((*qloc, "accept", ai), a) for ai, a in enumerate(q.accept or [])]
    for loc, text in texts:
        if text and PLACEHOLDER in text:
            add(loc, f"question '{q.id}' still holds the {PLACEHOLDER} placeholder: write it before publishing")


MAX_ACCEPT_WORDS = 4


def _kind_practice(q: Question, qloc: Loc, add: Callable[[Loc, str, Literal["error", "warning"]], None]) -> None:
    """Warn about multiple-response and typed questions that would grade learners unfairly."""
    if q.type == "multiple" and all(c.correct for c in q.choices):
        add((*qloc, "choices"), f"question '{q.id}': every choice is correct, so ticking all of them always wins",
            "warning")
    for ai, answer in enumerate(q.accept or []):
        if count_words(answer) > MAX_ACCEPT_WORDS:
            add((*qloc, "accept", ai), f"accepted answer '{answer}' is {count_words(answer)} words; typed answers "
                f"work best as a word or two (at most {MAX_ACCEPT_WORDS})", "warning")
        elif q.typos and len(answer) <= 3 * q.typos:
            add((*qloc, "typos"), f"typos: {q.typos} is too lenient for the short answer '{answer}': "
                "unrelated words would count as right", "warning")
