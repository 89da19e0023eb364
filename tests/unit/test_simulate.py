"""`nudgebot simulate` on a small cohort: the real planner and dispatcher, three schedules, one table."""

from __future__ import annotations

from bot.simulation import simulate, table
from scheduler.cohort import make_cohort


def test_small_cohort_compares_three_schedules() -> None:
    results = {r.strategy: r for r in simulate(learners=6, days=20, seed=3)}
    assert set(results) == {"fsrs", "leitner", "drip", "repeat"}
    drip, fsrs, repeat = results["drip"], results["fsrs"], results["repeat"]
    # The drip asks each question at most once; reviews ask more and leave more remembered at the end.
    assert drip.questions_asked <= 6 * 16
    assert fsrs.questions_asked > drip.questions_asked
    assert fsrs.recall > drip.recall
    # The fixed repeat is the drip topped up to at most FSRS's questions, day by day.
    assert drip.questions_asked < repeat.questions_asked <= fsrs.questions_asked
    assert repeat.recall > drip.recall
    # What a reviewed question keeps 90 days on, the drip's single asks lose faster.
    assert drip.recall_later < drip.recall and fsrs.recall_later > drip.recall_later + 0.15
    rows = table(list(results.values()))
    assert rows[0][0] == "schedule" and len(rows) == 5


def test_cohort_is_reproducible_and_varied() -> None:
    a, b = make_cohort(10, 30, seed=7), make_cohort(10, 30, seed=7)
    assert [(x.first_stability, x.diligence, x.silent_days) for x in a] == \
        [(x.first_stability, x.diligence, x.silent_days) for x in b]
    assert len({round(x.diligence, 2) for x in a}) > 5 and any(x.silent_days for x in a)
