"""A synthetic cohort for `nudgebot simulate`: learners who forget, answer and go quiet, with a seed.

Each learner holds a true memory of every question (stability in days and the last time they saw
it) and recalls it with a power-law forgetting curve R = (1 + F * t / S) ** DECAY, where F puts R at
0.9 when t equals S. A review grows stability more when recall was harder (the spacing effect); a
miss leaves a short trace, because the feedback shows the right answer. Learners differ in how fast
they forget (their first stability and how much a review grows it), how diligent they are (the chance
they answer on a given day) and whether they have a silent stretch.

The curve and the growth are fitted to the real review log in tests/fixtures/conformance/fsrs
(`python -m benchmarks.cohort_fit`): log loss 0.491 on its 5,810 reviews a day or more apart, beside
0.520 for a constant (the model used before this fit scored 0.524, worse than the constant). Learners
are spread around the fitted values. Nothing here
touches the database or the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

DECAY = -0.15  # fitted: far flatter than FSRS-4.5's -0.5, like FSRS-6's default
FACTOR = 0.9 ** (1 / DECAY) - 1
FIRST_STABILITY = 0.3  # days, after a lesson and its first question (fitted)
GROWTH = 2.5  # how much a successful review multiplies stability, scaled below (fitted)
EASY_GAIN, HARD_GAIN = 0.2, 3.0  # growth at recall 1 and extra per unit of forgetting (fitted)
LAPSE = 0.5  # stability kept after a miss (fitted)
MIN_STABILITY = 0.05
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

    def recall(self, qid: str, now: datetime) -> float:
        """Return the chance this learner recalls question `qid` at `now` (0 if never seen)."""
        found = self.memory.get(qid)
        if found is None:
            return 0.0
        stability, seen = found
        days = max(0.0, (now - seen).total_seconds() / 86400)
        return recall_after(days, stability)

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
        self.memory[qid] = (reviewed(self.memory[qid][0], r, right, self.growth), now)
        return right


def recall_after(days: float, stability: float) -> float:
    """Return the chance of recall `days` after a review that left `stability`."""
    return float((1 + FACTOR * days / stability) ** DECAY)


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
