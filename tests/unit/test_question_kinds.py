"""Schema, grading and lint rules of the multiple-response, short and numeric question kinds."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.answering import scripted_reply
from content.grading import grade_multiple, grade_numeric, grade_short, normalise, parse_number
from content.linter import lint
from content.problems import LineMap
from content.schema import Question, Track
from core.analysis import FirstAttempt, QuestionKey, item_analysis
from tests.helpers import original_hash
from tests.kinds import KINDS_TRACK, kinds_track


def q(**fields: Any) -> Question:
    return Question.model_validate({"id": "q", "prompt": "Prompt?", **fields})


def error_of(**fields: Any) -> tuple[tuple[Any, ...], str]:
    with pytest.raises(ValidationError) as caught:
        q(**fields)
    [err] = caught.value.errors()
    return err["loc"], err["msg"]


def test_each_kind_validates_and_keeps_its_fields() -> None:
    track = kinds_track()
    cities, capital, pi = track.units[0].questions
    assert cities.correct_indexes == (0, 2) and cities.choice_kind and not cities.typed
    assert (capital.accept, capital.typos, capital.typed) == (["Paris", "Paree"], 1, True)
    assert (pi.answer, pi.tolerance) == (3.14, 0.005)
    assert Track.model_validate(track.model_dump(mode="json")) == track  # a dumped track validates unchanged


@pytest.mark.parametrize(("fields", "loc", "words"), [
    ({"type": "multiple", "choices": [{"text": "a"}, {"text": "b"}]}, ("choices",), "at least one choice"),
    ({"type": "multiple", "choices": [{"text": "a", "correct": True}]}, ("choices",), "2 to 6 choices"),
    ({"type": "short"}, ("accept",), "needs 'accept'"),
    ({"type": "short", "accept": ["x"], "typos": 4}, ("typos",), "less than or equal to 3"),
    ({"type": "short", "accept": ["x"], "choices": [{"text": "x"}]}, ("choices",), "answered by typing"),
    ({"type": "short", "accept": ["x"], "answer": 2}, ("answer",), "'answer' is not for short"),
    ({"type": "numeric"}, ("answer",), "needs 'answer'"),
    ({"type": "numeric", "answer": True}, ("answer",), "must be a number"),
    ({"type": "numeric", "answer": 3, "min": 1}, ("min",), "not both"),
    ({"type": "numeric", "min": 5, "max": 1}, ("max",), "below 'min'"),
    ({"type": "numeric", "min": 1, "tolerance": 1}, ("tolerance",), "goes with 'answer'"),
    ({"type": "numeric", "answer": 3, "tolerance": -1}, ("tolerance",), "greater than or equal to 0"),
    ({"choices": [{"text": "a", "correct": True}, {"text": "b"}], "accept": ["a"]}, ("accept",),
     "only for short questions"),
    ({"type": "multiple", "choices": [{"text": "a", "correct": True}, {"text": "b"}], "feedback": {True: "x"}},
     ("feedback",), "put feedback on each choice"),
])
def test_kind_errors_name_the_field(fields: dict[str, Any], loc: tuple[Any, ...], words: str) -> None:
    got_loc, msg = error_of(**fields)
    assert got_loc == loc and words in msg


def test_existing_tracks_keep_their_content_hash() -> None:
    # Kind-only fields are left out of the hash when unset, so a published track stays the same version.
    track = Track.model_validate({**KINDS_TRACK, "units": [KINDS_TRACK["units"][1]]})
    assert track.content_hash() == original_hash(track)


def test_short_answers_ignore_case_accents_spacing_and_allow_set_typos() -> None:
    assert normalise("  Crème   BRÛLÉE ") == "creme brulee"
    assert grade_short("creme brulee", ["Crème brûlée"]).correct
    assert not grade_short("crme brulee", ["Crème brûlée"]).correct
    assert grade_short("crme brulee", ["Crème brûlée"], typos=1).matched == "Crème brûlée"
    assert not grade_short("", ["x"]).correct


@pytest.mark.parametrize(("text", "value"), [("3.5", 3.5), ("3,5", 3.5), (" -2 ", -2.0), ("1e3", 1000.0),
                                             ("−4", -4.0), (".5", 0.5), ("1,000.5", None), ("three", None),
                                             ("3.5.1", None), ("nan", None), ("", None)])
def test_numbers_are_read_with_a_comma_or_a_point(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_numeric_grades_by_tolerance_or_range() -> None:
    pi = q(type="numeric", answer=3.14, tolerance=0.01)
    assert grade_numeric(3.15, pi).correct and grade_numeric(3.13, pi).correct
    assert not grade_numeric(3.16, pi).correct
    rng = q(type="numeric", min=1, max=5)
    assert grade_numeric(1, rng).correct and grade_numeric(5, rng).correct and not grade_numeric(5.1, rng).correct
    assert grade_numeric(-1e9, q(type="numeric", max=0)).correct


def test_multiple_response_scores_the_share_of_choices_classified_right() -> None:
    keyed = [True, False, True, False]
    assert grade_multiple([0, 2], keyed) == grade_multiple([2, 0], keyed)
    assert (grade_multiple([0, 2], keyed).correct, grade_multiple([0, 2], keyed).score) == (True, 1.0)
    assert grade_multiple([0], keyed).score == 0.75 and not grade_multiple([0], keyed).correct
    assert grade_multiple([1, 3], keyed).score == 0.0


def test_lint_asks_for_right_and_wrong_feedback_and_warns_about_unfair_grading() -> None:
    body = {**KINDS_TRACK, "units": [{**KINDS_TRACK["units"][0], "questions": [
        {"id": "s", "type": "short", "prompt": "Code?", "accept": ["ok", "a long accepted answer of many words"],
         "typos": 1, "feedback": {True: "Yes."}},
        {"id": "m", "type": "multiple", "prompt": "All?", "explanation": "All of them.",
         "choices": [{"text": "a", "correct": True}, {"text": "b", "correct": True}]},
    ]}]}
    problems = [p.message for p in lint(Track.model_validate(body), LineMap({}), "t.yaml")]
    assert any("question 's' has no feedback for a wrong answer" in m for m in problems)
    assert any("typos: 1 is too lenient for the short answer 'ok'" in m for m in problems)
    assert any("accepted answer 'a long accepted answer of many words' is 7 words" in m for m in problems)
    assert any("every choice is correct" in m for m in problems)


def test_item_analysis_counts_every_picked_choice_and_none_for_typed_kinds() -> None:
    cities, capital, _ = kinds_track().units[0].questions
    attempts = [FirstAttempt(1, "cities", None, True, 900, (0, 2)), FirstAttempt(2, "cities", None, False, 900, (1,)),
                FirstAttempt(1, "capital", None, True, 500), FirstAttempt(2, "capital", None, False, 700)]
    keys = {"cities": QuestionKey.of(cities), "capital": QuestionKey.of(capital)}
    stats = {s.question_id: s for s in item_analysis(attempts, keys, min_n=2)}
    assert [(c.text, c.count, c.keyed) for c in stats["cities"].choices] == [
        ("Paris", 1, True), ("Lyon", 1, False), ("Berlin", 1, True), ("Munich", 0, False)]
    assert stats["capital"].choices == () and stats["capital"].difficulty == 0.5


def test_scripted_learners_answer_every_kind_right_or_wrong() -> None:
    cities, capital, pi = kinds_track().units[0].questions
    got = {q.id: (scripted_reply(q, True), scripted_reply(q, False)) for q in (cities, capital, pi)}
    assert got == {"cities": ("1,3", "1,2"), "capital": ("Paris", "no idea"), "pi": ("3.135", "4.145")}
    assert grade_numeric(float(got["pi"][0]), pi).correct and not grade_numeric(float(got["pi"][1]), pi).correct
