"""Loader: every problem reported with its line, true_false normalisation, hashing, campaign specs."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from content.campaign import CampaignSpec
from content.linter import count_words
from content.loader import (
    LIBRARY_DIR,
    ContentError,
    Problem,
    check_paths,
    iter_content_files,
    load_campaign_file,
    load_track_file,
)
from content.scenarios import asked_questions
from content.schema import Track


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


GOOD_TRACK = """
id: demo
title: Demo track
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
        answer: false
        feedback:
          true: Wrong, it is false.
          false: Right.
  - id: three
    title: Three
    why: Because.
    lesson: Third lesson.
    questions:
      - id: q-three
        prompt: Pick B.
        explanation: B is right because it is.
        choices:
          - text: A
          - text: B
            correct: true
"""


# --- line numbers ---------------------------------------------------------------------------------

BROKEN_TRACK = """
id: demo
title: Demo track
objective: Do the thing.
units:
  - id: one
    title: One
    why: Because.
    lesosn: Typo in the key.
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
    lesson: Fine.
    questions:
      - id: q-two
        prompt: Pick one.
        choices:
          - text: A
            correct: true
          - text: B
            correct: true
  - id: three
    title: Three
    lesson: Fine.
    colour: blue
"""


def test_loader_reports_every_problem_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.yaml", BROKEN_TRACK)
    track, problems, _ = load_track_file(path)

    assert track is None
    got = [str(p) for p in problems]
    assert got == [
        f"{path}:5: error: units[0]: missing required key 'lesson'",
        f"{path}:8: error: units[0]: unknown key 'lesosn' (did you mean 'lesson'?)",
        f"{path}:24: error: units[1].questions[0].choices: exactly one choice must be correct (2 are)",
        f"{path}:32: error: units[2]: unknown key 'colour'",
    ]


def test_yaml_syntax_error_is_a_problem_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, "a-good.yaml", GOOD_TRACK)
    bad = write(
        tmp_path,
        "b-bad.yaml",
        """
        id: demo-2
        title: Broken
        units:
          - id: one
            title: "unterminated
            lesson: x
        """,
    )
    result = check_paths([tmp_path])

    assert [t.id for t in result.tracks] == ["demo"]
    assert not result.ok
    assert len(result.problems) == 1
    problem = result.problems[0]
    assert problem.path == str(bad)
    assert problem.line == 7  # where the scanner gave up: end of the file
    assert problem.message == (
        "YAML syntax error: found unexpected end of stream (while scanning a quoted scalar on line 5)"
    )


def test_duplicate_key_is_an_error_with_both_lines(tmp_path: Path) -> None:
    text = GOOD_TRACK.replace("title: Demo track\n", "title: Demo track\ntitle: Again\n")
    path = write(tmp_path, "dup.yaml", text)
    track, problems, _ = load_track_file(path)

    assert track is None
    assert [str(p) for p in problems] == [f"{path}:3: error: duplicate key 'title' (first on line 2)"]


def test_missing_file_and_non_mapping_are_problems_not_tracebacks(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    track, problems, _ = load_track_file(missing)
    assert track is None
    assert [p.message for p in problems] == ["file not found"]

    listy = write(tmp_path, "list.yaml", "- just\n- a list\n")
    track, problems, _ = load_track_file(listy)
    assert track is None
    assert problems == [Problem(str(listy), 1, "the top level of a track file must be a mapping of keys")]

    empty = write(tmp_path, "empty.yaml", "# nothing here\n")
    assert load_track_file(empty)[1] == [Problem(str(empty), 1, "file is empty")]


def test_yaml_boolean_trap_gets_a_hint(tmp_path: Path) -> None:
    path = write(tmp_path, "norway.yaml", GOOD_TRACK.replace("feedback: No.", "feedback: no"))
    _, problems, _ = load_track_file(path)
    assert len(problems) == 1
    assert problems[0].line == 17
    assert "got false" in problems[0].message and "quote it" in problems[0].message


def test_duplicate_ids_within_and_across_files(tmp_path: Path) -> None:
    text = GOOD_TRACK.replace("id: q-three", "id: q-one")
    path = write(tmp_path, "dupq.yaml", text)
    _, problems, _ = load_track_file(path)
    assert [str(p) for p in problems] == [
        f"{path}:35: error: units[2].questions[0].id: question id 'q-one' is already used by "
        "units[0].questions[0]"
    ]

    first = write(tmp_path / "many", "a.yaml", GOOD_TRACK)
    second = write(tmp_path / "many", "b.yaml", GOOD_TRACK)
    result = check_paths([tmp_path / "many"])
    assert len(result.tracks) == 1
    assert [str(p) for p in result.errors] == [
        f"{second}:1: error: id: track id 'demo' is already used by {first}:1"
    ]


# --- schema behaviour -----------------------------------------------------------------------------


def test_true_false_is_normalised_into_two_choices(tmp_path: Path) -> None:
    track, problems, _ = load_track_file(write(tmp_path, "good.yaml", GOOD_TRACK))
    assert problems == []
    assert track is not None

    unit, question = track.question("q-two")
    assert unit.id == "two"
    assert [(c.text, c.correct, c.feedback) for c in question.choices] == [
        ("True", False, "Wrong, it is false."),
        ("False", True, "Right."),
    ]
    assert question.correct_index == 1
    assert track.question("q-one")[1].correct_index == 0
    assert track.unit_index("three") == 2
    with pytest.raises(KeyError):
        track.question("nope")


def test_true_false_rejects_choices_and_requires_answer() -> None:
    base = yaml.safe_load(GOOD_TRACK)
    q = base["units"][1]["questions"][0]
    del q["answer"]
    q["choices"] = [{"text": "Yes", "correct": True}, {"text": "No"}]
    with pytest.raises(ValidationError) as info:
        Track.model_validate(base)
    messages = {(e["loc"][-1], e["type"]) for e in info.value.errors()}
    assert messages == {("choices", "tf_choices"), ("answer", "tf_answer")}


def test_validated_track_round_trips_through_dump_and_json(tmp_path: Path) -> None:
    # Other layers store the validated track (e.g. as JSON) and must be able to load it back.
    track, _, _ = load_track_file(write(tmp_path, "good.yaml", GOOD_TRACK))
    assert track is not None
    again = Track.model_validate(track.model_dump())
    from_json = Track.model_validate_json(track.model_dump_json())
    assert again == track == from_json
    assert from_json.content_hash() == track.content_hash()


def test_content_hash_is_stable_across_key_order_and_changes_with_text() -> None:
    data = yaml.safe_load(GOOD_TRACK)
    reordered = dict(reversed(list(data.items())))
    reordered["units"] = [dict(reversed(list(u.items()))) for u in data["units"]]

    h1 = Track.model_validate(data).content_hash()
    assert Track.model_validate(reordered).content_hash() == h1
    assert len(h1) == 64

    data["units"][0]["lesson"] = "First lesson, edited."
    assert Track.model_validate(data).content_hash() != h1


# --- campaigns ------------------------------------------------------------------------------------

GOOD_CAMPAIGN = """
id: phishing-q1
track: phishing-basics
audience:
  all: true
