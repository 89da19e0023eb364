"""The simulated learners forget like the real learner in the conformance review log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from random import Random

from benchmarks.cohort_fit import (
    Params,
    calibration,
    constant_loss,
    first_ask_worth,
    fit,
    fsrs_loss,
    histories,
    log_loss,
    review_worth,
    split,
    used,
)
from benchmarks.fsrs_recall import default_log_path, load_log
from scheduler.cohort import FIRST_STABILITY, SimLearner, recall_after, reviewed

CARDS = histories(load_log(default_log_path()))


def test_cohort_model_predicts_the_real_log_better_than_a_constant() -> None:
    ours, constant = log_loss(CARDS, used()), constant_loss(CARDS)
    assert ours < constant - 0.03
    # The model simulate used before its first fit did worse than the constant on the same reviews.
    assert log_loss(CARDS, Params(-0.5, 1.85, 1.0, 0.4, 0.6, 3.0)) > constant


def test_on_held_out_cards_the_model_beats_one_curve_a_constant_and_fsrs_rated_as_nudgebot_rates() -> None:
    train, held = split(CARDS)
    ours = log_loss(held, used())
    assert ours < constant_loss(held) - 0.03
    # One forgetting curve for every memory, fitted to the other four fifths, predicts the fifth worse.
    assert log_loss(held, fit(train)[0]) > ours + 0.003
    # FSRS-6's defaults, fed right/wrong at most once a day, predict this log worse than the cohort model.
    assert fsrs_loss(held) > ours + 0.05


def test_a_card_studied_on_one_day_is_not_predicted_to_last_as_one_recalled_since() -> None:
    cells = {(k, gap): (n, predicted, real) for k, gap, n, predicted, real in calibration(CARDS, used())}
    # A month or more after one study day the real learner recalled 23%: the model may not say 45% (one curve did).
    n, predicted, real = cells[("0", "33+")]
    assert n > 50 and real < 0.3 and predicted < real + 0.12
    # Cards recalled twice or more keep their recall at the same gaps, and the model says so.
    n, predicted, real = cells[("2+", "16-33")]
    assert n > 50 and abs(predicted - real) < 0.06


def test_a_hard_review_grows_memory_more_than_an_easy_one_and_a_miss_shrinks_it() -> None:
    s = FIRST_STABILITY
    assert reviewed(s, 0.5, True) > reviewed(s, 0.9, True) > s > reviewed(s, 0.9, False)
    assert abs(recall_after(s, s) - 0.9) < 1e-9 and recall_after(30, s) < recall_after(3, s)
    assert abs(recall_after(s, s, recalled_before=False) - 0.9) < 1e-9
    assert recall_after(30, s, recalled_before=False) < recall_after(30, s) - 0.2


class _Lucky(Random):
    """Every draw falls under its chance: the learner answers right whenever they can."""

    def random(self) -> float:
        return 0.0


def test_a_learner_who_recalls_a_question_on_a_later_day_keeps_it_longer() -> None:
    start = datetime(2027, 1, 4, 9, tzinfo=UTC)
    twice, once = (SimLearner(i, FIRST_STABILITY, 1.0, 1.0, frozenset()) for i in (1, 2))
    for learner in (twice, once):
        learner.answer("q", start, fresh=True, rng=_Lucky())
    assert twice.recall("q", start + timedelta(days=3)) == once.recall("q", start + timedelta(days=3))
    # Recalled again the next day, not just seen again the same day.
    assert twice.answer("q", start + timedelta(hours=2), fresh=False, rng=_Lucky()) is True
    assert "q" not in twice.recalled
    assert twice.answer("q", start + timedelta(days=1), fresh=False, rng=_Lucky()) is True
    assert "q" in twice.recalled
    later = start + timedelta(days=30)
    assert twice.recall("q", later) > once.recall("q", later) + 0.25


def test_under_the_fitted_model_a_second_ask_is_worth_less_than_a_first_unless_it_crams() -> None:
    # Why no schedule that asks again beats the drip on recall per question asked (README, simulate).
    first = first_ask_worth(30)
    assert 0.3 < first < 0.5
    assert all(0.1 < review_worth(day, 30) < first for day in range(1, 22))
    assert review_worth(29, 30) > first  # only a review the day before the count is worth more
