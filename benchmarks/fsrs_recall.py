"""How well scheduler.spacing (FSRS-6) predicts recall on a real review log.

Usage: python benchmarks/fsrs_recall.py [--log PATH] [--json OUT] [--no-optimize]

The log (default: tests/fixtures/conformance/fsrs/review_logs_*.csv, a copy of the shared conformance log) has columns
card_id, review_rating (1 Again .. 4 Easy), review_time (ISO-8601 UTC), review_duration (ms).
Every card's reviews are replayed in time order. Before each review that comes at least one
whole day after the card's previous one, each model predicts the probability of recall and
the outcome is rating > 1. Same-day reviews update the state but are not scored: FSRS counts
elapsed time in whole days, so it predicts R = 1 for them, and the srs-benchmark's main table
and fsrs's own optimizer leave them out too.

Models: FSRS with default parameters through scheduler.spacing; a constant equal to the
average recall rate (of the scored reviews on the full log, of the training part on the
holdout); SM-2 (Anki buttons as quality 0/3/4/5, intervals 1, 6, then I x EF) reading its
interval I as the time at which recall is 90%: R = 0.9 ** (elapsed / I); and FSRS with
parameters fitted by fsrs's optimizer on the first 80% of reviews by time, scored with the
others on the last 20% (needs the `optimize` extra; otherwise that row is skipped).

Metrics: log loss (predictions clipped to [1e-6, 1 - 1e-6]), AUC, plain RMSE, and RMSE (bins)
as the srs-benchmark defines it: reviews grouped by elapsed days, number of earlier reviews
and number of earlier lapses, each bucketed on a log scale (bases 2.57, 1.58, 1.48); then the
square root of the review-weighted mean squared gap between mean prediction and mean outcome.

Measured on review_logs_josh_1711744352250_to_1728234780857.csv (12,580 reviews of 1,205 cards,
one Anki user; 5,329 reviews scored), fsrs 6.3.2, ~1 s without fitting, ~40-60 s with it (2 cores):

    full log           n  log loss     AUC    RMSE  RMSE(bins)
    constant        5329    0.5112   0.500  0.4058      0.1693
    fsrs_default    5329    0.4587   0.714  0.3802      0.1094
    sm2             5329    0.5981   0.605  0.4061      0.1641
    first 80%          n  log loss     AUC    RMSE  RMSE(bins)    (in-sample for the fitted row)
    constant        3992    0.5249   0.500  0.4132      0.1880
    fsrs_default    3992    0.4611   0.737  0.3819      0.1227
    fsrs_fitted     3992    0.4340   0.751  0.3670      0.0724
    sm2             3992    0.5980   0.637  0.4074      0.1682
    last 20%           n  log loss     AUC    RMSE  RMSE(bins)    (from 2024-09-25 16:39 UTC)
    constant        1337    0.4715   0.500  0.3836      0.1248
    fsrs_default    1337    0.4515   0.636  0.3748      0.0945
    fsrs_fitted     1337    0.4550   0.622  0.3752      0.0971
    sm2             1337    0.5985   0.482  0.4021      0.1697

FSRS with default parameters beats the constant and SM-2 on every metric. Fitting improves the
training period a lot but not the held-out last 20% (slightly worse): for one learner with about
4,000 scored reviews, the defaults are as good out of sample. On the log's first 500 rows alone
the 45 scored reviews all follow one 32-day break after a first weekend of study; FSRS predicts
a mean recall of 0.49 there, the learner recalled 0.22, and the constant (fitted to those same
45 outcomes) wins on log loss while FSRS still ranks them far better (AUC 0.81). From the first
2,000 rows (400 scored) on, FSRS's log loss is lower than the constant's.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from scheduler.spacing import Rating, Spacing, SpacingError, optimize

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = REPO_ROOT / "tests" / "fixtures" / "conformance" / "fsrs"
EPS = 1e-6


class LogError(ValueError):
    """A review log that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Review:
    """One row of the review log."""

    card_id: int
    rating: int
    at: datetime
    duration_ms: int


@dataclass(frozen=True)
class Scored:
    """One scored review: outcome, binning features, and each model's prediction."""

    recalled: int
    elapsed_days: int
    prior_reviews: int
    prior_lapses: int
    predictions: dict[str, float]


@dataclass(frozen=True)
class Metrics:
    """A model's scores on a set of reviews."""

    n: int
    log_loss: float
    auc: float
    rmse: float
    rmse_bins: float


