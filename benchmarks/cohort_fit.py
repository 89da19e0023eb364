"""Fit `nudgebot simulate`'s learner model (scheduler/cohort.py) to the real review log.

Usage: python -m benchmarks.cohort_fit [--log PATH]

Every card's reviews are replayed in time order; the first review day is the first exposure, and each
later review at least 0.9 days after the previous one is scored: the model predicts recall from the
time elapsed and its stability, and its stability then moves with the real outcome (rating > 1). A
coarse grid over one forgetting curve, refined one parameter at a time, fits the form the model had
before; refined again with a second, steeper curve for memories never yet recalled on a later day, it
fits the form scheduler/cohort.py uses. The script prints both beside a constant baseline and FSRS-6's
defaults, on all cards and on each held-out fifth, then how much a first ask and a second one are worth
under the fitted model, then where each model's predictions meet the log and where they miss.

Measured on review_logs_josh_*.csv (5,810 scored reviews, about 50 s): log loss 0.4844 for two curves
(fresh decay -0.232, then -0.076), 0.4875 for one (-0.21), 0.5196 for the constant, 0.6049 for FSRS-6's
defaults fed the reviews the way nudgebot rates answers (right: Good, wrong: Again, at most one a day).
Held out, two curves beat one in four folds of five (0.4721 against 0.4770 on the first). One curve
says a card studied on one day is recalled by 37% after 33 days or more; the log says 23%, two curves
33%. Cards reviewed twice or more are predicted within 0.05 at every gap up to 33 days by both.
"""

from __future__ import annotations

import argparse
import itertools
import math
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from benchmarks.fsrs_recall import Review, default_log_path, load_log
from scheduler import cohort
from scheduler.spacing import Rating, Spacing

EPS = 1e-4


@dataclass(frozen=True)
class Params:
    """One candidate learner model (`fresh_decay` None: one curve for every memory, as before)."""

    decay: float
    first: float
    growth: float
    lapse: float
    easy: float = 0.2  # where the grid starts; refined by the fit
    hard: float = 3.0
    fresh_decay: float | None = None


def histories(reviews: list[Review]) -> list[list[tuple[float, bool]]]:
    """Return each card's scored reviews as (days since the previous one, recalled), first exposure first."""
    cards: dict[int, list[Review]] = defaultdict(list)
    for r in reviews:
        cards[r.card_id].append(r)
    out = []
    for revs in cards.values():
        seq: list[tuple[float, bool]] = []
        last = None
        for r in revs:
            t = r.at.timestamp() / 86400
            if last is None or t - last >= 0.9:
                seq.append((0.0 if last is None else t - last, r.rating > 1))
                last = t
        out.append(seq)
    return out


def predictions(cards: Cards, p: Params) -> Iterator[tuple[int, float, float, bool]]:
    """Yield (reviews before, days elapsed, predicted recall, recalled) for every scored review under `p`."""
    curves = {True: (p.decay, cohort.curve_factor(p.decay))}
    fresh = p.decay if p.fresh_decay is None else p.fresh_decay
    curves[False] = (fresh, cohort.curve_factor(fresh))
    for seq in cards:
        stability, settled = p.first, False
        for k, (elapsed, recalled) in enumerate(seq[1:]):
            decay, factor = curves[settled]
            r = min(max((1 + factor * elapsed / stability) ** decay, EPS), 1 - EPS)
            yield k, elapsed, r, recalled
            if recalled:
                stability *= 1 + p.growth * (p.easy + p.hard * (1 - r))
                settled = True
            else:
                stability = max(cohort.MIN_STABILITY, stability * p.lapse)


def log_loss(cards: Cards, p: Params) -> float:
    """Return the mean log loss of model `p` over every scored review."""
    total, n = 0.0, 0
    for _, _, r, recalled in predictions(cards, p):
        total -= math.log(r if recalled else 1 - r)
        n += 1
    return total / n if n else 0.0


