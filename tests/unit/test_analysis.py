"""Item analysis, funnel and group summaries (core.analysis)."""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.analysis import (
    NO_GROUP,
    FirstAttempt,
    Flag,
    LearnerRecord,
    QuestionKey,
    funnel,
    group_stats,
    item_analysis,
    point_biserial,
    rest_scores,
)

# Five people, three questions, everyone answered everything (1 = correct on first attempt):
#        A  B  C
#   P1   1  1  1
#   P2   1  1  0
#   P3   1  0  0
#   P4   0  1  0
#   P5   0  0  0
MATRIX = {1: (1, 1, 1), 2: (1, 1, 0), 3: (1, 0, 0), 4: (0, 1, 0), 5: (0, 0, 0)}
LATENCY_A = {1: 1000, 2: 2000, 3: 3000, 4: 4000, 5: 50_000}


def _matrix_attempts() -> list[FirstAttempt]:
    out = []
    for pid, row in MATRIX.items():
        for qid, right in zip("ABC", row, strict=True):
            # Right answers pick choice 0; P4 and P5 both pick the same distractor 1.
            out.append(FirstAttempt(pid, qid, 0 if right else 1, bool(right),
                                    LATENCY_A[pid] if qid == "A" else 500))
    return out


def test_hand_computed_matrix() -> None:
    stats = {s.question_id: s for s in item_analysis(_matrix_attempts(), min_n=5)}
    a, b, c = stats["A"], stats["B"], stats["C"]

    # A: p = 3/5. Rest scores (share right on B and C): P1 1, P2 .5, P3 0, P4 .5, P5 0 (mean .4).
    # x = 1,1,1,0,0 (mean .6). dx = .4,.4,.4,-.6,-.6; dy = .6,.1,-.4,.1,-.4
    # Sxy = .24+.04-.16-.06+.24 = .30; Sxx = 3(.16)+2(.36) = 1.2; Syy = .36+.01+.16+.01+.16 = .70
    # r = .30 / sqrt(1.2 * .70) = .30 / sqrt(.84) = 0.32733
    # Cross-check with the point-biserial form (M1 - M0) / s * sqrt(pq):
    # M1 = (1+.5+0)/3 = .5, M0 = (.5+0)/2 = .25, s = sqrt(.70/5) = .37417, sqrt(.6*.4) = .48990 -> 0.32733
    assert a.n == 5
    assert a.difficulty == pytest.approx(0.6)
    assert a.discrimination == pytest.approx(0.32733, abs=1e-5)
    assert a.discrimination_n == 5 and a.discrimination_note is None
    assert a.median_latency_ms == 3000  # the 50 s outlier does not drag it
    assert a.flags == ()

    # B: p = 3/5. Rest (A and C): P1 1, P2 .5, P3 .5, P4 0, P5 0 (mean .4); x = 1,1,0,1,0.
    # dx = .4,.4,-.6,.4,-.6; dy = .6,.1,.1,-.4,-.4; Sxy = .24+.04-.06-.16+.24 = .30; Syy = .70
    # r = .30 / sqrt(.84) = 0.32733
    assert b.difficulty == pytest.approx(0.6)
    assert b.discrimination == pytest.approx(0.32733, abs=1e-5)

    # C: p = 1/5, so it is flagged too hard. Rest (A and B): P1 1, P2 1, P3 .5, P4 .5, P5 0 (mean .6).
    # x = 1,0,0,0,0 (mean .2). dx = .8,-.2,-.2,-.2,-.2; dy = .4,.4,-.1,-.1,-.6
    # Sxy = .32-.08+.02+.02+.12 = .40; Sxx = .64+4(.04) = .80; Syy = .16+.16+.01+.01+.36 = .70
    # r = .40 / sqrt(.56) = 0.53452
    assert c.difficulty == pytest.approx(0.2)
    assert c.discrimination == pytest.approx(0.53452, abs=1e-5)
    assert c.flags == (Flag.TOO_HARD,)


def test_choice_shares_use_the_key_for_labels() -> None:
    keys = {"A": QuestionKey(("Lock the screen", "Tell IT later", "Ignore it"), correct_index=0)}
    a = next(s for s in item_analysis(_matrix_attempts(), keys, min_n=5) if s.question_id == "A")
    assert [(c.index, c.text, c.count, c.keyed) for c in a.choices] == [
        (0, "Lock the screen", 3, True), (1, "Tell IT later", 2, False), (2, "Ignore it", 0, False)]
    assert [c.share for c in a.choices] == pytest.approx([0.6, 0.4, 0.0])


