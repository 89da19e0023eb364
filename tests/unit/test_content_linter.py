"""Linter: microlearning practice as errors and warnings, with the line of the offending node."""

from __future__ import annotations

import textwrap
from pathlib import Path

from content.linter import count_words, lint
from content.loader import check_paths, load_track_file

CLEAN = """
id: clean
title: Clean track
objective: Do the thing.
units:
  - id: one
    title: One
    why: Because.
    lesson: First lesson.
    questions:
      - id: q-one
        prompt: Pick A.
        choices:
          - text: A
            correct: true
            feedback: Yes.
          - text: B
            feedback: No.
  - id: two
    title: Two
    why: Because.
    lesson: Second lesson.
    questions:
      - id: q-two
        type: true_false
        prompt: Is it true?
        answer: true
        explanation: It is.
  - id: three
    title: Three
    why: Because.
    lesson: Third lesson.
    questions:
      - id: q-three
        prompt: Pick B.
        explanation: B is right.
        choices:
          - text: A
          - text: B
            correct: true
"""


def write(tmp_path: Path, text: str, name: str = "track.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def lint_text(tmp_path: Path, text: str) -> list[str]:
    path = write(tmp_path, text)
    track, problems, lines = load_track_file(path)
    assert problems == [] and track is not None
    return [str(p).removeprefix(f"{path}:") for p in lint(track, lines, str(path))]


def test_clean_track_has_no_problems(tmp_path: Path) -> None:
    assert lint_text(tmp_path, CLEAN) == []


def test_missing_objective_is_an_error(tmp_path: Path) -> None:
    got = lint_text(tmp_path, CLEAN.replace("objective: Do the thing.\n", ""))
    assert got == ["1: error: track has no objective: every track states the behaviour it builds"]


def test_unit_without_question_is_an_error(tmp_path: Path) -> None:
    text = CLEAN.replace(
        "    lesson: Third lesson.\n    questions:\n      - id: q-three\n",
        "    lesson: Third lesson.\n    quiz:\n      - id: q-three\n",
    )
    # Drop the renamed block so the file stays valid and only the lint rule fires.
    text = text[: text.index("    quiz:")]
    got = lint_text(tmp_path, text)
    assert got == [
        "28: error: units[2]: unit 'three' has no question: retrieval practice is what makes a lesson stick"
    ]


def test_choice_without_feedback_or_explanation_names_the_choice(tmp_path: Path) -> None:
    text = CLEAN.replace("            feedback: No.\n", "").replace("        explanation: It is.\n", "")
    got = lint_text(tmp_path, text)
    assert got == [
        "16: error: units[0].questions[0].choices[1]: choice 'B' has no feedback and the question has no "
        "explanation: learners need to know why",
        # true_false choices are synthesised, so both point at the question itself.
        "22: error: units[1].questions[0].choices[0]: choice 'True' has no feedback and the question has no "
        "explanation: learners need to know why (add feedback: {true: ..., false: ...})",
        "22: error: units[1].questions[0].choices[1]: choice 'False' has no feedback and the question has no "
        "explanation: learners need to know why (add feedback: {true: ..., false: ...})",
    ]


def test_explanation_covers_choices_without_feedback(tmp_path: Path) -> None:
    # q-three's choices have no feedback at all, yet CLEAN lints clean because of its explanation.
    assert "feedback" not in CLEAN.split("id: q-three")[1]
    assert lint_text(tmp_path, CLEAN) == []


def test_warnings_carry_counts_and_lines(tmp_path: Path) -> None:
    long_lesson = " ".join(["word"] * 151)
    long_prompt = "Is this a long prompt? " + "x" * 300
    text = (
        CLEAN.replace("    lesson: First lesson.", f"    lesson: {long_lesson}")
        .replace("    why: Because.\n    lesson: Second lesson.", "    lesson: Second lesson.")
        .replace("        prompt: Pick B.", f"        prompt: {long_prompt}")
    )
    got = lint_text(tmp_path, text)
    assert got == [
        "8: warning: units[0].lesson: lesson is 151 words; keep it under 150 or split the unit",
        "18: warning: units[1]: unit 'two' has no 'why': say in one line why this matters to the learner",
        "33: warning: units[2].questions[0].prompt: prompt is 323 characters; keep it under 300",
    ]


def test_too_many_questions_and_too_few_units_warn(tmp_path: Path) -> None:
    extra = "".join(
        f"      - id: extra-{i}\n        prompt: P{i}?\n        type: true_false\n        answer: true\n"
        f"        explanation: E.\n"
        for i in range(3)
    )
    text = CLEAN[: CLEAN.index("  - id: two")].replace("    questions:\n", "    questions:\n" + extra, 1)
    got = lint_text(tmp_path, text)
    assert got == [
        "4: warning: units: only 1 unit(s): too small to space out; aim for at least 3",
        "9: warning: units[0].questions: 4 questions; keep it to 3 or fewer per unit",
    ]


def test_warnings_fail_only_under_strict(tmp_path: Path) -> None:
    text = CLEAN.replace("    lesson: First lesson.", "    lesson: " + " ".join(["word"] * 200)).replace(
        "    why: Because.\n    lesson: Second lesson.", "    lesson: Second lesson."
    )
    path = write(tmp_path, text)

    relaxed = check_paths([path])
    assert relaxed.ok
    assert relaxed.errors == []
    assert [(p.line, p.severity) for p in relaxed.warnings] == [(8, "warning"), (18, "warning")]

    strict = check_paths([path], strict=True)
    assert not strict.ok
    assert strict.problems == relaxed.problems


def test_errors_fail_even_without_strict(tmp_path: Path) -> None:
    path = write(tmp_path, CLEAN.replace("objective: Do the thing.\n", ""))
    result = check_paths([path])
    assert not result.ok
    assert [p.severity for p in result.problems] == ["error"]


def test_count_words_ignores_markdown_markup() -> None:
    assert count_words("**Phishing** is:\n\n- a *trick*\n- 2 signals -- maybe") == 7