def calibration(cards: Cards, p: Params) -> list[tuple[str, str, int, float, float]]:
    """Return (reviews before, gap in days, count, predicted, real) per cell: where the model is right or wrong."""
    cells: dict[tuple[int, int], list[float]] = defaultdict(lambda: [0, 0.0, 0])
    for k, elapsed, r, recalled in predictions(cards, p):
        cell = cells[(min(k, 2), sum(elapsed >= edge for edge in GAPS[1:]))]
        cell[0] += 1
        cell[1] += r
        cell[2] += recalled
    return [(("0", "1", "2+")[k], GAP_NAMES[g], int(n), r / n, ok / n) for (k, g), (n, r, ok) in sorted(cells.items())]


GAPS = (0, 2, 5, 16, 33)
GAP_NAMES = ("1-2", "2-5", "5-16", "16-33", "33+")
Cards = list[list[tuple[float, bool]]]


def constant_loss(cards: Cards) -> float:
    """Return the log loss of predicting every scored review's mean outcome."""
    outcomes = [ok for seq in cards for _, ok in seq[1:]]
    mean = sum(outcomes) / len(outcomes)
    return -sum(math.log(mean if ok else 1 - mean) for ok in outcomes) / len(outcomes)


def fsrs_loss(cards: Cards, spacing: Spacing | None = None) -> float:
    """Return the mean log loss of FSRS's recall predictions, rated as nudgebot rates answers (Good or Again)."""
    fsrs = spacing or Spacing(learning_steps=(), relearning_steps=())
    total, n = 0.0, 0
    for seq in cards:
        now = datetime(2024, 1, 1, tzinfo=UTC)
        state, _ = fsrs.review(None, Rating.Good if seq[0][1] else Rating.Again, now)
        for elapsed, recalled in seq[1:]:
            now += timedelta(days=elapsed)
            r = min(max(fsrs.retrievability(state, now), EPS), 1 - EPS)
            total -= math.log(r if recalled else 1 - r)
            n += 1
            state, _ = fsrs.review(state, Rating.Good if recalled else Rating.Again, now)
    return total / n if n else 0.0


def split(cards: Cards, fold: int = 0) -> tuple[Cards, Cards]:
    """Return (four cards in five, every fifth card from `fold` on): the fit's training and held-out parts."""
    return [c for i, c in enumerate(cards) if i % 5 != fold], [c for i, c in enumerate(cards) if i % 5 == fold]


def used() -> Params:
    """Return the values scheduler/cohort.py uses (its learners are spread around them)."""
    return Params(cohort.DECAY, cohort.FIRST_STABILITY, cohort.GROWTH, cohort.LAPSE, cohort.EASY_GAIN,
                  cohort.HARD_GAIN, cohort.FRESH_DECAY)


def fit(cards: Cards) -> tuple[Params, float]:
    """Return the best one-curve model on a coarse grid, then refined, and its log loss."""
    grid = itertools.product((-0.1, -0.15, -0.2, -0.3, -0.5), (0.1, 0.2, 0.3, 0.6, 1.0, 2.0),
                             (1.0, 1.5, 2.5, 4.0), (0.1, 0.2, 0.3, 0.5))
    best = min((Params(*g) for g in grid), key=lambda p: log_loss(cards, p))
    return refine(cards, best, ("decay", "first", "growth", "lapse", "easy", "hard"))


def fit_two_curves(cards: Cards) -> tuple[Params, float]:
    """Return the best model whose fresh memories have their own curve, refined from the best single curve."""
    one, _ = fit(cards)
    return refine(cards, replace(one, fresh_decay=one.decay), tuple(f.name for f in fields(Params)))


def refine(cards: Cards, start: Params, names: tuple[str, ...]) -> tuple[Params, float]:
    """Return a local optimum of the log loss from `start`, moving one parameter at a time (deterministic)."""
    best, loss = start, log_loss(cards, start)
    for step in (0.3, 0.1, 0.03, 0.01):
        improved = True
        while improved:
            improved = False
            for name in names:
                value = getattr(best, name)
                for moved in (value * (1 + step), value * (1 - step), value + step, value - step):
                    candidate = replace(best, **{name: moved})
                    if not _valid(candidate):
                        continue
                    score = log_loss(cards, candidate)
                    if score < loss - 1e-7:
                        best, loss, improved = candidate, score, True
    return best, loss