schedule:
  days: [Mon, tue, wed, thu, fri]
  at: "09:30"
  start: 2027-01-04
  end: 2027-03-31
"""


def test_campaign_defaults_and_normalisation(tmp_path: Path) -> None:
    spec = load_campaign_file(write(tmp_path, "c.yaml", GOOD_CAMPAIGN))
    assert isinstance(spec, CampaignSpec)
    assert spec.schedule.days == ["mon", "tue", "wed", "thu", "fri"]
    assert spec.schedule.at == dt.time(9, 30)
    assert spec.schedule.start == dt.date(2027, 1, 4)
    assert (spec.escalation.remind_after, spec.escalation.manager_after) == (2, 4)
    assert (spec.digest.day, spec.digest.at) == ("mon", dt.time(8, 30))


@pytest.mark.parametrize("written", ["9:30", "09:30"])
def test_campaign_unquoted_time_is_read_as_a_time(tmp_path: Path, written: str) -> None:
    # YAML 1.1 makes unquoted 9:30 the base-60 integer 570; the loader must still mean 09:30.
    text = GOOD_CAMPAIGN.replace('at: "09:30"', f"at: {written}")
    assert load_campaign_file(write(tmp_path, "c.yaml", text)).schedule.at == dt.time(9, 30)


def test_campaign_accepts_sexagesimal_int_from_plain_yaml() -> None:
    data = yaml.safe_load(GOOD_CAMPAIGN.replace('at: "09:30"', "at: 10:30"))
    assert data["schedule"]["at"] == 630
    assert CampaignSpec.model_validate(data).schedule.at == dt.time(10, 30)


@pytest.mark.parametrize(
    ("old", "new", "line", "fragment"),
    [
        ("[Mon, tue", "[Mon, tuesday", 6, "schedule.days: unknown day 'tuesday'"),
        ("[Mon, tue, wed", "[Mon, tue, mon", 6, "schedule.days: day listed twice: mon"),
        ('at: "09:30"', 'at: "25:00"', 7, 'schedule.at: time must be "HH:MM"'),
        ('at: "09:30"', "at: 9", 7, 'quoted "HH:MM"'),
        ("end: 2027-03-31", "end: 2026-12-31", 5, "schedule: end (2026-12-31) is before start (2027-01-04)"),
        ("  all: true", "  all: true\n  roles: [learner]", 3, "audience: 'all: true' cannot be combined with roles"),
        ("  all: true", "  emails: []", 4, "audience.emails: list at least one email address"),
    ],
)
def test_campaign_validation_errors(tmp_path: Path, old: str, new: str, line: int, fragment: str) -> None:
    assert old in GOOD_CAMPAIGN
    path = write(tmp_path, "c.yaml", GOOD_CAMPAIGN.replace(old, new))
    with pytest.raises(ContentError) as info:
        load_campaign_file(path)
    problem = info.value.problems[0]
    assert (problem.path, problem.line) == (str(path), line)
    assert fragment in problem.message
    assert str(info.value).startswith(f"{path}:{line}: error: ")


def test_campaign_escalation_order_and_error_summary(tmp_path: Path) -> None:
    text = GOOD_CAMPAIGN + "escalation:\n  remind_after: 3\n  manager_after: 2\nreminder: yes\n"
    path = write(tmp_path, "c.yaml", text)
    with pytest.raises(ContentError) as info:
        load_campaign_file(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:10: error: escalation: manager_after (2) must be at least remind_after (3)",
        f"{path}:13: error: unknown key 'reminder'",
    ]
    assert str(info.value) == f"{info.value.problems[0]} (and 1 more)"


def test_check_paths_cross_checks_campaign_track(tmp_path: Path) -> None:
    write(tmp_path, "track.yaml", GOOD_TRACK)
    campaign = write(tmp_path, "campaign.yaml", GOOD_CAMPAIGN)
    result = check_paths([tmp_path])
    assert [c.id for c in result.campaigns] == ["phishing-q1"]
    assert [str(p) for p in result.errors] == [
        f"{campaign}:2: error: track: no track with id 'phishing-basics' among the checked files"
    ]


# --- files and the shipped library ----------------------------------------------------------------


def test_iter_content_files_expands_folders_and_keeps_missing_paths(tmp_path: Path) -> None:
    b = write(tmp_path, "lib/b.yml", GOOD_TRACK)
    a = write(tmp_path, "lib/sub/a.yaml", GOOD_TRACK)
    write(tmp_path, "lib/notes.txt", "not content")
    missing = tmp_path / "missing.yaml"

    assert iter_content_files([tmp_path / "lib", missing, b]) == [b, a, missing]

    result = check_paths([missing])
    assert [str(p) for p in result.problems] == [f"{missing}:0: error: file not found"]


def test_shipped_library_passes_strict_check() -> None:
    result = check_paths([LIBRARY_DIR], strict=True)
    assert result.problems == []
    assert result.ok
    assert {t.id for t in result.tracks} >= {"phishing-basics", "data-privacy-basics"}
    assert all(p.suffix == ".yaml" for p in LIBRARY_DIR.iterdir())


def test_shipped_library_follows_the_authoring_guide() -> None:
    for track in check_paths([LIBRARY_DIR]).tracks:
        assert 5 <= len(track.units) <= 7, track.id
        kinds = {q.type for u in track.units for q in u.questions}
        assert {"single"} <= kinds <= {"single", "true_false", "multiple", "short", "numeric"}, track.id
        for unit in track.units:
            assert 40 <= count_words(unit.lesson) <= 120, (track.id, unit.id)
            # A scenario's follow-up steps are reached only through its path: a learner meets 2 at most.
            assert 1 <= len(asked_questions(unit)) <= 2, (track.id, unit.id)
            assert len(unit.questions) - len(asked_questions(unit)) <= 2, (track.id, unit.id)
            for q in unit.questions:
                assert q.explanation, q.id
                assert all(c.feedback for c in q.choices), q.id
