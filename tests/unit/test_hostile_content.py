"""Hostile and broken content files: one clean problem naming file and line, never a traceback."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from content.loader import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_VALUES,
    ContentError,
    Problem,
    check_paths,
    load_campaign_file,
    load_track_file,
    parse_yaml,
)

CAMPAIGN = """\
id: phishing-q1
track: phishing-basics
audience:
  all: true
schedule:
  days: [mon, tue]
  at: "09:30"
  start: 2027-01-04
  end: 2027-03-31
"""

Loader = Callable[[Path], list[Problem]]


def _via_campaign(path: Path) -> list[Problem]:
    try:
        load_campaign_file(path)
    except ContentError as exc:
        return exc.problems
    return []


def _via_check(path: Path) -> list[Problem]:
    return check_paths([path]).problems


def _via_track(path: Path) -> list[Problem]:
    return load_track_file(path)[1]


LOADERS = pytest.mark.parametrize("load", [_via_campaign, _via_check, _via_track], ids=["campaign", "check", "track"])


def _write(tmp_path: Path, text: str, name: str = "hostile.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- a bad value inside an otherwise good campaign: exactly one problem, on its line ---------------

BAD_VALUES = [
    # (old, new, line, message)
    ("start: 2027-01-04", "start: 2027-02-30", 8,
     "schedule.start: impossible date '2027-02-30' (day is out of range for month)"),
    ("start: 2027-01-04", "start: 2027-13-01 10:00:00", 8,
     "schedule.start: impossible date '2027-13-01 10:00:00' (month must be in 1..12)"),
    ("start: 2027-01-04", "start: 0000-01-01", 8,
     "schedule.start: impossible date '0000-01-01' (year 0 is out of range)"),
    ("start: 2027-01-04", "start: !!timestamp x", 8, "schedule.start: cannot read 'x' as !!timestamp"),
    ("id: phishing-q1", "id: !!float x", 1, "id: cannot read 'x' as !!float"),
    ("id: phishing-q1", "id: !!int x", 1, "id: cannot read 'x' as !!int"),
    ("all: true", "all: !!bool maybe", 4, "audience.all: cannot read 'maybe' as !!bool"),
    ("all: true", "all: " + "9" * 5000, 4, "audience.all: number too large (limit 64 bits)"),
    ("all: true", "all: 0x" + "f" * 5000, 4, "audience.all: number too large (limit 64 bits)"),
    ("id: phishing-q1", "id: !!python/object:os.system [ls]", 1,
     "id: unsupported tag '!!python/object:os.system'"),
    ("id: phishing-q1", "id: !!python/object/apply:os.system {args: [ls]}", 1,
     "id: unsupported tag '!!python/object/apply:os.system'"),
    ("id: phishing-q1", "id: !!python/name:os.system", 1, "id: unsupported tag '!!python/name:os.system'"),
    ("id: phishing-q1", "id: !shell rm -rf", 1, "id: unsupported tag '!shell'"),
    ("id: phishing-q1", "id: !!binary aGk=", 1, "id: unsupported tag '!!binary'"),
    ("days: [mon, tue]", "days: !!set {mon, tue}", 6, "schedule.days: unsupported tag '!!set'"),
    ("days: [mon, tue]", "days: !!omap [a: 1]", 6, "schedule.days: unsupported tag '!!omap'"),
    ("days: [mon, tue]", "days: !!str [mon]", 6, "schedule.days: unsupported tag '!!str'"),
    ("all: true", "all: 9223372036854775808", 4, "audience.all: number too large (limit 64 bits)"),
    ("days: [mon, tue]", "days: [mon, !!float tue]", 6, "schedule.days[1]: cannot read 'tue' as !!float"),
]


@pytest.mark.parametrize(("old", "new", "line", "message"), BAD_VALUES)
@pytest.mark.parametrize("load", [_via_campaign, _via_check], ids=["campaign", "check"])
def test_bad_value_is_one_problem_on_its_line(
    tmp_path: Path, load: Loader, old: str, new: str, line: int, message: str
) -> None:
    assert old in CAMPAIGN
    path = _write(tmp_path, CAMPAIGN.replace(old, new))
    assert [str(p) for p in load(path)] == [f"{path}:{line}: error: {message}"]


@pytest.mark.parametrize(
    ("extra", "line", "message"),
    [
        ("  end: 9999-12-31\n", 9,
         "schedule.end: 9999-12-31 is out of range; use a date from 2000-01-01 to 2199-12-31"),
        ("escalation:\n  remind_after: 1\n  manager_after: 9000000000000000000\n", 11,
         "escalation.manager_after: expected less than or equal to 1000, got 9000000000000000000"),
    ],
)
def test_values_the_scheduler_and_database_cannot_hold(tmp_path: Path, extra: str, line: int, message: str) -> None:
    text = CAMPAIGN.replace("  end: 2027-03-31\n", "") + extra
    path = _write(tmp_path, text)
    assert [str(p) for p in _via_campaign(path)] == [f"{path}:{line}: error: {message}"]


def test_bad_key_is_one_problem_and_the_key_is_dropped(tmp_path: Path) -> None:
    path = _write(tmp_path, CAMPAIGN + "? !!float x\n: 1\n")
    assert [str(p) for p in _via_campaign(path)] == [f"{path}:10: error: cannot read 'x' as !!float"]


def test_plain_equals_sign_is_text_not_an_error(tmp_path: Path) -> None:
    # YAML 1.1 gives a bare "=" the "value" tag, which the safe constructor cannot build.
    data, _, problems = parse_yaml("a: =\n", "x.yaml")
    assert (data, problems) == ({"a": "="}, [])


# --- bombs, depth and size: the whole file is one problem ------------------------------------------


def _billion_laughs() -> str:
    lines = ['a0: &a0 "lol"']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\nschedule: *a9\n"


def _doubling_chain() -> str:
    lines = ["d0: &d0 [x, x]"] + [f"d{i}: &d{i} [*d{i - 1}, *d{i - 1}]" for i in range(1, 30)]
    return "\n".join(lines) + "\nunits: *d29\n"


FATAL = [
    ("billion-laughs", _billion_laughs(), 6, f"too many YAML aliases (they expand past {MAX_VALUES} values)"),
    ("doubling-chain", _doubling_chain(), 14, f"too many YAML aliases (they expand past {MAX_VALUES} values)"),
    ("many-aliases", "a: &a x\nb: [" + ", ".join(["*a"] * (MAX_ALIASES + 1)) + "]\n", 2,
     f"too many YAML aliases (limit {MAX_ALIASES})"),
    ("too-many-values", "a: [" + "x," * MAX_VALUES + "]\n", 1, f"too many values in one file (limit {MAX_VALUES})"),
    ("recursive-alias", "a: &a [x, *a]\n", 1, "recursive YAML alias *a (it refers to a block that contains it)"),
    ("deep-flow-seq", "x: " + "[" * 5000 + "]" * 5000 + "\n", 1, f"nested too deeply (limit {MAX_DEPTH} levels)"),
    ("deep-flow-map", "x: " + "{a: " * 5000 + "1" + "}" * 5000 + "\n", 1,
     f"nested too deeply (limit {MAX_DEPTH} levels)"),
    ("deep-block", "".join(" " * i + "a:\n" for i in range(200)), MAX_DEPTH + 1,
     f"nested too deeply (limit {MAX_DEPTH} levels)"),
    ("deep-via-aliases", "".join(f"l{i}: &l{i} [[[[*l{i - 1}]]]]\n" if i else "l0: &l0 x\n" for i in range(40)),
     1, f"nested too deeply (limit {MAX_DEPTH} levels)"),
]


@pytest.mark.timeout(20)
@pytest.mark.parametrize(("name", "text", "line", "message"), FATAL, ids=[f[0] for f in FATAL])
@LOADERS
def test_hostile_structure_is_one_problem(
    tmp_path: Path, load: Loader, name: str, text: str, line: int, message: str
) -> None:
    path = _write(tmp_path, text)
    problems = load(path)
    assert len(problems) == 1, problems
    assert problems[0].path == str(path)
    assert problems[0].message == message
    if name != "deep-via-aliases":  # where expansion crosses the limit depends on the walk order
        assert problems[0].line == line


@LOADERS
def test_oversized_file_is_refused_before_parsing(tmp_path: Path, load: Loader) -> None:
    path = _write(tmp_path, "a: " + "x" * MAX_FILE_BYTES + "\n")
    assert [str(p) for p in load(path)] == [
        f"{path}:0: error: file is too large ({MAX_FILE_BYTES + 4} bytes; the limit is {MAX_FILE_BYTES})"
    ]


def test_oversized_text_is_refused_by_parse_yaml() -> None:
    _, _, problems = parse_yaml("a: " + "x" * MAX_FILE_BYTES, "x.yaml")
    assert [p.message for p in problems] == [f"text is too large (more than {MAX_FILE_BYTES} characters)"]


def test_endless_device_is_not_read_forever() -> None:
    assert [p.message for p in check_paths([Path("/dev/zero")]).problems] == ["not a regular file"]


def test_unusable_path_names_are_problems(tmp_path: Path) -> None:
    long_name = str(tmp_path / ("a" * 5000))
    problems = check_paths([long_name]).problems
    assert len(problems) == 1
    assert problems[0].path == long_name
    assert problems[0].message.startswith("cannot read file: ")


def test_control_characters_are_one_line(tmp_path: Path) -> None:
    path = _write(tmp_path, CAMPAIGN + "x: \x00\n")
    assert [str(p) for p in _via_campaign(path)] == [
        f"{path}:10: error: YAML syntax error: unacceptable character #x0000: special characters are not allowed"
    ]
    key = _write(tmp_path, CAMPAIGN + '"bad\\nkey\\e[31m": 1\n', "key.yaml")
    assert [str(p) for p in _via_campaign(key)] == [f"{key}:10: error: unknown key 'bad\\nkey\\x1b[31m'"]


def test_many_problems_are_capped(tmp_path: Path) -> None:
    text = "a: 1\n" * 1000
    problems = _via_check(_write(tmp_path, text))
    assert len(problems) <= 60
    assert problems[-1].message.startswith("too many problems in this file")


@pytest.mark.parametrize(
    ("ladder", "message"),
    [
        ("    - skip_level: 2\n", "escalation.ladder: ladder step 1: skip_level needs a manager step before it"),
        ("    - boss: 2\n",
         "escalation.ladder: ladder step 1: unknown 'boss'; use one of learner, manager, skip_level"),
        ("    - manager: 0\n", "escalation.ladder: ladder step 1: manager needs a whole number of working days "
                             "from 1 to 1000"),
        ("    - manager: 2\n    - learner: 1\n", "escalation.ladder: ladder step 2: learner reminders come before "
                                                "the managers"),
    ],
)
def test_a_bad_escalation_ladder_is_one_clear_problem(tmp_path: Path, ladder: str, message: str) -> None:
    path = _write(tmp_path, CAMPAIGN + "escalation:\n  ladder:\n" + ladder)
    problems = [str(p) for p in _via_campaign(path)]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:") and problems[0].endswith(f"error: {message}")
