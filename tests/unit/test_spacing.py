"""Spaced repetition: answers become FSRS ratings, and review timing follows recall."""

from __future__ import annotations

import importlib.util
import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from benchmarks.fsrs_recall import default_log_path, evaluate, load_log
from scheduler.spacing import (
    DEFAULT_PARAMETERS,
    MemoryState,
    OptimizerUnavailable,
    Rating,
    Spacing,
    SpacingError,
    due_reviews,
    is_retired,
    lapse,
    optimize,
    rate,
    retrievability,
    review,
)

T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def graduated(now: datetime = T0) -> MemoryState:
    """A question answered right twice on its first day: now in review, due in a couple of days."""
    state, _ = review(None, Rating.Good, now)
    state, _ = review(state, Rating.Good, now + timedelta(minutes=10))
    assert state.state.name == "Review"
    return state


# --------------------------------------------------------------------------- ratings


def test_wrong_answer_is_again_whatever_the_time() -> None:
    assert rate(False, 500, 4000) == Rating.Again
    assert rate(False, 60_000, None) == Rating.Again


def test_right_answer_is_good_unless_much_slower_than_the_learners_median() -> None:
    assert rate(True, 3000, 4000) == Rating.Good
    assert rate(True, 8000, 4000) == Rating.Good  # exactly twice the median is not "much slower"
    assert rate(True, 8001, 4000) == Rating.Hard
    assert rate(True, 120_000, None) == Rating.Good  # no median yet: no basis to call it slow
    assert rate(True, 5000, 0) == Rating.Good


# --------------------------------------------------------------------------- scheduling


def test_wrong_answer_comes_back_sooner_than_right() -> None:
    wrong, _ = review(None, Rating.Again, T0)
    right, _ = review(None, Rating.Good, T0)
    assert wrong.due < right.due

    state = graduated()
    wrong, _ = review(state, Rating.Again, state.due)
    right, _ = review(state, Rating.Good, state.due)
    assert wrong.due < right.due
    assert wrong.due - state.due < timedelta(hours=1)  # relearning step
    assert right.due - state.due >= timedelta(days=3)
    assert wrong.stability is not None and state.stability is not None and right.stability is not None
    assert wrong.stability < state.stability < right.stability


def test_slow_right_answer_is_hard_and_comes_back_sooner_than_a_quick_one() -> None:
    state = graduated()
    median = 4000
    slow, _ = review(state, rate(True, 12_000, median), state.due, 12_000)
    quick, _ = review(state, rate(True, 3_000, median), state.due, 3_000)
    assert slow.stability is not None and quick.stability is not None
    assert slow.stability < quick.stability
    assert slow.due < quick.due


def test_retired_after_enough_successful_spaced_reviews() -> None:
    state = graduated()
    gaps: list[timedelta] = []
    reviews = 0
    while not is_retired(state, target_stability_days=21):
        assert reviews < 6, f"not mastered after {reviews} spaced reviews: {state}"
        previous = state
        state, _ = review(state, Rating.Good, state.due)
        gaps.append(state.due - previous.due)
        reviews += 1
    assert reviews >= 2  # one on-time success is not mastery
    assert gaps == sorted(gaps)  # each success spaces the next review further out
    assert state.stability is not None and state.stability >= 21


def test_learning_question_is_not_retired_whatever_its_stability() -> None:
    state, _ = review(None, Rating.Good, T0)
    assert state.state.name == "Learning"
    assert not is_retired(replace(state, stability=100.0), 21)
    assert is_retired(replace(state, state=graduated().state, step=None, stability=100.0), 21)


def test_lapse_is_a_failed_recall_with_no_duration() -> None:
    state = graduated()
    late = state.due + timedelta(days=1)
    lapsed, log = lapse(state, late, card_id=7)
    again, _ = review(state, Rating.Again, late)
    assert lapsed == again
    assert log == {"card_id": 7, "rating": 1, "review_datetime": late.isoformat(), "review_duration": None}
    assert lapse(None, T0)[0] == review(None, Rating.Again, T0)[0]


def test_review_log_records_rating_time_and_duration() -> None:
    _, log = review(None, Rating.Hard, T0, duration_ms=5400, card_id=42)
    assert log == {"card_id": 42, "rating": 2, "review_datetime": "2027-03-01T09:00:00+00:00", "review_duration": 5400}


def test_times_in_other_zones_are_converted_and_naive_ones_refused() -> None:
    paris = T0.astimezone(ZoneInfo("Europe/Paris"))
    state, _ = review(None, Rating.Good, paris)
    assert state.last_review == T0 and state.last_review.tzinfo is UTC
    with pytest.raises(SpacingError, match="timezone-aware"):
        review(None, Rating.Good, datetime(2027, 3, 1, 9, 0))


# --------------------------------------------------------------------------- retrievability and ordering


def test_retrievability_falls_with_time_and_is_zero_before_any_review() -> None:
    state = graduated()
    assert retrievability(state, T0) == 1.0
    week, month = retrievability(state, T0 + timedelta(days=7)), retrievability(state, T0 + timedelta(days=30))
    assert 0 < month < week < 1
    assert retrievability(Spacing().new_state(T0), T0) == 0


