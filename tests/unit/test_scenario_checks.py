"""`content check` on decision paths: broken `next` links, cycles and deep paths, each with its file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from content.loader import load_track_file
from content.schema import Track
from tests.helpers import make_track, original_hash
from tests.scenarios import scenario_body


def _problems(tmp_path: Path, body: dict[str, object]) -> list[str]:
    path = tmp_path / "track.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    track, problems, _ = load_track_file(path)
    assert track is None
    return [str(p).removeprefix(f"{path}:") for p in problems]


def _line_of(tmp_path: Path, needle: str, nth: int = 1) -> int:
    lines = (tmp_path / "track.yaml").read_text(encoding="utf-8").splitlines()
    hits = [i for i, line in enumerate(lines, 1) if needle in line]
    return hits[nth - 1]


def _questions(body: dict[str, object]) -> list[dict[str, object]]:
    return body["units"][0]["questions"]  # type: ignore[index,no-any-return]


def test_next_to_an_unknown_question_names_its_line(tmp_path: Path) -> None:
    body = scenario_body()
    _questions(body)[0]["choices"][0]["next"] = "nowhere"  # type: ignore[index]
    got = _problems(tmp_path, body)
    assert got == [f"{_line_of(tmp_path, 'next: nowhere')}: error: units[0].questions[0].choices[0].next: "
                   "next names no question of this track: 'nowhere'"]


def test_next_into_another_unit_is_an_error(tmp_path: Path) -> None:
    body = scenario_body()
    _questions(body)[0]["choices"][0]["next"] = "u2-q1"  # type: ignore[index]
    [got] = _problems(tmp_path, body)
    assert got.startswith(f"{_line_of(tmp_path, 'next: u2-q1')}: error: units[0].questions[0].choices[0].next:")
    assert "next leads to 'u2-q1' in unit 'u2'; a path stays within its unit" in got


def test_a_cycle_is_reported_at_the_choice_that_closes_it(tmp_path: Path) -> None:
    body = scenario_body()
    _questions(body)[1]["choices"][1]["next"] = "call"  # type: ignore[index]
    [got] = _problems(tmp_path, body)
    assert got == (f"{_line_of(tmp_path, 'next: call')}: error: units[0].questions[1].choices[1].next: "
                   "next makes a cycle: call -> leaked -> call")


def test_a_path_deeper_than_three_steps_is_an_error(tmp_path: Path) -> None:
    body = scenario_body()
    qs = _questions(body)
    qs[1]["choices"][0]["next"] = "checked"  # type: ignore[index]
    qs[2]["choices"][0]["next"] = "after"  # type: ignore[index]
    got = _problems(tmp_path, body)
    assert got == [f"{_line_of(tmp_path, 'next: after')}: error: units[0].questions[2].choices[0].next: "
                   "a path is at most 3 steps deep; this one goes call -> leaked -> checked -> after"]


def test_three_steps_are_fine_and_a_track_without_scenarios_keeps_its_hash() -> None:
    body = scenario_body()
    _questions(body)[1]["choices"][0]["next"] = "checked"  # type: ignore[index]
    assert Track.model_validate(body).units[0].questions[1].choices[0].next == "checked"
    # The hash of a track without scenarios is the one computed before choices had `next`.
    plain = make_track()
    assert plain.content_hash() == original_hash(plain)