def _valid(p: Params) -> bool:
    decays = (p.decay, p.decay if p.fresh_decay is None else p.fresh_decay)
    return all(-3 < d < 0 for d in decays) and p.first > 0.01 and p.growth > 0 and 0 < p.lapse <= 1 \
        and p.easy >= 0 and p.hard >= 0


def _show(p: Params) -> str:
    fresh = "" if p.fresh_decay is None else f"fresh decay {p.fresh_decay:.3f}, "
    return (f"{fresh}decay {p.decay:.3f}, first {p.first:.2f} d, growth {p.growth:.2f} x ({p.easy:.2f} + "
            f"{p.hard:.2f} (1 - R)), lapse {p.lapse:.2f}")


# The cohort's typical learner reads the lesson and answers at once, right 85% of the time.
FIRST_ASK = ((0.85, cohort.FIRST_STABILITY), (0.15, cohort.FIRST_STABILITY * 0.5))


def first_ask_worth(days: int = 30) -> float:
    """Return the share of a question the typical learner remembers `days` after its one ask."""
    return sum(w * cohort.recall_after(days, s, False) for w, s in FIRST_ASK)


def review_worth(day: int, days: int = 30) -> float:
    """Return what a second ask on `day` adds to the share of the question remembered on day `days`."""
    total = 0.0
    for w, s in FIRST_ASK:
        r = cohort.recall_after(day, s, False)
        right = max(r, 1 / cohort.CHOICES)
        total += w * (right * cohort.recall_after(days - day, cohort.reviewed(s, r, True), True)
                      + (1 - right) * cohort.recall_after(days - day, cohort.reviewed(s, r, False), False))
    return total - first_ask_worth(days)


def main() -> None:
    """Fit the cohort model to the review log and print it beside the values in use."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--log", type=Path, default=None)
    args = parser.parse_args()
    cards = histories(load_log(args.log or default_log_path()))
    one, one_loss = fit(cards)
    two, two_loss = fit_two_curves(cards)
    print(f"scored reviews: {sum(len(seq) - 1 for seq in cards)}")
    print(f"constant        log loss {constant_loss(cards):.4f}")
    print(f"one curve       log loss {one_loss:.4f}  {_show(one)}")
    print(f"two curves      log loss {two_loss:.4f}  {_show(two)}")
    print(f"cohort.py uses  log loss {log_loss(cards, used()):.4f}  {_show(used())}")
    print(f"fsrs default    log loss {fsrs_loss(cards):.4f}  (right: Good, wrong: Again)")
    print("held out (every fifth card in turn; each fitted on the other four fifths):")
    for k in range(5):
        train, held = split(cards, k)
        print(f"  fold {k}: constant at their own mean {constant_loss(held):.4f}, one curve "
              f"{log_loss(held, fit(train)[0]):.4f}, two curves {log_loss(held, fit_two_curves(train)[0]):.4f}, "
              f"cohort.py {log_loss(held, used()):.4f}, fsrs default {fsrs_loss(held):.4f}")
    print(f"remembered on day 30 by the typical learner: {first_ask_worth():.2f} of a question after one ask; "
          "a second ask adds " + ", ".join(f"{review_worth(day):.2f} on day {day}" for day in (1, 7, 14, 21, 29)))
    print("calibration (reviews before, gap in days, reviews, predicted by one curve / by cohort.py, real):")
    for (k, gap, n, r_one, real), (*_, r_used, _) in zip(calibration(cards, one), calibration(cards, used()),
                                                        strict=True):
        print(f"  {k:>2} {gap:>5} {n:>5}  {r_one:.2f} / {r_used:.2f}  {real:.2f}")


if __name__ == "__main__":
    main()