def test_choice_beyond_the_key_is_kept_without_text() -> None:
    attempts = [FirstAttempt(1, "Q", 3, False, 100)]
    (q,) = item_analysis(attempts, {"Q": QuestionKey(("a", "b"), 0)}, min_n=2)
    assert [(c.index, c.text, c.count) for c in q.choices] == [(0, "a", 0), (1, "b", 0), (3, None, 1)]


def test_only_the_first_attempt_counts() -> None:
    attempts = [FirstAttempt(1, "Q", 1, False, 900), FirstAttempt(1, "Q", 0, True, 300)]
    (q,) = item_analysis(attempts, min_n=2)
    assert (q.n, q.difficulty, q.median_latency_ms) == (1, 0.0, 900)


def test_rest_score_is_a_share_of_the_other_questions_answered() -> None:
    # P1 answered three other questions (2 right), P2 one other (right), P3 only Q itself.
    attempts = [FirstAttempt(1, q, 0, ok, 1) for q, ok in (("Q", True), ("R", True), ("S", True), ("T", False))]
    attempts += [FirstAttempt(2, "Q", 0, False, 1), FirstAttempt(2, "R", 0, True, 1),
                 FirstAttempt(3, "Q", 0, True, 1)]
    assert rest_scores(attempts, "Q") == {1: pytest.approx(2 / 3), 2: 1.0}


def test_people_without_other_answers_count_for_p_but_not_r() -> None:
    attempts = _matrix_attempts() + [FirstAttempt(6, "A", 1, False, 100)]
    a = next(s for s in item_analysis(attempts, min_n=5) if s.question_id == "A")
    assert (a.n, a.discrimination_n) == (6, 5)
    assert a.difficulty == pytest.approx(0.5)
    assert a.discrimination == pytest.approx(0.32733, abs=1e-5)  # the same five people as before


def test_degenerate_items_get_no_r_and_a_reason() -> None:
    # Everyone right on E: no variance in the item.
    attempts = [FirstAttempt(p, "E", 0, True, 1) for p in range(12)]
    attempts += [FirstAttempt(p, "F", 0, p % 2 == 0, 1) for p in range(12)]
    stats = {s.question_id: s for s in item_analysis(attempts, min_n=10)}
    assert stats["E"].discrimination is None
    assert stats["E"].discrimination_note == "everyone scored the same on this question"
    assert stats["E"].flags == (Flag.TOO_EASY,)  # p = 1 still says something
    # F varies, but the rest score (E, always right) is 1.0 for everyone.
    assert stats["F"].discrimination is None
    assert stats["F"].discrimination_note == "everyone has the same score on the other questions"
    assert stats["F"].flags == ()


def test_few_responses_give_no_r_and_no_flags() -> None:
    attempts = [FirstAttempt(p, q, 0, q == "A", 1) for p in range(4) for q in "AB"]
    for s in item_analysis(attempts):  # default min_n = 10
        assert s.discrimination is None and s.flags == ()
        assert s.discrimination_note == "only 4 people also answered other questions (need 10)"


def test_min_n_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="min_n must be at least 2"):
        item_analysis([], min_n=1)


def _cohort(seed: int = 11) -> list[FirstAttempt]:
    """Sixty learners of spread ability; twelve sound items and one whose key marks the right answer wrong."""
    rng = random.Random(seed)
    attempts = []
    for pid in range(60):
        ability = 0.15 + 0.8 * pid / 59
        for q in range(12):
            ok = rng.random() < ability
            attempts.append(FirstAttempt(pid, f"q{q}", 0 if ok else 1 + rng.randrange(3), ok, 4000))
        # The strong pick the truly right answer, which the key calls wrong; the weak pick the keyed one.
        keyed_ok = rng.random() > ability
        attempts.append(FirstAttempt(pid, "miskeyed", 1 if keyed_ok else 0, keyed_ok, 4000))
    return attempts


@pytest.mark.parametrize("seed", [1, 11, 42, 2024])
def test_miskeyed_question_is_flagged_negative(seed: int) -> None:
    # Over 200 seeds the mis-keyed item always came out negative and no sound item ever did (sound items
    # ranged from 0.01 to 0.6: sampling noise on 60 people can make a sound item look "poor", never negative).
    stats = {s.question_id: s for s in item_analysis(_cohort(seed))}
    bad = stats.pop("miskeyed")
    assert bad.discrimination is not None and bad.discrimination < 0
    assert Flag.NEGATIVE_DISCRIMINATION in bad.flags and Flag.POOR_DISCRIMINATION in bad.flags
    for s in stats.values():
        assert s.discrimination is not None and s.discrimination > 0, s
        assert Flag.NEGATIVE_DISCRIMINATION not in s.flags
    assert sum(Flag.POOR_DISCRIMINATION in s.flags for s in stats.values()) <= 2


