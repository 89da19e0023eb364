"""A synthetic cohort for `nudgebot simulate`: learners who forget, answer and go quiet, with a seed.

Each learner holds a true memory of every question (stability in days and the last time they saw
it) and recalls it with the FSRS-shaped probability R = (1 + F * t / S) ** -0.5. Learners differ in
how fast they forget (their first stability and how much a review grows it), how diligent they are
(the chance they answer on a given day) and whether they have a silent stretch. A review grows
stability more when recall was harder (the spacing effect); a miss leaves a short trace, because the
feedback shows the right answer. Nothing here touches the database or the clock.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime

FACTOR = 19 / 81  # FSRS-6's curve with decay 0.5: R = 0.9 when t equals S
DECAY = -0.5
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
        return float((1 + FACTOR * days / stability) ** DECAY)

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
        stability, _ = self.memory[qid]
        if right:
            stability *= 1 + self.growth * (0.6 + 3 * (1 - r))
        else:
            stability = max(0.3, stability * 0.4)
        self.memory[qid] = (stability, now)
        return right


def make_cohort(n: int, days: int, seed: int) -> list[SimLearner]:
    """Return `n` learners with varied forgetting and diligence; about a third have a silent stretch."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        silent: frozenset[int] = frozenset()
        if rng.random() < 0.35 and days > 6:
            start = rng.randrange(1, days - 3)
            silent = frozenset(range(start, min(days, start + rng.randint(3, 10))))
        out.append(SimLearner(i, first_stability=rng.uniform(0.7, 3.0), growth=rng.uniform(0.5, 1.5),
                              diligence=rng.uniform(0.55, 0.98), silent_days=silent))
    return out


def recall_share(learner: SimLearner, question_ids: list[str], now: datetime) -> float:
    """Return the mean chance the learner recalls each of the track's questions at `now`."""
    return sum(learner.recall(q, now) for q in question_ids) / len(question_ids) if question_ids else 0.0