def default_log_path() -> Path:
    """Return the one review_logs_*.csv in the conformance fixtures folder."""
    found = sorted(LOG_DIR.glob("review_logs_*.csv"))
    if not found:
        raise LogError(f"{LOG_DIR}: no review_logs_*.csv found (pass --log PATH)")
    return found[0]


def load_log(path: Path, limit: int | None = None) -> list[Review]:
    """Read the review log (the first `limit` data rows if given), sorted by time."""
    try:
        handle = path.open(newline="", encoding="utf-8")
    except OSError as exc:
        raise LogError(f"{path}: cannot open: {exc.strerror}") from None
    reviews: list[Review] = []
    with handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            if limit is not None and len(reviews) >= limit:
                break
            try:
                at = datetime.fromisoformat(row["review_time"])
                if at.tzinfo is None:
                    raise ValueError("review_time has no timezone")
                rating = int(row["review_rating"])
                if not 1 <= rating <= 4:
                    raise ValueError(f"review_rating {rating} is not 1-4")
                reviews.append(Review(int(row["card_id"]), rating, at.astimezone(UTC), int(row["review_duration"])))
            except (KeyError, TypeError, ValueError) as exc:
                raise LogError(f"{path}:{line}: {exc}") from None
    return sorted(reviews, key=lambda r: r.at)


def fsrs_predictor(spacing: Spacing) -> Callable[[Sequence[Review]], list[float]]:
    """Return a function giving FSRS's recall prediction before each of a card's reviews."""

    def predict(history: Sequence[Review]) -> list[float]:
        state = None
        out: list[float] = []
        for review in history:
            out.append(spacing.retrievability(state, review.at) if state is not None else 0.0)
            state, _ = spacing.review(state, Rating(review.rating), review.at, review.duration_ms)
        return out

    return predict


def sm2_predict(history: Sequence[Review]) -> list[float]:
    """Return SM-2's recall prediction before each of a card's reviews: 0.9 ** (elapsed / interval)."""
    quality = {1: 0, 2: 3, 3: 4, 4: 5}
    reps, ease, interval = 0, 2.5, 1.0
    last: datetime | None = None
    out: list[float] = []
    for review in history:
        elapsed = (review.at - last).days if last else 0
        out.append(0.9 ** (elapsed / interval))
        q = quality[review.rating]
        if q < 3:
            reps, interval = 0, 1.0
        else:
            interval = 1.0 if reps == 0 else 6.0 if reps == 1 else round(interval * ease)
            reps += 1
        ease = max(1.3, ease + 0.1 - (5 - q) * (0.08 + (5 - q) * 0.02))
        last = review.at
    return out


def replay(
    reviews: Iterable[Review],
    models: dict[str, Callable[[Sequence[Review]], list[float]]],
    score_from: datetime | None = None,
) -> list[Scored]:
    """Replay each card's history through every model; keep reviews a day or more after the last."""
    cards: dict[int, list[Review]] = defaultdict(list)
    for review in sorted(reviews, key=lambda r: r.at):
        cards[review.card_id].append(review)
    scored: list[Scored] = []
    for history in cards.values():
        predicted = {name: model(history) for name, model in models.items()}
        lapses = 0
        for i, review in enumerate(history):
            elapsed = (review.at - history[i - 1].at).days if i else 0
            if elapsed >= 1 and (score_from is None or review.at >= score_from):
                preds = {name: p[i] for name, p in predicted.items()}
                scored.append(Scored(int(review.rating > 1), elapsed, i, lapses, preds))
            lapses += review.rating == 1
    return scored


def _bucket(x: float, base: float) -> int:
    return math.floor(math.log(x) / math.log(base)) if x > 0 else -1


