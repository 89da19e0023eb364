"""GIFT, Aiken and CSV importers: each syntax feature, errors by line, and no traceback for any input."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from content.importers import FORMATS, ImportFailed, import_file, import_text, parse
from content.importers.common import RawQuestion, html_to_text
from content.importers.spreadsheet import TEMPLATE_HEADER
from content.loader import load_track_file, parse_yaml
from content.schema import Track


def gift(text: str) -> list[RawQuestion]:
    parsed = parse(textwrap.dedent(text), "gift", "t.gift")
    assert parsed.errors == []
    return parsed.questions


def gift_errors(text: str) -> list[tuple[int, str]]:
    return [(e.line, e.message) for e in parse(textwrap.dedent(text), "gift", "t.gift").errors]


def test_gift_title_multiple_choice_and_per_answer_feedback() -> None:
    [q] = gift("::Colours:: Which is a primary colour? {=red # right ~green # no, a secondary ~orange}")
    assert (q.kind, q.name, q.prompt) == ("single", "Colours", "Which is a primary colour?")
    assert [(c.text, c.fraction, c.feedback) for c in q.choices] == [
        ("red", 1.0, "right"),
        ("green", 0.0, "no, a secondary"),
        ("orange", 0.0, None),
    ]


def test_gift_general_feedback_becomes_the_explanation() -> None:
    [q] = gift("Pick one {=a ~b ####Because a is first.}")
    assert q.explanation == "Because a is first."


def test_gift_true_false_spellings_and_feedback_for_each_answer() -> None:
    qs = gift(
        """
        Sky is blue {T}

        Sky is blue {TRUE}

        Grass is red {F#No: you said true.#Right: it is green.}

        Grass is red {FALSE####It is green.}
        """
    )
    assert [(q.kind, q.answer) for q in qs] == [("true_false", True)] * 2 + [("true_false", False)] * 2
    # GIFT gives feedback for the wrong answer first, then the right one.
    assert qs[2].tf_feedback == {True: "No: you said true.", False: "Right: it is green."}
    assert qs[3].explanation == "It is green."


def test_gift_weights_make_partial_credit_and_multiple_response() -> None:
    [single, multi] = gift(
        """
        Best? {=a ~%50%b ~c}

        Which are fruit? {~%50%apple ~%50%pear ~%-100%stone}
        """
    )
    assert [c.fraction for c in single.choices] == [1.0, 0.5, 0.0]
    assert multi.kind == "multiple_response"
    assert [c.fraction for c in multi.choices] == [0.5, 0.5, -1.0]
    result = import_text("Best? {=a#y ~%50%b#n ~c#n}\n\nWhich are fruit? {~%50%apple ~%50%pear ~%-100%stone}", "gift")
    assert result.questions_written == 2
    assert any('partial credit (50%) for "b" is dropped' in n for n in result.notes)
    fruit = result.track.units[0].questions[1]
    assert fruit.type == "multiple" and [c.correct for c in fruit.choices] == [True, True, False]


def test_gift_short_answer_and_numeric_are_parsed() -> None:
    short, exact, rng, multi = gift(
        """
        Who's buried in Grant's tomb? {=no one =%50%nobody#close}

        Pi? {#3.14:0.01}

        A number from 1 to 5? {#1..5}

        When was Grant born? {# =1822:0 =%50%1822:2 ~#Way off}
        """
    )
    assert short.kind == "short_answer" and short.answers == ["no one", "nobody"]
    assert [c.fraction for c in short.choices] == [1.0, 0.5]
    assert (exact.kind, exact.answers) == ("numeric", ["3.14:0.01"])
    assert rng.answers == ["1..5"]
    assert multi.answers == ["1822:0", "1822:2"] and multi.choices[-1].feedback == "Way off"


def test_gift_short_answer_and_numeric_become_native_kinds() -> None:
    result = import_text(
        "Who's buried in Grant's tomb? {=no one =%50%nobody#close}\n\nPi? {#3.14:0.01}\n\n"
        "A number from 1 to 5? {#1..5}\n\nWhen was Grant born? {# =1822:0 =%50%1822:2 ~#Way off}\n\n"
        "Two? {#=2:0 =%50%2:1}", "gift")
    short, pi, rng, born, two = [q for u in result.track.units for q in u.questions]
    assert (short.type, short.accept) == ("short", ["no one"])
    assert (pi.type, pi.answer, pi.tolerance) == ("numeric", 3.14, 0.01)
    assert (rng.min, rng.max, rng.answer) == (1, 5, None)
    assert (born.answer, born.tolerance, born.feedback) == (1822, None, {False: "Way off"})
    assert (two.answer, two.tolerance) == (2, None)
    assert any('partial credit (50%) for "nobody" is dropped' in n for n in result.notes)
    assert any('"Two?": partial credit (50%) for "2:1" is dropped' in n for n in result.notes)
    assert not any("skipped" in n for n in result.notes)


def test_gift_numeric_needs_numbers() -> None:
    assert gift_errors("Pi?\n{#three:0.1}") == [
        (2, "numeric answer 'three:0.1' must be N, N:tolerance or MIN..MAX with numbers")
    ]
    assert gift_errors("Pi? {#}")[0][1].startswith("a numeric question needs at least one answer")


def test_gift_escapes_keep_control_characters_literal() -> None:
    [q] = gift(r"What is 1 \= 1\: \{yes\} \~ \# ok\nnext line? {=a \~ b#it\#1 ~c}")
    assert q.prompt == "What is 1 = 1: {yes} ~ # ok\nnext line?"
    assert [(c.text, c.feedback) for c in q.choices] == [("a ~ b", "it#1"), ("c", None)]


def test_gift_comments_and_categories_group_questions_into_units() -> None:
    result = import_text(
        textwrap.dedent(
            """
            // a comment line is ignored
            $CATEGORY: $course$/top/Passwords

            Long passwords beat complex ones {T#no#yes}
            // a comment inside a block

            $CATEGORY: $course$/top/Phishing

            Urgency is a red flag {TRUE#no#yes}
            """
        ),
        "gift",
    )
    assert [u.title for u in result.track.units] == ["Passwords", "Phishing"]
    assert [u.id for u in result.track.units] == ["passwords", "phishing"]


def test_gift_markup_is_rendered_to_safe_plain_text() -> None:
    qs = gift(
        """
        [html]<p>Is <b>this</b> bold?</p><script>alert(1)</script>{T}

        [markdown]Is **this** bold?{T}

        [plain]Is <b>this</b> literal?{T}

        [moodle]Is <i>this</i> fine?{T}
        """
    )
    assert [q.prompt for q in qs] == ["Is this bold?", "Is **this** bold?", "Is <b>this</b> literal?", "Is this fine?"]
    assert html_to_text("a &amp; b<br>c &lt;d&gt; <img alt='pic' src=x>") == "a & b\nc <d> pic"


def test_gift_text_after_the_answers_makes_a_blank() -> None:
    [q] = gift("Grant is {=buried ~alive} in Grant's tomb.")
    assert q.prompt == "Grant is _____ in Grant's tomb."


def test_gift_essay_and_matching_are_skipped_with_one_line_each() -> None:
    text = "::E:: Tell me about you {}\n\n::M:: Match {=a -> 1 =b -> 2}\n\nOk? {T#n#y}"
    result = import_text(text, "gift", path="bank.gift")
    skips = [n for n in result.notes if "skipped" in n]
    assert skips == [
        'bank.gift:1: skipped essay question "E": essays do not fit chat',
        'bank.gift:3: skipped matching question "M": matching questions do not fit chat',
    ]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("Q?\n{=a", 2, "unbalanced braces"),
        ("Q?\n=a}", 2, "unbalanced braces"),
        ("Q? {~only}", 1, "at least 2 answers"),
        ("Q? {~a ~ ~b}", 1, "an answer is empty"),
        ("Q? {=a -> 1}", 1, "at least 2 pairs"),
        ("Q? {=a -> 1 =b}", 1, "'=item -> match'"),
        ("$CATEGORY: x\nQ? {T}", 1, "blank line after '$CATEGORY"),
    ],
)
def test_gift_invalid_questions_are_errors_with_their_line(text: str, line: int, message: str) -> None:
    [(got_line, got)] = gift_errors(text)
    assert got_line == line and message in got


def test_gift_single_choice_that_does_not_fit_the_schema_is_skipped() -> None:
    text = "Two right? {=a =b ~c}\n\nMany? {=1 ~2 ~3 ~4 ~5 ~6 ~7}\n\nOk? {T#n#y}"
    result = import_text(text, "gift")
    assert result.questions_written == 1
    assert any("2 fully right answers" in n for n in result.notes)
    assert any("it has 7 choices" in n for n in result.notes)


def test_units_hold_at_most_three_questions_split_evenly(tmp_path: Path) -> None:
    text = "\n\n".join(f"::Q{i}:: Statement {i} {{T#n#y}}" for i in range(7))
    result = import_text(text, "gift", track_id="seven", title="Seven")
    assert [len(u.questions) for u in result.track.units] == [3, 2, 2]
    assert [q.id for q in result.track.units[0].questions] == ["q0", "q1", "q2"]
    out = tmp_path / "seven.yaml"
    out.write_text(result.yaml_text, encoding="utf-8")
    assert load_track_file(out)[1] == []


def test_aiken_accepts_dot_labels_and_reports_a_bad_answer_letter() -> None:
    text = "Capital of France?\nA. Paris\nB. Rome\nANSWER: A\n\nOdd?\nA) x\nB) y\nANSWER: D\n"
    parsed = parse(text, "aiken", "a.txt")
    assert [q.prompt for q in parsed.questions] == ["Capital of France?"]
    assert [(e.line, e.message) for e in parsed.errors] == [(9, "'ANSWER: D' must name one of the options A to B")]


def write_csv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bank.csv"
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def test_csv_template_imports_units_choices_feedback_and_true_false(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path,
        """
        unit,why,lesson,question,A,A feedback,B,B feedback,answer,explanation
        Passwords,Stolen passwords cause most breaches.,Use a manager.,Best password?,Long phrase,Yes,P@ss1,No,A,
        ,,,Reuse is fine.,,Reuse spreads one leak.,,Right.,FALSE,
        Phishing,,,Urgent mail is safe.,,,,,false,Urgency is a pressure tactic.
        """,
    )
    result = import_file(source, "csv")
    units = result.track.units
    assert [(u.title, u.why, u.lesson) for u in units] == [
        ("Passwords", "Stolen passwords cause most breaches.", "Use a manager."),
        ("Phishing", None, "TODO(author): write the lesson for this unit, a few sentences under 150 words."),
    ]
    best, reuse = units[0].questions
    assert best.correct_index == 0 and best.choices[1].feedback == "No"
    assert (reuse.type, reuse.answer, reuse.feedback) == (
        "true_false",
        False,
        {True: "Reuse spreads one leak.", False: "Right."},
    )
    assert units[1].questions[0].explanation == "Urgency is a pressure tactic."


def test_csv_semicolons_and_errors_name_the_row_line(tmp_path: Path) -> None:
    source = write_csv(
        tmp_path,
        """
        question;A;B;C;answer;notes
        Fine?;yes;no;;A;x
        Gap?;yes;;maybe;A;
        Which?;yes;no;;E;
        "Multi
        line?";yes;no;;TRUE;
        """,
    )
    with pytest.raises(ImportFailed) as caught:
        import_file(source, "csv")
    assert [(p.line, p.message) for p in caught.value.problems] == [
        (3, "choice B is empty but a later choice is filled in"),
        (4, "'answer' must be a letter A to B or TRUE/FALSE (got 'E')"),
        (5, "a TRUE/FALSE question takes no choices: leave the A-F cells empty"),
    ]
    result = import_file(source, "csv", stop_on_error=False)
    assert result.notes[0] == f"{source}:1: ignored column(s) 'notes'"
    assert TEMPLATE_HEADER[:4] == ["unit", "why", "lesson", "question"]


def test_files_that_cannot_be_read_are_clean_errors(tmp_path: Path) -> None:
    with pytest.raises(ImportFailed, match="file not found"):
        import_file(tmp_path / "nope.gift", "gift")
    (tmp_path / "latin.txt").write_bytes("Caf\u00e9?\nA) oui\nB) non\nANSWER: A\n".encode("latin-1"))
    with pytest.raises(ImportFailed, match=r"latin.txt:1: error: not UTF-8 text"):
        import_file(tmp_path / "latin.txt", "aiken")
    with pytest.raises(ImportFailed, match="unknown format 'qti'"):
        import_text("x", "qti")
    with pytest.raises(ImportFailed, match="no question could be imported"):
        import_text("// only a comment\n", "gift")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    fmt=st.sampled_from(sorted(FORMATS)),
    text=st.text(alphabet=st.sampled_from(list('{}~=#:%\\/-> \n\r\t.,;"ABTFRUE01[]<>$CATEGORYhtml')) | st.characters()),
)
def test_any_text_gives_a_result_or_a_clean_error(fmt: str, text: str) -> None:
    try:
        result = import_text(text, fmt, stop_on_error=False)
    except ImportFailed as exc:
        assert exc.problems and all(isinstance(p.line, int) for p in exc.problems)
    else:
        assert result.questions_written >= 1
        # Whatever was imported must load back as the very same track.
        data, _, problems = parse_yaml(result.yaml_text, "out.yaml")
        assert problems == []
        assert Track.model_validate(data) == result.track


_WORDS = st.lists(
    st.sampled_from(["a", "b c", "é", "<b>x</b>", "&amp;", r"\~", r"\=", r"\n", r"\#", ": x", "- y", "'", '"', "null"]),
    max_size=4,
).map("".join)
_ANSWER = st.tuples(st.sampled_from(["=", "~", "~%50%", "~%100%", "=%-25%", ""]), _WORDS, _WORDS).map(
    lambda t: f"{t[0]}{t[1]}#{t[2]}" if t[2] else t[0] + t[1]
)
_BODY = st.one_of(
    st.sampled_from(["T", "F", "TRUE#no#yes", "", "#1..5", "#3:x"]),
    st.lists(_ANSWER, max_size=7).map(" ".join),
)
_BLOCK = st.one_of(
    st.tuples(st.sampled_from(["", "::N::", "[html]", "[markdown]"]), _WORDS, _BODY, _WORDS).map(
        lambda t: f"{t[0]}{t[1]}{{{t[2]}}}{t[3]}"
    ),
    _WORDS.map(lambda w: f"$CATEGORY: {w}"),
)


@settings(max_examples=200, deadline=None)
@given(blocks=st.lists(_BLOCK, min_size=1, max_size=8))
def test_gift_shaped_input_imports_to_a_track_that_loads_back(blocks: list[str]) -> None:
    try:
        result = import_text("\n\n".join(blocks), "gift", stop_on_error=False)
    except ImportFailed as exc:
        assert exc.problems
        return
    data, _, problems = parse_yaml(result.yaml_text, "out.yaml")
    assert problems == []
    assert Track.model_validate(data) == result.track
    assert all(len(u.questions) <= 3 for u in result.track.units)


def test_the_documented_csv_and_aiken_examples_import() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "importing.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```\n(.*?)```", doc, re.S)
    assert import_text(blocks[1], "aiken").questions_written == 1
    result = import_text(blocks[-1], "csv")
    assert [len(u.questions) for u in result.track.units] == [2]
    assert result.track.units[0].why == "Stolen passwords cause most breaches."
