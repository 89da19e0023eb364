"""Block Kit rendering and request translation: pure functions, no network."""

from __future__ import annotations

import json

from bot.channels.slack.events import answer_event, command_event, profile_event
from bot.channels.slack.home_view import HomeData, TeamLine, home_view
from bot.channels.slack.render import render, table_text, to_mrkdwn
from core.ports import Button, OutboundMessage, Outcome


def test_markdown_becomes_mrkdwn() -> None:
    assert to_mrkdwn("**Phishing** is _bad_") == "*Phishing* is _bad_"
    link = to_mrkdwn("see [the policy](https://x.example/p?a=1&b=2)")
    assert link == "see <https://x.example/p?a=1&amp;b=2|the policy>"
    assert to_mrkdwn("a < b && c > d") == "a &lt; b &amp;&amp; c &gt; d"
    assert to_mrkdwn("- one\n- **two**") == "• one\n• *two*"
    assert to_mrkdwn("# Title\ntext") == "*Title*\ntext"
    assert to_mrkdwn("*already slack bold*") == "*already slack bold*"
    assert to_mrkdwn("[<b>](https://e.example/x) <script>") == "<https://e.example/x|&lt;b&gt;> &lt;script&gt;"


def test_lesson_has_a_header_and_sections_within_limits() -> None:
    msg = OutboundMessage(kind="lesson", title="Spotting phishing · 1/6: What phishing is",
                          text="**Phishing** is a trick.\n\n" + ("word " * 900))
    out = render(msg)
    assert out["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                                            "text": "Spotting phishing · 1/6: What phishing is"}}
    sections = [b for b in out["blocks"] if b["type"] == "section"]
    assert len(sections) >= 2 and all(len(b["text"]["text"]) <= 3000 for b in sections)
    assert sections[0]["text"]["text"].startswith("*Phishing* is a trick.")
    assert out["text"].startswith("Spotting phishing")


def test_question_has_one_button_per_choice_and_a_readable_fallback() -> None:
    msg = OutboundMessage(kind="question", title="Question", text="What does phishing want?",
                          buttons=(Button("Your action", "a:7:0"), Button("Nothing", "a:7:1"),
                                   Button("Your <data> & more", "a:7:2")), footer="Reminder: 2 waiting")
    out = render(msg)
    [actions] = [b for b in out["blocks"] if b["type"] == "actions"]
    assert [e["value"] for e in actions["elements"]] == ["a:7:0", "a:7:1", "a:7:2"]
    assert len({e["action_id"] for e in actions["elements"]}) == 3
    assert actions["elements"][2]["text"]["text"] == "Your <data> & more"  # plain_text is not escaped
    assert out["blocks"][-1]["type"] == "context"
    assert "What does phishing want?" in out["text"]
    assert "A) Your action; B) Nothing; C) Your &lt;data&gt; &amp; more" in out["text"]


def test_long_choices_are_listed_in_full_and_buttons_lettered() -> None:
    long = "Take an action that helps the attacker, such as clicking, logging in or paying an invoice"
    out = render(OutboundMessage(kind="question", text="Q?", buttons=(Button(long, "a:1:0"), Button("No", "a:1:1"))))
    [section] = [b for b in out["blocks"] if b["type"] == "section"]
    assert f"*A.* {long}" in section["text"]["text"]
    labels = [e["text"]["text"] for e in out["blocks"][-1]["elements"]]
    assert labels[0].startswith("A. Take an action") and len(labels[0]) <= 75 and labels[1] == "B. No"


def test_feedback_marks_the_choice_and_has_no_buttons() -> None:
    right = Outcome(chosen="Report it", correct=True, correct_choice="Report it", feedback="Well done.",
                    explanation="Reporting **fast** helps everyone.")
    wrong = Outcome(chosen="Click", correct=False, correct_choice="Report it", feedback="Clicking is the risk.",
                    explanation="")
    r = render(OutboundMessage(kind="feedback", title="Question", text="x", outcome=right))
    w = render(OutboundMessage(kind="feedback", title="Question", text="x", outcome=wrong))
    assert all(b["type"] != "actions" for b in r["blocks"] + w["blocks"])
    rt = " ".join(b["text"]["text"] for b in r["blocks"])
    wt = " ".join(b["text"]["text"] for b in w["blocks"])
    assert rt.startswith("✅") and "Well done." in rt and "*Explanation:* Reporting *fast* helps" in rt
    assert wt.startswith("❌") and "The correct answer is: *Report it*" in wt and "Clicking is the risk." in wt
    assert "Not quite (correct answer: Report it)" in w["text"]


def test_digest_table_is_preformatted_and_aligned() -> None:
    rows = (("Learner", "Answered", "Accuracy"), ("Ada Lovelace", "3/4", "75%"), ("Bob", "0/4", "–"))
    lines = table_text(rows)
    assert lines[0].index("Answered") == lines[2].index("3/4") == lines[3].index("0/4")
    out = render(OutboundMessage(kind="digest", title="Weekly digest", text="Hi **Grace**", table=rows))
    pre = [b for b in out["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("```")]
    assert len(pre) == 1 and "Ada Lovelace" in pre[0]["text"]["text"]
    big = render(OutboundMessage(kind="digest", text="x", table=rows[:1] + tuple(
        (f"Learner {i}", "1/1", "100%") for i in range(400))))
    pre = [b for b in big["blocks"] if b["type"] == "section" and b["text"]["text"].startswith("```")]
    assert len(pre) > 1 and all(len(b["text"]["text"]) <= 3000 for b in pre)
    assert all("Learner  " in b["text"]["text"].splitlines()[0] for b in pre)  # header repeated


def test_home_view_for_a_manager_lists_the_team() -> None:
    view = home_view(HomeData(name="Grace Hopper", team=[TeamLine("Ada", 3, 4, 0.75, 2, "active")]))
    text = json.dumps(view)
    assert view["type"] == "home" and "Your team" in text and "Ada" in text and "75%" in text
    assert "Your team" not in json.dumps(home_view(HomeData(name="Ada")))


def test_block_actions_payload_becomes_an_answer() -> None:
    body = {"type": "block_actions", "user": {"id": "U1", "username": "ada"},
            "container": {"type": "message", "message_ts": "171.0001", "channel_id": "D1"},
            "actions": [{"action_id": "a:1", "value": "a:12:1", "type": "button"}]}
    event = answer_event(body)
    assert event is not None
    assert (event.sender.channel, event.sender.user_id, event.action, event.message_ref) == (
        "slack", "U1", "a:12:1", "D1:171.0001")
    assert answer_event({"type": "block_actions", "user": {"id": "U1"}, "actions": []}) is None


def test_slash_command_text_becomes_a_command() -> None:
    c = command_event({"user_id": "U1", "text": "  pause 3 ", "command": "/nudge"})
    assert (c.command, c.args, c.sender.user_id) == ("pause", ["3"], "U1")
    assert command_event({"user_id": "U1", "text": ""}).command == "help"
    assert command_event({"user_id": "U1", "text": "timezone Europe/Berlin"}).args == ["Europe/Berlin"]


def test_user_object_becomes_a_profile_change() -> None:
    p = profile_event({"id": "U1", "tz": "Asia/Tokyo", "locale": "ja-JP", "deleted": False})
    assert (p.timezone, p.locale, p.deleted, p.sender.language) == ("Asia/Tokyo", "ja-JP", False, "ja")
    assert profile_event({"id": "U1", "deleted": True, "tz": None}).deleted