def metrics(ys: Sequence[int], ps: Sequence[float], keys: Sequence[tuple[int, int, int]]) -> Metrics:
    """Score predictions `ps` of outcomes `ys`; `keys` are the RMSE (bins) groups."""
    n = len(ys)
    clipped = [min(max(p, EPS), 1 - EPS) for p in ps]
    log_loss = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(ys, clipped, strict=True)) / n
    rmse = math.sqrt(sum((p - y) ** 2 for y, p in zip(ys, ps, strict=True)) / n)
    bins: dict[tuple[int, int, int], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for y, p, key in zip(ys, ps, keys, strict=True):
        acc = bins[key]
        acc[0] += 1
        acc[1] += p
        acc[2] += y
    rmse_bins = math.sqrt(sum((p - y) ** 2 / w for w, p, y in bins.values()) / n)
    return Metrics(n, log_loss, auc(ys, ps), rmse, rmse_bins)


def auc(ys: Sequence[int], ps: Sequence[float]) -> float:
    """Return the area under the ROC curve (Mann-Whitney, ties share ranks); 0.5 if one class."""
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    ranks = [0.0] * len(ps)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and ps[order[j + 1]] == ps[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(ys)
    neg = len(ys) - pos
    if pos == 0 or neg == 0:
        return 0.5
    return (sum(r for r, y in zip(ranks, ys, strict=True) if y) - pos * (pos + 1) / 2) / (pos * neg)


def evaluate(
    reviews: Sequence[Review],
    parameters: dict[str, Sequence[float] | None] | None = None,
    score_from: datetime | None = None,
    baseline_rate: float | None = None,
) -> dict[str, Metrics]:
    """Score the constant baseline, SM-2 and FSRS (one row per named parameter set) on `reviews`."""
    models: dict[str, Callable[[Sequence[Review]], list[float]]] = {
        name: fsrs_predictor(Spacing(params)) for name, params in (parameters or {"fsrs_default": None}).items()
    }
    models["sm2"] = sm2_predict
    scored = replay(reviews, models, score_from)
    if not scored:
        raise LogError("no review comes a day or more after its card's previous one: nothing to score")
    ys = [s.recalled for s in scored]
    keys = [
        (_bucket(s.elapsed_days, 2.57), _bucket(s.prior_reviews, 1.58), _bucket(s.prior_lapses, 1.48)) for s in scored
    ]
    rate = sum(ys) / len(ys) if baseline_rate is None else baseline_rate
    results = {"constant": metrics(ys, [rate] * len(ys), keys)}
    for name in models:
        results[name] = metrics(ys, [s.predictions[name] for s in scored], keys)
    return results


def holdout(
    reviews: Sequence[Review], fit: bool
) -> tuple[dict[str, Metrics], dict[str, Metrics], list[float] | None, str]:
    """Score on the first 80% of reviews by time (in-sample) and on the last 20%, fitting FSRS on the 80%."""
    ordered = sorted(reviews, key=lambda r: r.at)
    cutoff = ordered[int(len(ordered) * 0.8)].at
    train = [r for r in ordered if r.at < cutoff]
    train_scored = replay(train, {}, None)
    rate = sum(s.recalled for s in train_scored) / len(train_scored)
    fitted: list[float] | None = None
    note = ""
    if fit:
        try:
            fitted = optimize(
                {"card_id": r.card_id, "rating": r.rating, "review_datetime": r.at.isoformat(), "review_duration": None}
                for r in train
            )
        except RuntimeError as exc:
            note = f"fitted FSRS row skipped: {exc}"
    params: dict[str, Sequence[float] | None] = {"fsrs_default": None}
    if fitted is not None:
        params["fsrs_fitted"] = fitted
    return evaluate(train, params), evaluate(ordered, params, score_from=cutoff, baseline_rate=rate), fitted, note


def table(title: str, rows: dict[str, Metrics]) -> str:
    """Format one block of results."""
    lines = [f"{title:<14}{'n':>6}  {'log loss':>8}  {'AUC':>6}  {'RMSE':>6}  {'RMSE(bins)':>10}"]
    for name, m in rows.items():
        lines.append(f"{name:<14}{m.n:>6}  {m.log_loss:>8.4f}  {m.auc:>6.3f}  {m.rmse:>6.4f}  {m.rmse_bins:>10.4f}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (and optionally save) the results."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--log", type=Path, help="review log CSV (default: the shared conformance log)")
    parser.add_argument("--json", type=Path, help="also write the results to this JSON file")
    parser.add_argument("--no-optimize", action="store_true", help="skip fitting FSRS parameters")
    args = parser.parse_args(argv)
    try:
        path = args.log or default_log_path()
        reviews = load_log(path)
        full = evaluate(reviews)
        trained, held, fitted, note = holdout(reviews, fit=not args.no_optimize)
    except (LogError, SpacingError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{path.name}: {len(reviews)} reviews, {len({r.card_id for r in reviews})} cards")
    print(table("full log", full))
    print(table("first 80%", trained))
    print(table("last 20%", held))
    if note:
        print(note)
    if fitted is not None:
        print("fitted parameters:", ", ".join(f"{p:.4f}" for p in fitted))
    if args.json:
        report = {
            "log": str(path),
            "reviews": len(reviews),
            "full": {k: asdict(v) for k, v in full.items()},
            "train_first_80pct_in_sample": {k: asdict(v) for k, v in trained.items()},
            "holdout_last_20pct": {k: asdict(v) for k, v in held.items()},
            "fitted_parameters": fitted,
            "note": note or None,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
