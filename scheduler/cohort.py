"""A synthetic cohort for `nudgebot simulate`: learners who forget, answer and go quiet, with a seed.

Each learner holds a true memory of every question (stability in days, the last time they saw it, and
whether they have ever recalled it on a later day) and recalls it with a power-law forgetting curve
R = (1 + F * t / S) ** DECAY, where F puts R at 0.9 when t equals S. A memory not yet recalled on a
later day fades along a steeper curve (FRESH_DECAY) than one that has been (DECAY): in the real log, a
card studied on one day alone is recalled by 23% after a month or more, while cards reviewed twice or
more keep 73-88% at the same gaps, which one curve fits less well. A review grows stability more when
recall was harder (the spacing effect); a miss keeps most of the trace, because the feedback shows the
right answer. Learners differ in how fast they forget (their first stability and how much a review
grows it), how diligent they are (the chance they answer on a given day) and whether they have a
silent stretch.

The curves and the growth are fitted to the real review log in tests/fixtures/conformance/fsrs
(`python -m benchmarks.cohort_fit`, which prints the figures and the fit's calibration); learners are
spread around the fitted values. Nothing here touches the database or the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

# All fitted by benchmarks/cohort_fit.py to the real review log.
FRESH_DECAY = -0.232  # the curve of a memory never yet recalled on a later day
DECAY = -0.076  # once recalled: far flatter, as in the log
FIRST_STABILITY = 0.31  # days, after a lesson and its first question
GROWTH = 1.56  # how much a successful review multiplies stability, scaled below
EASY_GAIN, HARD_GAIN = 0.0, 3.77  # growth at recall 1 and extra per unit of forgetting
LAPSE = 0.79  # stability kept after a miss
MIN_STABILITY = 0.05
LATER_DAY = timedelta(days=0.9)  # the fit scores reviews at least this far apart
CHOICES = 3  # a blind guess among three choices


@dataclass
class SimLearner:
    """One synthetic learner: how they forget and how often they answer."""

    index: int
    first_stability: float
    growth: float
    diligence: float
    silent_days: frozenset[int]
    memory: dict[str, tuple[float, datetime]] = field(default_factory=dict)
    recalled: set[str] = field(default_factory=set)  # questions recalled at least once on a later day

    def recall(self, qid: str, now: datetime) -> float:
        """Return the chance this learner recalls question `qid` at `now` (0 if never seen)."""
        found = self.memory.get(qid)
        if found is None:
            return 0.0
        stability, seen = found
        days = max(0.0, (now - seen).total_seconds() / 86400)
        return recall_after(days, stability, qid in self.recalled)

    def answers_today(self, day: int, rng: random.Random) -> bool:
        """Return True when the learner answers on simulated day `day`."""
        return day not in self.silent_days and rng.random() < self.diligence

    def answer(self, qid: str, now: datetime, fresh: bool, rng: random.Random) -> bool:
        """Answer question `qid` at `now` (`fresh`: its lesson was just read); update memory; return right."""
        if qid not in self.memory:
            p = 0.85 if fresh else 1 / CHOICES
            right = rng.random() < p
            self.memory[qid] = (self.first_stability * (1.0 if right else 0.5), now)
            return right
        r = self.recall(qid, now)
        right = rng.random() < max(r, 1 / CHOICES)
        stability, seen = self.memory[qid]
        self.memory[qid] = (reviewed(stability, r, right, self.growth), now)
        if right and now - seen >= LATER_DAY:
            self.recalled.add(qid)
        return right


def curve_factor(decay: float) -> float:
    """Return the F that puts a forgetting curve with `decay` at 0.9 when the time elapsed equals stability."""
    return float(0.9 ** (1 / decay) - 1)


def recall_after(days: float, stability: float, recalled_before: bool = True) -> float:
    """Return the chance of recall `days` after a review that left `stability` (a fresh memory fades faster)."""
    decay = DECAY if recalled_before else FRESH_DECAY
    return float((1 + curve_factor(decay) * days / stability) ** decay)


def reviewed(stability: float, recall: float, right: bool, growth: float = GROWTH) -> float:
    """Return the stability after a review at `recall`: grown when right (more when harder), cut when missed."""
    if right:
        return stability * (1 + growth * (EASY_GAIN + HARD_GAIN * (1 - recall)))
    return max(MIN_STABILITY, stability * LAPSE)


def make_cohort(n: int, days: int, seed: int) -> list[SimLearner]:
    """Return `n` learners with varied forgetting and diligence; about a third have a silent stretch."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        silent: frozenset[int] = frozenset()
        if rng.random() < 0.35 and days > 6:
            start = rng.randrange(1, days - 3)
            silent = frozenset(range(start, min(days, start + rng.randint(3, 10))))
        out.append(SimLearner(i, first_stability=FIRST_STABILITY * rng.uniform(0.5, 2.0),
                              growth=GROWTH * rng.uniform(0.6, 1.4),
                              diligence=rng.uniform(0.55, 0.98), silent_days=silent))
    return out


def recall_share(learner: SimLearner, question_ids: list[str], now: datetime) -> float:
    """Return the mean chance the learner recalls each of the track's questions at `now`."""
    return sum(learner.recall(q, now) for q in question_ids) / len(question_ids) if question_ids else 0.0
