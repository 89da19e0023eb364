"""`nudgebot content import` end to end: the YAML written, the notes printed, `content check` naming the gaps."""

from __future__ import annotations

from pathlib import Path

import yaml

from content.importers import PLACEHOLDER
from tests.integration import test_cli as base
from tests.integration.test_cli import Run, ok, one_line_error

# The CLI fixtures of test_cli, shared: a pinned clock and this test's database.
env, cli, nb = base.env, base.cli, base.nb

GIFT = """// a comment
$CATEGORY: $course$/Security/Phishing

::Sender:: Who should you check first in a suspicious email? {
=The sender's address # Look-alike domains give most phish away.
~The subject line # Subjects are easy to fake.
}

::Essay:: Describe a phishing attempt you saw. {}
"""

AIKEN_BAD = """What port does HTTPS use?
A. 80
B. 443
ANSWER: Z
"""


def test_gift_import_writes_yaml_prints_notes_and_check_names_the_placeholder(cli: Run, tmp_path: Path) -> None:
    bank = tmp_path / "bank.gift"
    bank.write_text(GIFT, encoding="utf-8")
    target = tmp_path / "draft.yaml"
    printed = ok(cli("content", "import", str(bank), "--format", "gift", "-o", str(target)))
    assert "skipped" in printed and "Essay" in printed  # the essay is named on its own line
    assert "1 of 2 question(s) written" in printed
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert data["units"][0]["questions"][0]["id"] == "sender"
    code, out, err = cli("content", "check", str(target))
    assert code == 1
    text = out + err
    assert "track has no objective" in text
    placeholder_lines = [ln for ln in text.splitlines() if PLACEHOLDER in ln and "placeholder" in ln]
    assert len(placeholder_lines) == 1, text
    assert placeholder_lines[0].startswith(f"{target}:") and ".lesson" in placeholder_lines[0]


def test_import_to_stdout_keeps_the_yaml_clean(cli: Run, tmp_path: Path) -> None:
    bank = tmp_path / "bank.gift"
    bank.write_text(GIFT, encoding="utf-8")
    code, out, err = cli("content", "import", str(bank), "--format", "gift")
    assert code == 0
    assert yaml.safe_load(out)["id"] == "bank"
    assert "note:" in err and "note:" not in out


def test_invalid_bank_fails_with_one_line_per_problem_and_writes_nothing(nb: Run, tmp_path: Path) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text(AIKEN_BAD, encoding="utf-8")
    target = tmp_path / "out.yaml"
    line = one_line_error(nb("content", "import", str(bank), "--format", "aiken", "-o", str(target)))
    assert line.startswith(f"{bank}:4:")
    assert not target.exists()


def test_keep_going_skips_the_invalid_question_and_names_it(nb: Run, tmp_path: Path) -> None:
    bank = tmp_path / "bank.txt"
    bank.write_text(AIKEN_BAD + "\nIs 2FA worth it?\nA. Yes\nB. No\nANSWER: A\n", encoding="utf-8")
    target = tmp_path / "out.yaml"
    code, _out, err = nb("content", "import", str(bank), "--format", "aiken", "-o", str(target), "--keep-going")
    assert code == 0
    assert f"{bank}:4:" in err and "(skipped)" in err
    assert len(yaml.safe_load(target.read_text(encoding="utf-8"))["units"][0]["questions"]) == 1


def test_not_utf8_is_refused_with_its_line(nb: Run, tmp_path: Path) -> None:
    bank = tmp_path / "bank.gift"
    bank.write_bytes("Q1 {=ja ~nein}\n\nWas kostet das? {=5 € ~6}\n".encode("cp1252"))
    one_line_error(nb("content", "import", str(bank), "--format", "gift"), "bank.gift:3:", "not UTF-8")


def test_unknown_format_and_missing_file_are_one_line(nb: Run, tmp_path: Path) -> None:
    code, _out, err = nb("content", "import", str(tmp_path / "none.gift"), "--format", "gift")
    assert code == 1 and "file not found" in err and "Traceback" not in err
    code, _out, err = nb("content", "import", str(tmp_path / "none.gift"), "--format", "xml")
    assert code != 0 and "Traceback" not in err
