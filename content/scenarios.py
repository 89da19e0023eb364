"""Scenario questions: a choice's `next` leads to a follow-up question of the same unit, a short decision path."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from content.schema import Question, Track, Unit

__all__ = [
    "MAX_STEPS",
    "asked_questions",
    "drop_absent_next",
    "entry_of_path",
    "follow_up_ids",
    "is_scenario",
    "path_errors",
    "path_with",
]

MAX_STEPS = 3

Loc = tuple[str | int, ...]
Error = tuple[Loc, str, str, dict[str, Any]]


def follow_up_ids(unit: Unit) -> set[str]:
    """Return the ids of the unit's questions reached only through a choice's `next`."""
    return {c.next for q in unit.questions for c in q.choices if c.next is not None}


def asked_questions(unit: Unit) -> list[Question]:
    """Return the unit's questions asked in their own right: every question that is no follow-up."""
    later = follow_up_ids(unit)
    return [q for q in unit.questions if q.id not in later]


def is_scenario(unit: Unit, question: Question) -> bool:
    """Return True when the question is a step of a decision path (it leads on, or is led to)."""
    return any(c.next for c in question.choices) or question.id in follow_up_ids(unit)


def path_with(path: str | None, question_id: str, choice_index: int) -> str:
    """Return a recorded path extended by one step: `first:2>second:1` (question id and choice number)."""
    step = f"{question_id}:{choice_index + 1}"
    return step if not path else f"{path}>{step}"


def entry_of_path(path: str) -> str:
    """Return the id of the question a recorded path started from."""
    return path.split(">", 1)[0].rsplit(":", 1)[0]


def drop_absent_next(body: dict[str, Any]) -> dict[str, Any]:
    """Drop `next: None` from dumped choices, so tracks without scenarios keep the hash they had before."""
    for unit in body.get("units", []):
        for q in unit.get("questions", []):
            for c in q.get("choices", []):
                if c.get("next", 0) is None:
                    del c["next"]
    return body


def path_errors(track: Track) -> list[Error]:
    """Return every broken path: `next` to an unknown question or another unit, cycles, paths over 3 steps."""
    errors: list[Error] = []
    unit_of = {q.id: u.id for u in track.units for q in u.questions}
    for ui, unit in enumerate(track.units):
        graph: dict[str, list[tuple[str, Loc]]] = {q.id: [] for q in unit.questions}
        for qi, q in enumerate(unit.questions):
            for ci, c in enumerate(q.choices):
                if c.next is None:
                    continue
                loc: Loc = ("units", ui, "questions", qi, "choices", ci, "next")
                problem = _target_problem(q, c.next, unit.id, unit_of)
                if problem is not None:
                    errors.append((loc, "next", problem[0], problem[1]))
                else:
                    graph[q.id].append((c.next, loc))
        errors += _walk_errors(graph)
    return errors


def _target_problem(q: Question, target: str, unit_id: str,
                    unit_of: dict[str, str]) -> tuple[str, dict[str, Any]] | None:
    if q.type != "single":
        return "only single-choice questions lead on with next (this one is {kind})", {"kind": q.type}
    if target not in unit_of:
        return "next names no question of this track: {id}", {"id": repr(target)}
    if unit_of[target] != unit_id:
        return ("next leads to {id} in unit {other}; a path stays within its unit",
                {"id": repr(target), "other": repr(unit_of[target])})
    return None


def _walk_errors(graph: dict[str, list[tuple[str, Loc]]]) -> list[Error]:
    """Report each `next` that closes a cycle or makes a path longer than MAX_STEPS, once per choice."""
    found: dict[Loc, Error] = {}

    def walk(qid: str, trail: list[str]) -> None:
        for target, loc in graph[qid]:
            if loc in found:
                continue
            if target in trail or target == qid:
                before = trail[trail.index(target):] if target in trail else []
                cycle = " -> ".join([*before, qid, target])
                found[loc] = (loc, "next_cycle", "next makes a cycle: {cycle}", {"cycle": cycle})
            elif len(trail) + 2 > MAX_STEPS:
                steps = " -> ".join([*trail, qid, target])
                found[loc] = (loc, "next_depth", "a path is at most {n} steps deep; this one goes {steps}",
                              {"n": MAX_STEPS, "steps": steps})
            else:
                walk(target, [*trail, qid])

    for qid in graph:
        walk(qid, [])
    return list(found.values())