attempt_lists = st.lists(
    st.builds(FirstAttempt, person_id=st.integers(0, 8), question_id=st.sampled_from("ABCD"),
              choice_index=st.integers(0, 3), correct=st.booleans(), latency_ms=st.integers(0, 600_000)),
    max_size=80)


@settings(max_examples=200, deadline=None)
@given(attempt_lists, st.integers(2, 6))
def test_statistics_stay_in_range(attempts: list[FirstAttempt], min_n: int) -> None:
    for s in item_analysis(attempts, min_n=min_n):
        assert 0.0 <= s.difficulty <= 1.0
        assert s.n >= s.discrimination_n
        assert sum(c.share for c in s.choices) == pytest.approx(1.0)
        if s.discrimination is None:
            assert s.discrimination_note
            assert Flag.POOR_DISCRIMINATION not in s.flags and Flag.NEGATIVE_DISCRIMINATION not in s.flags
        else:
            assert -1.0 <= s.discrimination <= 1.0
            assert (Flag.NEGATIVE_DISCRIMINATION in s.flags) == (s.discrimination < 0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 10).map(lambda k: k / 10)), min_size=2, max_size=40))
def test_point_biserial_matches_the_textbook_formula(pairs: list[tuple[bool, float]]) -> None:
    item, rest = [x for x, _ in pairs], [y for _, y in pairs]
    r = point_biserial(item, rest)
    if len(set(item)) < 2 or len(set(rest)) < 2:
        assert r is None
        return
    # r_pb = (M1 - M0) / s_n * sqrt(p q), with s_n the population standard deviation.
    ones = [y for x, y in pairs if x]
    zeros = [y for x, y in pairs if not x]
    mean = sum(rest) / len(rest)
    s_n = math.sqrt(sum((y - mean) ** 2 for y in rest) / len(rest))
    p = len(ones) / len(pairs)
    expected = (sum(ones) / len(ones) - sum(zeros) / len(zeros)) / s_n * math.sqrt(p * (1 - p))
    assert r == pytest.approx(expected, abs=1e-9)


LEARNERS = [
    LearnerRecord(1, sent=10, answered=10, correct=9, completed=True, team="Ops", manager="ann@x.org"),
    LearnerRecord(2, sent=10, answered=6, correct=3, completed=False, team="Ops", manager="ann@x.org"),
    LearnerRecord(3, sent=4, answered=0, correct=0, completed=False, team="Sales", manager="bob@x.org"),
    LearnerRecord(4, sent=0, answered=0, correct=0, completed=False, team="Sales", manager="bob@x.org"),
    LearnerRecord(5, sent=10, answered=10, correct=5, completed=True, team=None, manager="bob@x.org"),
]


def test_funnel_counts_and_conversion() -> None:
    steps = funnel(LEARNERS)
    assert [(s.name, s.count) for s in steps] == [("enrolled", 5), ("reached", 4), ("answered", 3),
                                                  ("completed", 2)]
    assert [s.share_of_enrolled for s in steps] == pytest.approx([1.0, 0.8, 0.6, 0.4])
    assert [s.share_of_previous for s in steps] == pytest.approx([1.0, 0.8, 0.75, 2 / 3])


def test_empty_funnel_has_no_shares() -> None:
    assert all(s.count == 0 and s.share_of_enrolled is None and s.share_of_previous is None for s in funnel([]))


def test_group_stats_by_team_and_manager() -> None:
    teams = {g.group: g for g in group_stats(LEARNERS, by=lambda r: r.team)}
    assert set(teams) == {"Ops", "Sales", NO_GROUP}
    ops = teams["Ops"]
    # Pooled: (9 + 3) right of (10 + 6) answered = 0.75; one of two completed.
    assert (ops.people, ops.completed, ops.answered, ops.correct) == (2, 1, 16, 12)
    assert (ops.completion_rate, ops.accuracy) == (0.5, 0.75)
    assert teams["Sales"].accuracy is None  # nobody answered yet
    managers = group_stats(LEARNERS, by=lambda r: r.manager)
    assert [(g.group, g.people) for g in managers] == [("bob@x.org", 3), ("ann@x.org", 2)]
    assert managers[0].accuracy == pytest.approx(0.5)
