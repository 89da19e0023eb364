"""Conformance: the importers agree with Moodle's own importer fixtures on what is valid."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from content.importers import ImportFailed, import_file, parse
from content.loader import check_paths, load_track_file

# The shared folder sits beside the repository checkout (e.g. /work/main -> /work/shared).
REPO_ROOT = Path(__file__).resolve().parents[2]
MOODLE = REPO_ROOT / "tests" / "fixtures" / "conformance" / "moodle"


@pytest.fixture(scope="module")
def moodle() -> Path:
    if not (MOODLE / "SOURCES.md").is_file():
        pytest.fail(
            f"Moodle conformance fixtures are missing: expected {MOODLE.resolve()} "
            "(tests/fixtures/conformance/moodle in the repository)",
            pytrace=False,
        )
    return MOODLE


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_gift_questions_file_reads_nine_questions_like_moodle(moodle: Path) -> None:
    parsed = parse(read(moodle / "gift" / "questions.gift.txt"), "gift", "questions.gift.txt")
    assert parsed.errors == []
    assert len(parsed.questions) == 9  # Moodle: "Importing 9 questions"
    kinds = Counter(q.kind for q in parsed.questions)
    assert kinds == {
        "essay": 1,
        "matching": 1,
        "single": 1,
        "multiple_response": 1,
        "numeric": 1,
        "short_answer": 1,
        "true_false": 3,
    }


def test_gift_category_file_reads_four_questions_in_its_category(moodle: Path) -> None:
    parsed = parse(read(moodle / "gift" / "questions_in_category.gift.txt"), "gift", "cat.gift.txt")
    assert parsed.errors == []
    assert len(parsed.questions) == 4
    assert {q.category for q in parsed.questions} == {"$course$/Default for New Features"}
    greeting = next(q for q in parsed.questions if q.name == "Greeting")
    # \= and \: escapes inside [html] text, and the markup stripped to what a learner sees.
    assert greeting.prompt == "Listen to this greeting:\n\nWhat language is being spoken?"
    assert [c.fraction for c in greeting.choices] == [0.0, 1.0, 0.0, 0.0]


def test_gift_file_imports_what_fits_chat_and_notes_each_skip(moodle: Path, tmp_path: Path) -> None:
    source = moodle / "gift" / "questions.gift.txt"
    result = import_file(source, "gift")
    # Only the kinds that do not fit chat are skipped; multiple response, numeric and short answer import.
    assert (result.questions_read, result.questions_written) == (9, 7)
    skips = [n for n in result.notes if ": skipped " in n]
    assert [n.split(": skipped ")[1].split(" ")[0] for n in skips] == ["essay", "matching"]
    kinds = {q.id: q for unit in result.track.units for q in unit.questions}
    assert kinds["colours"].type == "multiple"
    assert [c.text for c in kinds["colours"].choices if c.correct] == ["yellow", "off-beige"]
    assert (kinds["q5"].type, kinds["q5"].answer, kinds["q5"].tolerance) == ("numeric", 3, 2)
    assert kinds["q5"].feedback == {False: "Completely wrong"}
    assert (kinds["shortanswer"].accept, kinds["shortanswer"].feedback) == (
        ["Frog"], {True: "Good!", False: "Completely wrong"})
    assert any('"Shortanswer": partial credit (50%) for "Cat" is dropped' in n for n in result.notes)
    assert skips[0] == f'{source}:2: skipped essay question "Q8": essays do not fit chat'
    out = tmp_path / "questions.yaml"
    out.write_text(result.yaml_text, encoding="utf-8")
    track, problems, _ = load_track_file(out)
    assert problems == [] and track is not None
    assert track.model_dump() == result.track.model_dump()


def test_imported_track_check_names_what_the_author_must_add(moodle: Path, tmp_path: Path) -> None:
    result = import_file(moodle / "gift" / "questions_in_category.gift.txt", "gift", track_id="moodle-demo")
    out = tmp_path / "demo.yaml"
    out.write_text(result.yaml_text, encoding="utf-8")
    messages = [p.message for p in check_paths([out]).errors]
    assert any("track has no objective" in m for m in messages)
    assert any("choice 'True' has no feedback" in m for m in messages)
    assert any(n.startswith("add an objective: what should learners do differently?") for n in result.notes)
    assert result.track.units[0].title == "Default for New Features"
    assert "# objective: TODO(author)" in result.yaml_text


def test_windows_1252_gift_file_is_refused_as_not_utf8(moodle: Path) -> None:
    source = moodle / "gift" / "questions_encoding_windows-1252.gift.txt"
    with pytest.raises(ImportFailed) as caught:
        import_file(source, "gift")
    [problem] = caught.value.problems
    assert problem.path == str(source)
    assert problem.line == 15
    assert "not UTF-8" in problem.message


def test_aiken_questions_file_imports_two_questions(moodle: Path) -> None:
    result = import_file(moodle / "aiken" / "questions.aiken.txt", "aiken")
    assert (result.questions_read, result.questions_written) == (2, 2)
    first = result.track.units[0].questions[0]
    assert first.prompt == "The Moodle project was started by:"
    assert first.correct_index == 1
    # Aiken text is plain: HTML-looking characters are kept as written.
    assert '<html class="cool"> & images:' in result.track.units[0].questions[1].prompt


def test_aiken_errors_file_has_three_valid_questions_and_four_errors_on_moodles_lines(moodle: Path) -> None:
    source = moodle / "aiken" / "aiken_errors.txt"
    parsed = parse(read(source), "aiken", "aiken_errors.txt")
    assert [q.prompt for q in parsed.questions] == [
        "A good question",
        "A second good question",
        "A third good question with HTML chars such as > < &",
    ]
    assert [e.line for e in parsed.errors] == [3, 5, 7, 18]
    assert "at least 2 options" in parsed.errors[0].message
    assert "has no ANSWER line" in parsed.errors[3].message

    with pytest.raises(ImportFailed) as caught:
        import_file(source, "aiken")
    assert [p.line for p in caught.value.problems] == [3, 5, 7, 18]
    assert str(caught.value).startswith(f"{source}:3: error:")

    lenient = import_file(source, "aiken", stop_on_error=False)
    assert lenient.questions_written == 3
    assert [p.line for p in lenient.errors] == [3, 5, 7, 18]