def test_due_reviews_come_most_forgotten_first_and_skip_those_not_due() -> None:
    weak = graduated(T0)  # stability ~2.3 days
    strong, _ = review(graduated(T0), Rating.Good, weak.due)  # stability ~11 days
    recent = graduated(T0 + timedelta(days=8))
    now = T0 + timedelta(days=20)
    states = {"strong": strong, "weak": weak, "not-due": graduated(now), "recent": recent}
    order = due_reviews(states, now)
    assert order == sorted(order, key=lambda k: retrievability(states[k], now))
    assert order[0] == "weak" and "not-due" not in order
    assert set(order) == {"weak", "strong", "recent"}


# --------------------------------------------------------------------------- storage


def test_state_round_trips_through_json() -> None:
    for state in (Spacing().new_state(T0), review(None, Rating.Again, T0)[0], graduated()):
        stored = json.loads(json.dumps(state.to_dict()))
        assert MemoryState.from_dict(stored) == state
    assert graduated().to_dict()["state"] == "review"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("state", "forgotten", "'state'"),
        ("stability", "high", "'stability'"),
        ("step", 1.5, "'step'"),
        ("due", "tomorrow", "'due'"),
        ("due", "2027-03-01T09:00:00", "'due'.*timezone-aware"),
    ],
)
def test_bad_stored_state_names_the_field(field: str, value: object, message: str) -> None:
    data = graduated().to_dict() | {field: value}
    with pytest.raises(SpacingError, match=message):
        MemoryState.from_dict(data)


# --------------------------------------------------------------------------- parameters


def test_custom_parameters_change_the_schedule_and_bad_ones_are_refused() -> None:
    faster_forgetting = list(DEFAULT_PARAMETERS)
    faster_forgetting[2] = 0.5  # initial stability after a first Good
    custom = Spacing(faster_forgetting)
    state, _ = custom.review(None, Rating.Good, T0)
    state, _ = custom.review(state, Rating.Good, T0 + timedelta(minutes=10))
    assert state.due < graduated().due
    assert custom.parameters == faster_forgetting
    with pytest.raises(SpacingError, match=r"parameters\[2\]"):
        Spacing([*DEFAULT_PARAMETERS[:2], -1.0, *DEFAULT_PARAMETERS[3:]])
    with pytest.raises(SpacingError, match="Expected 21 parameters"):
        Spacing([0.5] * 3)


def test_optimize_fits_parameters_when_the_extra_is_installed_and_says_how_otherwise() -> None:
    # fsrs fits only from 512 reviews that come a day or more after the card's previous one:
    # 520 questions, each answered right, then two days later forgotten one time in three.
    logs = []
    for card in range(520):
        first = T0 + timedelta(minutes=card)
        logs.append(review(None, Rating.Good, first, 3000, card_id=card)[1])
        logs.append(
            review(None, Rating.Again if card % 3 == 0 else Rating.Good, first + timedelta(days=2), card_id=card)[1]
        )
    if importlib.util.find_spec("torch") is None:
        with pytest.raises(OptimizerUnavailable, match=r"nudgebot\[optimize\]"):
            optimize(logs)
        return
    fitted = optimize(logs)
    assert len(fitted) == 21 and fitted != list(DEFAULT_PARAMETERS)
    assert Spacing(fitted).parameters == fitted  # within fsrs's bounds


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (
            {"card_id": 1, "rating": 9, "review_datetime": "2027-03-01T09:00:00+00:00"},
            "entry 2: 9 is not a valid Rating",
        ),
        ({"card_id": 1, "rating": 3}, "entry 2: missing field 'review_datetime'"),
        ({"card_id": 1, "rating": 3, "review_datetime": "2027-03-01T09:00:00"}, "entry 2: .*timezone-aware"),
    ],
)
def test_optimize_names_the_bad_review_log_entry(entry: dict[str, object], message: str) -> None:
    good = review(None, Rating.Good, T0, card_id=1)[1]
    with pytest.raises(SpacingError, match=message):
        optimize([good, entry])


# --------------------------------------------------------------------------- the benchmark on the real log


def test_fsrs_predicts_recall_better_than_the_average_rate_on_a_real_log() -> None:
    results = evaluate(load_log(default_log_path(), limit=2000))
    fsrs, constant, sm2 = results["fsrs_default"], results["constant"], results["sm2"]
    assert fsrs.n == constant.n == 400
    assert fsrs.log_loss < constant.log_loss
    assert fsrs.rmse_bins < constant.rmse_bins
    assert fsrs.log_loss < sm2.log_loss


def test_on_the_first_500_rows_fsrs_ranks_recall_better_than_the_average_rate() -> None:
    # All 45 scored reviews here follow one 32-day break after the learner's first weekend:
    # FSRS's default curve expects about 0.49 recall, the learner managed 0.22. The constant,
    # fitted to those same 45 outcomes, wins on log loss there (0.53 vs 0.62), so the log-loss
    # comparison above runs on the first 2,000 rows; on this slice FSRS still orders them far better.
    results = evaluate(load_log(default_log_path(), limit=500))
    fsrs, constant = results["fsrs_default"], results["constant"]
    assert fsrs.n == constant.n == 45
    assert fsrs.auc > 0.75 > constant.auc
