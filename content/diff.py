"""What changes between two versions of a track, by unit and question id (never by list position)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from content.schema import Question, Track

__all__ = ["TrackDiff", "answer_key", "changed_questions", "diff_tracks", "recall_form"]


def recall_form(q: Question) -> dict[str, Any]:
    """Return what a learner must recall of a question: prompt, choices and key, without feedback wording."""
    data = q.model_dump(mode="json", exclude={"id", "feedback", "explanation"})
    for c in data.get("choices") or []:
        c.pop("feedback", None)
    return data


def answer_key(q: Question) -> tuple[Any, ...]:
    """Return a question's answer key: its right choices, its true/false or numeric answer, accepted texts."""
    data = q.model_dump(mode="json")
    typed = tuple(data.get(k) for k in ("accept", "typos", "tolerance", "min", "max"))
    return tuple(c.get("text") for c in data.get("choices") or [] if c.get("correct")), data.get("answer"), typed


def changed_questions(old: Track, new: Track) -> set[str]:
    """Return ids of questions in both versions whose prompt, choices or key changed."""
    before = {q.id: q for u in old.units for q in u.questions}
    return {q.id for u in new.units for q in u.questions
            if q.id in before and recall_form(before[q.id]) != recall_form(q)}


@dataclass
class TrackDiff:
    """Units added, removed and reordered, and questions re-keyed or otherwise changed."""

    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    reordered: bool = False
    rekeyed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # prompt or choices changed, key the same
    questions_removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Return True when nothing a learner's progress depends on changed."""
        return not (self.added or self.removed or self.reordered or self.rekeyed or self.changed
                    or self.questions_removed)


def diff_tracks(old: Track, new: Track) -> TrackDiff:
    """Compare two versions of one track by ids."""
    old_units, new_units = [u.id for u in old.units], [u.id for u in new.units]
    kept_old = [u for u in old_units if u in new_units]
    kept_new = [u for u in new_units if u in old_units]
    before = {q.id: q for u in old.units for q in u.questions}
    after = {q.id: q for u in new.units for q in u.questions}
    d = TrackDiff(added=[u for u in new_units if u not in old_units],
                  removed=[u for u in old_units if u not in new_units], reordered=kept_old != kept_new,
                  questions_removed=[q for q in before if q not in after])
    for qid in changed_questions(old, new):
        (d.rekeyed if answer_key(before[qid]) != answer_key(after[qid]) else d.changed).append(qid)
    d.rekeyed.sort()
    d.changed.sort()
    return d
