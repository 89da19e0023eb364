"""Rendering neutral messages as Telegram HTML: formatting, escaping, splitting, keyboards."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.channels.telegram.render import MAX_TEXT, inline, keyboard, plain, render, utf16_len
from core.ports import Button, OutboundMessage, Outcome
from tests.telegram.text_rules import html_text


def test_markdown_becomes_telegram_html() -> None:
    msg = OutboundMessage(kind="lesson", title="Phishing 101 · 1/3", text=(
        "Check the **sender** and *domain*.\n\n_Why it matters:_ attackers <spoof> names & logos.\n"
        "- hover links\n• use `Report` button\nSee [the policy](https://example.com/p?a=1&b=2)."),
        footer="Reply /pause to take a break")
    [part] = render(msg)
    assert part.reply_markup is None
    assert part.text.startswith("<b>Phishing 101 · 1/3</b>\n\n")
    assert "Check the <b>sender</b> and <b>domain</b>." in part.text
    assert "<i>Why it matters:</i> attackers &lt;spoof&gt; names &amp; logos." in part.text
    assert "\n• hover links\n• use <code>Report</code> button" in part.text
    assert '<a href="https://example.com/p?a=1&amp;b=2">the policy</a>' in part.text
    assert part.text.endswith("<i>Reply /pause to take a break</i>")
    assert html_text(part.text)[1] == []


def test_snake_case_and_lone_markers_stay_literal() -> None:
    assert inline("use my_var_name and 2 * 3 * 4") == "use my_var_name and 2 * 3 * 4"
    assert inline("a <b> tag") == "a &lt;b&gt; tag"


def test_crossing_markers_never_produce_crossed_tags() -> None:
    out = inline("*a _b* c_ and _x *y_ z*")
    assert html_text(out)[1] == []


def test_question_gets_one_button_per_choice() -> None:
    msg = OutboundMessage(kind="question", title="Question", text="Which link is safe?",
                          buttons=(Button("https://bank.example", "a:12:0"), Button("bank-login.biz", "a:12:1")))
    [part] = render(msg)
    assert part.reply_markup == {"inline_keyboard": [[{"text": "https://bank.example", "callback_data": "a:12:0"}],
                                                     [{"text": "bank-login.biz", "callback_data": "a:12:1"}]]}


def test_callback_data_over_64_bytes_is_refused() -> None:
    with pytest.raises(AssertionError):
        keyboard((Button("x", "ä" * 33),))
    assert keyboard((Button("x", "a" * 64),)) is not None


def test_feedback_without_text_is_built_from_the_outcome() -> None:
    msg = OutboundMessage(kind="feedback", text="", outcome=Outcome(
        chosen="bank-login.biz", correct=False, correct_choice="https://bank.example",
        feedback="Look-alike domain.", explanation="Check the registered domain."))
    [part] = render(msg)
    assert "Your answer: bank-login.biz" in part.text
    assert "❌ Not quite. The correct answer is: https://bank.example" in part.text
    assert "Look-alike domain." in part.text and "Check the registered domain." in part.text


def test_digest_table_is_aligned_monospace() -> None:
    msg = OutboundMessage(kind="digest", title="Weekly digest", text="Hi Max",
                          table=(("Learner", "Answered"), ("Ada <admin>", "3/3"), ("Bo", "0/3")))
    [part] = render(msg)
    assert ("<pre>Learner      Answered\n-----------  --------\nAda &lt;admin&gt;  3/3\n"
            "Bo           0/3</pre>") in part.text


def test_long_message_splits_on_paragraphs_with_buttons_on_the_last_part() -> None:
    paragraphs = [f"Paragraph {i}: " + "*word* " * 120 for i in range(20)]
    msg = OutboundMessage(kind="lesson", title="Long", text="\n\n".join(paragraphs),
                          buttons=(Button("OK", "a:1:0"),))
    parts = render(msg)
    assert len(parts) > 1
    assert all(utf16_len(p.text) <= MAX_TEXT for p in parts)
    assert [p.reply_markup is not None for p in parts] == [False] * (len(parts) - 1) + [True]
    for p in parts:
        assert html_text(p.text)[1] == []
        assert p.text.startswith(("<b>Long</b>", "Paragraph"))  # a part starts at a paragraph
    assert sum(plain(p.text).count("Paragraph") for p in parts) == 20


def test_one_huge_line_and_one_huge_word_are_cut_cleanly() -> None:
    msg = OutboundMessage(kind="info", text="**bold** " * 1500 + "x" * 9000 + " 😀" * 3000)
    parts = render(msg)
    assert all(utf16_len(p.text) <= MAX_TEXT for p in parts)
    assert all(html_text(p.text)[1] == [] for p in parts)
    visible = "".join(plain(p.text) for p in parts)
    assert visible.count("x") == 9000 and visible.count("😀") == 3000


markdownish = st.lists(st.sampled_from(list("ab <>&*_`[]()#-•\n😀é") + ["**", "http://x.y", "\n\n", "abcdefgh"]),
                       max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(markdownish, st.integers(min_value=60, max_value=400))
def test_any_text_renders_to_valid_html_within_the_limit(text: str, limit: int) -> None:
    msg = OutboundMessage(kind="info", title="T&C", text=text, footer="<small>")
    for part in render(msg, limit=limit):
        visible, errors = html_text(part.text)
        assert errors == []
        assert utf16_len(part.text) <= limit
        assert visible.strip()
