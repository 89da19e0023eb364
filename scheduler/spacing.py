"""Spaced repetition for quiz questions: a small, pure wrapper around the FSRS scheduler.

One `MemoryState` is kept per learner and question. An answer becomes an FSRS rating with
`rate` (wrong -> Again; right -> Good, or Hard when it took more than `SLOW_FACTOR` times
that learner's median answer time), `Spacing.review` returns the next state and a review
log entry, and `Spacing.retrievability` is the predicted chance of recall at a moment.
A question is retired once its stability reaches the campaign's target (`is_retired`).

Nothing here reads the clock, the database or a random source: every moment is passed in
as a timezone-aware datetime, and interval fuzzing is off unless asked for.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from fsrs import Card, Rating, ReviewLog, Scheduler, State
from fsrs.review_log import ReviewLogDict
from fsrs.scheduler import DEFAULT_PARAMETERS

__all__ = [
    "DEFAULT_PARAMETERS",
    "SLOW_FACTOR",
    "MemoryState",
    "OptimizerUnavailable",
    "Rating",
    "ReviewLogDict",
    "Spacing",
    "SpacingError",
    "State",
    "due_reviews",
    "is_retired",
    "lapse",
    "optimize",
    "rate",
    "retrievability",
    "review",
]

# A right answer that took more than this many times the learner's median is rated Hard:
# it was recalled, but with effort, so FSRS grows its stability less than for Good.
SLOW_FACTOR = 2.0

K = TypeVar("K", bound=Hashable)

_STATE_NAMES = {State.Learning: "learning", State.Review: "review", State.Relearning: "relearning"}
_STATES_BY_NAME = {name: state for state, name in _STATE_NAMES.items()}


class SpacingError(ValueError):
    """A stored memory state or a moment that cannot be used."""


class OptimizerUnavailable(RuntimeError):
    """The FSRS optimizer's extra dependencies (torch, pandas, numpy) are not installed."""


def rate(correct: bool, duration_ms: int, median_ms: int | None) -> Rating:
    """Turn an answer into an FSRS rating: wrong -> Again, right -> Good, right but slow -> Hard.

    "Slow" means more than SLOW_FACTOR times the learner's median answer time; with no
    median yet (or a non-positive one) every right answer is Good. Easy is never inferred.
    """
    if not correct:
        return Rating.Again
    if median_ms is not None and median_ms > 0 and duration_ms > SLOW_FACTOR * median_ms:
        return Rating.Hard
    return Rating.Good


