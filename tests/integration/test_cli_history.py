"""`nudgebot history PERSON [--search WORDS]` lists and searches the lessons a learner received."""

from __future__ import annotations

from pathlib import Path

from tests.integration.test_cli import Run, cli, env, nb, ok, one_line_error, ready  # noqa: F401 - fixtures


def test_history_lists_and_searches_received_lessons(cli: Run, nb: Run, ready: Path) -> None:  # noqa: F811
    assert "no lessons received yet" in ok(cli("history", "leo@example.org"))
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))
    ok(cli("tick", "--at", "2027-01-05T14:30:00Z"))
    listing = ok(cli("history", "leo@example.org"))
    first, second = listing.index("1/6: What phishing is"), listing.index("2/6: Check the sender")
    assert second < first  # newest first
    assert "2027-01-04 14:30" in listing and "smoke" in listing
    found = ok(cli("history", "leo@example.org", "--search", "invoice"))
    assert "What phishing is" in found and "Check the sender" not in found and "*invoice*" in found
    assert "no lessons match" in ok(cli("history", "leo@example.org", "--search", "unicorn"))
    assert "no lessons received yet" in ok(cli("history", "mia@example.org"))
    one_line_error(nb("history", "leo@example.org", "--search", "?!"), "--search")
    one_line_error(nb("history", "nobody@example.org"), "nobody@example.org")
