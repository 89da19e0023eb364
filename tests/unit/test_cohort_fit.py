"""The simulated learners forget like the real learner in the conformance review log."""

from __future__ import annotations

from benchmarks.cohort_fit import Params, constant_loss, fsrs_loss, histories, log_loss, split, used
from benchmarks.fsrs_recall import default_log_path, load_log
from scheduler.cohort import FIRST_STABILITY, recall_after, reviewed


def test_cohort_model_predicts_the_real_log_better_than_a_constant() -> None:
    cards = histories(load_log(default_log_path()))
    ours, constant = log_loss(cards, used()), constant_loss(cards)
    assert ours < constant - 0.02
    # The model simulate used before this fit did worse than the constant on the same reviews.
    assert log_loss(cards, Params(-0.5, 1.85, 1.0, 0.4, 0.6, 3.0)) > constant


def test_on_held_out_cards_the_model_beats_a_constant_and_fsrs_rated_as_nudgebot_rates() -> None:
    _, held = split(histories(load_log(default_log_path())))
    ours = log_loss(held, used())
    assert ours < constant_loss(held) - 0.02
    # FSRS-6's defaults, fed right/wrong at most once a day, predict this log worse than the cohort model.
    assert fsrs_loss(held) > ours + 0.05


def test_a_hard_review_grows_memory_more_than_an_easy_one_and_a_miss_shrinks_it() -> None:
    s = FIRST_STABILITY
    assert reviewed(s, 0.5, True) > reviewed(s, 0.9, True) > s > reviewed(s, 0.9, False)
    assert abs(recall_after(s, s) - 0.9) < 1e-9 and recall_after(30, s) < recall_after(3, s)