def _utc(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise SpacingError(f"{what} must be timezone-aware, got naive {moment.isoformat()}")
    return moment.astimezone(UTC)


@dataclass(frozen=True)
class MemoryState:
    """What FSRS knows about one learner's memory of one question (stability in days)."""

    state: State
    step: int | None
    stability: float | None
    difficulty: float | None
    due: datetime
    last_review: datetime | None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (ISO-8601 UTC datetimes, state by name)."""
        return {
            "state": _STATE_NAMES[self.state],
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": self.last_review.isoformat() if self.last_review else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MemoryState:
        """Rebuild a state from `to_dict` output; raise SpacingError naming the bad field."""
        name = data.get("state")
        if name not in _STATES_BY_NAME:
            raise SpacingError(f"memory state field 'state': expected one of {sorted(_STATES_BY_NAME)}, got {name!r}")
        return cls(
            state=_STATES_BY_NAME[name],
            step=_optional_int(data, "step"),
            stability=_optional_float(data, "stability"),
            difficulty=_optional_float(data, "difficulty"),
            due=_moment(data, "due"),
            last_review=_moment(data, "last_review") if data.get("last_review") is not None else None,
        )

    def to_card(self, card_id: int = 0) -> Card:
        """Return the equivalent fsrs Card."""
        return Card(
            card_id=card_id,
            state=self.state,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due,
            last_review=self.last_review,
        )

    @classmethod
    def from_card(cls, card: Card) -> MemoryState:
        """Return the state held by an fsrs Card."""
        return cls(card.state, card.step, card.stability, card.difficulty, card.due, card.last_review)


def _optional_int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise SpacingError(f"memory state field {key!r}: expected an integer or null, got {value!r}")
    return value


def _optional_float(data: Mapping[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise SpacingError(f"memory state field {key!r}: expected a positive number or null, got {value!r}")
    return float(value)


def _moment(data: Mapping[str, Any], key: str) -> datetime:
    value = data.get(key)
    if not isinstance(value, str):
        raise SpacingError(f"memory state field {key!r}: expected an ISO-8601 string, got {value!r}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise SpacingError(f"memory state field {key!r}: not an ISO-8601 datetime: {value!r}") from None
    return _utc(parsed, f"memory state field {key!r}")


class Spacing:
    """An FSRS scheduler with nudgebot's defaults; custom parameters fit one organisation."""

    def __init__(
        self,
        parameters: Sequence[float] | None = None,
        desired_retention: float = 0.9,
        learning_steps: Sequence[timedelta] = (timedelta(minutes=1), timedelta(minutes=10)),
        relearning_steps: Sequence[timedelta] = (timedelta(minutes=10),),
        enable_fuzzing: bool = False,
    ) -> None:
        try:
            self.scheduler = Scheduler(
                parameters=DEFAULT_PARAMETERS if parameters is None else tuple(parameters),
                desired_retention=desired_retention,
                learning_steps=tuple(learning_steps),
                relearning_steps=tuple(relearning_steps),
                enable_fuzzing=enable_fuzzing,
            )
        except ValueError as exc:
            raise SpacingError(f"FSRS parameters: {' '.join(str(exc).split())}") from None

    @property
    def parameters(self) -> list[float]:
        """Return the scheduler's 21 FSRS-6 parameters."""
        return [float(p) for p in self.scheduler.parameters]

    def new_state(self, now: datetime) -> MemoryState:
        """Return the state of a question never reviewed, due now."""
        return MemoryState.from_card(Card(card_id=0, due=_utc(now, "now")))

    def review(
        self,
        state: MemoryState | None,
        rating: Rating,
        now: datetime,
        duration_ms: int | None = None,
        card_id: int = 0,
    ) -> tuple[MemoryState, ReviewLogDict]:
        """Apply one rating at `now`; return the next state and its review log entry.

        `card_id` only labels the log entry, so `optimize` can group one question's reviews.
        """
        at = _utc(now, "now")
        card = (state or self.new_state(at)).to_card(card_id)
        reviewed, log = self.scheduler.review_card(card, rating, review_datetime=at, review_duration=duration_ms)
        return MemoryState.from_card(reviewed), log.to_dict()

    def lapse(self, state: MemoryState | None, now: datetime, card_id: int = 0) -> tuple[MemoryState, ReviewLogDict]:
        """Record a question left unanswered past its grace period as a failed recall (Again)."""
        return self.review(state, Rating.Again, now, None, card_id)

    def retrievability(self, state: MemoryState, now: datetime) -> float:
        """Return the predicted probability of recall at `now` (0 for a question never reviewed).

        FSRS counts elapsed time in whole days, so this stays 1.0 until a day after the last review.
        """
        return float(self.scheduler.get_card_retrievability(state.to_card(), _utc(now, "now")))

    def due_reviews(self, states: Mapping[K, MemoryState], now: datetime) -> list[K]:
        """Return the keys of states due at `now`, most forgotten (lowest retrievability) first."""
        at = _utc(now, "now")
        due = [(self.retrievability(s, at), s.due, i, key) for i, (key, s) in enumerate(states.items()) if s.due <= at]
        due.sort(key=lambda row: (row[0], row[1], row[2]))
        return [row[3] for row in due]


def is_retired(state: MemoryState, target_stability_days: float) -> bool:
    """Return True once a question is mastered: in review with stability at or above the target."""
    return state.state == State.Review and state.stability is not None and state.stability >= target_stability_days


def optimize(review_logs: Iterable[Mapping[str, Any]]) -> list[float]:
    """Fit FSRS parameters to review logs (dicts as `review` returns) with fsrs's optimizer.

    Needs the optional extra: pip install "nudgebot[optimize]". Logs sharing a card_id are one
    question's history for one learner.
    """
    logs = [_review_log(i, entry) for i, entry in enumerate(review_logs, start=1)]
    if any(importlib.util.find_spec(name) is None for name in ("torch", "pandas", "tqdm")):
        raise OptimizerUnavailable('the FSRS optimizer needs torch and pandas: pip install "nudgebot[optimize]"')
    from fsrs import Optimizer

    return [float(p) for p in Optimizer(logs).compute_optimal_parameters()]


def _review_log(index: int, entry: Mapping[str, Any]) -> ReviewLog:
    try:
        at = datetime.fromisoformat(str(entry["review_datetime"]))
        duration = entry.get("review_duration")
        return ReviewLog(
            card_id=int(entry["card_id"]),
            rating=Rating(int(entry["rating"])),
            review_datetime=_utc(at, "review_datetime"),
            review_duration=None if duration is None else int(duration),
        )
    except KeyError as exc:
        raise SpacingError(f"review log entry {index}: missing field {exc}") from None
    except (TypeError, ValueError) as exc:
        raise SpacingError(f"review log entry {index}: {exc}") from None


_DEFAULT = Spacing()


def review(
    state: MemoryState | None, rating: Rating, now: datetime, duration_ms: int | None = None, card_id: int = 0
) -> tuple[MemoryState, ReviewLogDict]:
    """Apply one rating with default parameters; see `Spacing.review`."""
    return _DEFAULT.review(state, rating, now, duration_ms, card_id)


def lapse(state: MemoryState | None, now: datetime, card_id: int = 0) -> tuple[MemoryState, ReviewLogDict]:
    """Record an unanswered question as Again with default parameters; see `Spacing.lapse`."""
    return _DEFAULT.lapse(state, now, card_id)


def retrievability(state: MemoryState, now: datetime) -> float:
    """Return the predicted probability of recall with default parameters."""
    return _DEFAULT.retrievability(state, now)


def due_reviews(states: Mapping[K, MemoryState], now: datetime) -> list[K]:
    """Return due keys, most forgotten first, with default parameters; see `Spacing.due_reviews`."""
    return _DEFAULT.due_reviews(states, now)
