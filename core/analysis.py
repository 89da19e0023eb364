"""Item analysis, funnels and group summaries over plain records. Pure functions, no I/O.

Item statistics follow classical test theory and use FIRST attempts only (a retry after feedback
measures the feedback, not the question):

* difficulty ``p``: the share of first attempts that were correct (high p = easy item);
* discrimination ``r``: the point-biserial correlation between getting this item right (0/1) and the
  person's REST score, i.e. the corrected item-total correlation. The item itself is left out of the
  score, otherwise it correlates with itself and every item looks better than it is.

Rest score normalisation: learners in chat answer different numbers of questions (late joiners,
skipped days), so a raw count of correct answers would mostly measure how many questions someone
received. The rest score is therefore the SHARE correct on the other questions the person answered,
in [0, 1]. People who answered no other question have no rest score and are left out of ``r`` for
that item (but still count for ``p`` and the choice shares).

Conventional review thresholds: p > 0.9 too easy, p < 0.3 too hard, r < 0.2 poor discrimination,
r < 0 negative discrimination, which usually means the answer key is wrong (the strongest learners
pick a "wrong" choice). All flags are withheld below ``min_n`` responses: three answers say nothing.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from content.schema import Question

TOO_EASY_ABOVE = 0.9
TOO_HARD_BELOW = 0.3
POOR_DISCRIMINATION_BELOW = 0.2
DEFAULT_MIN_N = 10


class Flag(StrEnum):
    """Why a question deserves an author's look."""

    TOO_EASY = "too_easy"
    TOO_HARD = "too_hard"
    POOR_DISCRIMINATION = "poor_discrimination"
    NEGATIVE_DISCRIMINATION = "negative_discrimination"  # likely wrong answer key


FLAG_HINTS: dict[Flag, str] = {
    Flag.TOO_EASY: "almost everyone gets it right; it teaches little and tells nothing apart",
    Flag.TOO_HARD: "most people get it wrong; check the wording, the lesson and the key",
    Flag.POOR_DISCRIMINATION: "strong and weak learners do about equally well on it",
    Flag.NEGATIVE_DISCRIMINATION: "strong learners do worse than weak ones: likely a wrong answer key",
}


@dataclass(frozen=True)
class FirstAttempt:
    """A person's first answer to a question."""

    person_id: int
    question_id: str
    choice_index: int | None  # None for multiple-response and typed answers
    correct: bool
    latency_ms: int
    picked: tuple[int, ...] = ()  # multiple response: every chosen choice


@dataclass(frozen=True)
class QuestionKey:
    """A question's choice texts and the index of the keyed answer, for labelling choice shares."""

    choices: tuple[str, ...]
    correct_index: int  # -1 when no single choice is keyed (multiple response, typed kinds)
    kind: str = "single"
    correct: tuple[int, ...] = ()  # every keyed choice, for multiple response

    @classmethod
    def of(cls, question: Question) -> QuestionKey:
        """Return the key of a question: its choice texts and keyed choices (none for typed kinds)."""
        keyed = question.correct_indexes
        return cls(tuple(c.text for c in question.choices), keyed[0] if len(keyed) == 1 else -1,
                   question.type, keyed)

    def keys(self, index: int) -> bool:
        """Return whether the key marks choice `index` correct."""
        return index in self.correct if self.correct else index == self.correct_index


@dataclass(frozen=True)
class ChoiceStat:
    """How often one choice was picked on first attempts."""

    index: int
    text: str | None  # None when no key was given or the index is beyond the key (content changed since)
    count: int
    share: float
    keyed: bool | None  # whether the key marks this choice correct; None without a key


@dataclass(frozen=True)
class ItemStats:
    """The classical item statistics of one question."""

    question_id: str
    n: int
    difficulty: float
    discrimination: float | None
    discrimination_n: int  # people with a rest score, i.e. those the correlation was computed over
    discrimination_note: str | None  # why discrimination is None
    choices: tuple[ChoiceStat, ...]
    median_latency_ms: float
    flags: tuple[Flag, ...]


def first_attempts_only(records: Iterable[FirstAttempt]) -> list[FirstAttempt]:
    """Keep each person's first record per question (records in the order they were given)."""
    seen: set[tuple[int, str]] = set()
    out: list[FirstAttempt] = []
    for r in records:
        if (r.person_id, r.question_id) not in seen:
            seen.add((r.person_id, r.question_id))
            out.append(r)
    return out


def rest_scores(attempts: Sequence[FirstAttempt], question_id: str) -> dict[int, float]:
    """Return each person's share correct on the questions they answered other than `question_id`."""
    right: Counter[int] = Counter()
    total: Counter[int] = Counter()
    for a in attempts:
        if a.question_id != question_id:
            total[a.person_id] += 1
            right[a.person_id] += a.correct
    return {pid: right[pid] / n for pid, n in total.items()}


def point_biserial(item: Sequence[bool], rest: Sequence[float]) -> float | None:
    """Return the Pearson correlation of 0/1 item scores with rest scores, or None when either is constant."""
    if len(item) != len(rest):
        raise ValueError(f"item has {len(item)} scores but rest has {len(rest)}")
    if len(item) < 2 or len(set(item)) < 2 or len(set(rest)) < 2:
        return None
    r = statistics.correlation([float(x) for x in item], list(rest))
    return max(-1.0, min(1.0, r))  # float rounding can land a hair outside [-1, 1]


