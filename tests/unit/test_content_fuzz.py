"""Fuzzing the content loader and campaign parser: any input ends in success or clean problems."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.campaign import CampaignSpec
from content.loader import ContentError, Problem, check_paths, load_campaign_file, load_track_file
from content.schema import Track

CAMPAIGN = """\
id: phishing-q1
title: Phishing, first quarter
track: phishing-basics
audience:
  emails: [a@example.org, b@example.org]
schedule:
  days: [mon, wed, fri]
  at: 9:30
  start: 2027-01-04
  end: 2027-03-31
escalation:
  remind_after: 2
  manager_after: 4
digest:
  day: mon
  at: "08:30"
"""

TRACK = """\
id: demo
title: Demo track
units:
  - id: one
    title: One
    lesson: |
      First lesson.
    questions:
      - id: q-one
        prompt: Pick A.
        choices:
          - text: A
            correct: true
            feedback: Yes.
          - text: B
  - id: two
    title: Two
    lesson: Second lesson.
    questions:
      - id: q-two
        type: true_false
        prompt: Is it true?
        answer: false
        feedback:
          true: Wrong.
          false: Right.
"""

# Pieces that tend to upset YAML parsers and the code after them.
TOKENS = [
    "&a ", "*a", "&b [*a, *a, *a]", "!!python/object:os.system ", "!!float ", "!!int ", "!!bool ",
    "!!timestamp ", "!!binary ", "!!set ", "!!str ", "!foo ", "! ", "<<: *a", "? ", ": ", "- ", "[", "]",
    "{", "}", ",", "|", ">-", '"', "'", "#", "\t", "\n", "\r\n", " " * 7, "~", "null", "yes", "no", "=",
    "2027-02-30", "9:99", "0x" + "f" * 40, "9" * 5000, "1e999", ".nan", "-.inf", "%YAML 1.1\n", "---\n",
    "...\n", "\ufeff", "\x00", "\x1b[31m", "é", "\U0001f600", "@", "`",
]


@st.composite
def mutated(draw: st.DrawFn, sample: str) -> str:
    """Apply a few insertions, deletions and line shuffles to a valid sample."""
    text = sample
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "dup-line", "swap-lines"]))
        if kind == "insert":
            piece = draw(st.sampled_from(TOKENS) | st.text(max_size=8))
            text = text[:pos] + piece + text[pos:]
        elif kind == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)) :]
        else:
            lines = text.split("\n")
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            if kind == "dup-line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


FUZZ = settings(
    max_examples=150,
    deadline=None,  # no timing assertions; the loader's own limits bound the work
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def _assert_clean(problems: list[Problem], path: Path) -> None:
    for p in problems:
        assert isinstance(p, Problem)
        assert p.path == str(path)
        assert p.line >= 0
        assert p.message
        assert "\n" not in str(p) and "\r" not in str(p)


def _load_everything(path: Path) -> None:
    # Each loader must end in a result or clean problems; anything else escapes and fails the test.
    track, problems, _ = load_track_file(path)
    _assert_clean(problems, path)
    assert (track is None) == bool(problems)
    assert track is None or isinstance(track, Track)

    try:
        spec = load_campaign_file(path)
    except ContentError as exc:
        assert exc.problems
        _assert_clean(exc.problems, path)
    else:
        assert isinstance(spec, CampaignSpec)

    result = check_paths([path])
    _assert_clean(result.problems, path)


@pytest.fixture
def target(tmp_path: Path) -> Path:
    return tmp_path / "fuzz.yaml"


@FUZZ
@given(text=st.text(max_size=400))
def test_arbitrary_text(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_everything(target)


@FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes(target: Path, data: bytes) -> None:
    target.write_bytes(data)
    _load_everything(target)


@FUZZ
@given(text=mutated(CAMPAIGN))
def test_mutated_campaign(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_everything(target)


@FUZZ
@given(text=mutated(TRACK))
def test_mutated_track(target: Path, text: str) -> None:
    target.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load_everything(target)


def test_samples_are_valid(target: Path) -> None:
    target.write_text(CAMPAIGN, encoding="utf-8")
    assert load_campaign_file(target).schedule.days == ["mon", "wed", "fri"]
    target.write_text(TRACK, encoding="utf-8")
    track, problems, _ = load_track_file(target)
    assert track is not None and not problems
