"""`nudgebot chat --answer` on the console: choice numbers for multiple response, typed short and numeric replies,
and the export carrying each answer's response and score."""

from __future__ import annotations

from pathlib import Path

from tests.integration import test_cli as base
from tests.integration.test_cli import CAMPAIGN, LIBRARY, ROSTER, Run, export, ok

# The CLI fixtures of test_cli, shared: a pinned clock and this test's database.
env, cli = base.env, base.cli

AT = "2027-01-04T14:35:00Z"  # Monday 09:35 in New York, just after the first nudge


def _ready(cli: Run, tmp_path: Path) -> None:
    ok(cli("content", "publish", str(LIBRARY)))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(roster)))
    camp = tmp_path / "campaign.yaml"
    camp.write_text(CAMPAIGN.format(cid="pw", start="2027-01-04").replace("phishing-basics", "password-habits"),
                    encoding="utf-8")
    ok(cli("campaign", "apply", str(camp)))
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))


def test_chat_answers_multiple_response_and_typed_questions(cli: Run, tmp_path: Path) -> None:
    _ready(cli, tmp_path)
    waiting = ok(cli("chat", "--as", "leo@example.org", "--at", AT))
    assert "☐ Making it longer" in waiting and "--answer N,M (the numbers of every right choice, 1-4)" in waiting
    out = ok(cli("chat", "--as", "leo@example.org", "--answer", "1,3", "--at", AT))
    assert "Partly right (50%)" in out and "Making it longer; Swapping letters for symbols" in out
    assert "What is the name of the attack" in out and "Reply with your answer." in out
    out = ok(cli("chat", "--as", "leo@example.org", "--answer", "credentail stuffing", "--at", AT))
    assert "Correct!" in out and "Accepted as: credential stuffing" in out
    # Unit 1 is done; the next unit waits for tomorrow's nudge.
    assert "No open question right now." in ok(cli("chat", "--as", "leo@example.org", "--at", AT))
    rows = [(a["question"], a["choice"], a["correct"], a["score"], a["response"]) for a in export(cli, "answers")]
    assert rows == [("strong-signs", "Making it longer; Swapping letters for symbols, like @ for a", False, 0.5,
                     "1;3"),
                    ("attack-name", "credentail stuffing", True, 1.0, "credentail stuffing")]
    assert [a["choice_index"] for a in export(cli, "answers")] == [None, None]