def _discrimination(mine: Sequence[FirstAttempt], rest: Mapping[int, float],
                    min_n: int) -> tuple[float | None, int, str | None]:
    pairs = [(a.correct, rest[a.person_id]) for a in mine if a.person_id in rest]
    if len(pairs) < min_n:
        return None, len(pairs), f"only {len(pairs)} people also answered other questions (need {min_n})"
    item = [c for c, _ in pairs]
    if len(set(item)) < 2:
        return None, len(pairs), "everyone scored the same on this question"
    if len({s for _, s in pairs}) < 2:
        return None, len(pairs), "everyone has the same score on the other questions"
    return point_biserial(item, [s for _, s in pairs]), len(pairs), None


def _choices(mine: Sequence[FirstAttempt], key: QuestionKey | None) -> tuple[ChoiceStat, ...]:
    if key is not None and key.kind in ("short", "numeric"):
        return ()  # typed answers have no choices to count
    counts = Counter(i for a in mine for i in ((a.choice_index,) if a.choice_index is not None else a.picked))
    indexes = set(counts) | (set(range(len(key.choices))) if key else set())
    out = []
    for i in sorted(indexes):
        in_key = key is not None and 0 <= i < len(key.choices)
        out.append(ChoiceStat(index=i, text=key.choices[i] if key and in_key else None, count=counts[i],
                              share=counts[i] / len(mine),
                              keyed=key.keys(i) if key else None))
    return tuple(out)


def _flags(n: int, p: float, r: float | None, min_n: int) -> tuple[Flag, ...]:
    if n < min_n:
        return ()
    flags = []
    if p > TOO_EASY_ABOVE:
        flags.append(Flag.TOO_EASY)
    if p < TOO_HARD_BELOW:
        flags.append(Flag.TOO_HARD)
    if r is not None and r < POOR_DISCRIMINATION_BELOW:
        flags.append(Flag.POOR_DISCRIMINATION)
    if r is not None and r < 0:
        flags.append(Flag.NEGATIVE_DISCRIMINATION)
    return tuple(flags)


def item_analysis(records: Iterable[FirstAttempt], keys: Mapping[str, QuestionKey] | None = None,
                  min_n: int = DEFAULT_MIN_N) -> list[ItemStats]:
    """Return ItemStats for every answered question, in order of first appearance.

    `records` should be first attempts in answer order; any later record for the same person and
    question is ignored. `correct` is taken as recorded (the key at answer time); `keys` only labels
    the choices. Below `min_n` responses (or people with a rest score) no flag and no `r` are given.
    """
    if min_n < 2:
        raise ValueError(f"min_n must be at least 2, got {min_n}")
    attempts = first_attempts_only(records)
    by_question: dict[str, list[FirstAttempt]] = defaultdict(list)
    for a in attempts:
        by_question[a.question_id].append(a)
    out = []
    for qid, mine in by_question.items():
        p = sum(a.correct for a in mine) / len(mine)
        r, r_n, note = _discrimination(mine, rest_scores(attempts, qid), min_n)
        out.append(ItemStats(
            question_id=qid, n=len(mine), difficulty=p, discrimination=r, discrimination_n=r_n,
            discrimination_note=note, choices=_choices(mine, (keys or {}).get(qid)),
            median_latency_ms=float(statistics.median(a.latency_ms for a in mine)),
            flags=_flags(len(mine), p, r, min_n)))
    return out


# Funnel and group summaries ------------------------------------------------------------------------

@dataclass(frozen=True)
class LearnerRecord:
    """One enrolled learner's standing in a campaign, with the groups they belong to."""

    person_id: int
    sent: int  # questions delivered to them
    answered: int
    correct: int
    completed: bool
    team: str | None = None
    manager: str | None = None


@dataclass(frozen=True)
class FunnelStep:
    """One step of the funnel: how many got this far."""

    name: str
    count: int
    share_of_enrolled: float | None  # None when nobody is enrolled
    share_of_previous: float | None  # None when the previous step is empty


@dataclass(frozen=True)
class GroupStats:
    """Completion and accuracy of one team or manager's reports."""

    group: str
    people: int
    completed: int
    completion_rate: float
    answered: int
    correct: int
    accuracy: float | None  # pooled over all answers in the group; None before any answer


NO_GROUP = "(none)"


def funnel(learners: Iterable[LearnerRecord]) -> list[FunnelStep]:
    """Return the steps enrolled -> reached (got a question) -> answered at least once -> completed."""
    rows = list(learners)
    counts = [("enrolled", len(rows)), ("reached", sum(r.sent > 0 for r in rows)),
              ("answered", sum(r.answered > 0 for r in rows)), ("completed", sum(r.completed for r in rows))]
    steps = []
    previous = len(rows)
    for name, count in counts:
        steps.append(FunnelStep(name, count, count / len(rows) if rows else None,
                                count / previous if previous else None))
        previous = count
    return steps


def group_stats(learners: Iterable[LearnerRecord],
                by: Callable[[LearnerRecord], str | None]) -> list[GroupStats]:
    """Return completion and accuracy per group (e.g. `by=lambda r: r.team`), largest group first.

    Accuracy is pooled (all correct answers over all answers in the group), so a learner's weight is
    the number of questions they answered; learners without a group are gathered under NO_GROUP.
    """
    groups: dict[str, list[LearnerRecord]] = defaultdict(list)
    for r in learners:
        groups[by(r) or NO_GROUP].append(r)
    out = []
    for name, rows in groups.items():
        done = sum(r.completed for r in rows)
        answered = sum(r.answered for r in rows)
        correct = sum(r.correct for r in rows)
        out.append(GroupStats(name, len(rows), done, done / len(rows), answered, correct,
                              correct / answered if answered else None))
    return sorted(out, key=lambda g: (-g.people, g.group))
