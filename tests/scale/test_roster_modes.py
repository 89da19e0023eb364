"""Roster robustness and the --full mode, through the real command line on SQLite."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.db import Database
from core.models import Enrollment, Person
from tests.integration.test_cli import LIBRARY, Run, export, ok, one_line_error

HEADER = "email,name,timezone,locale,manager_email,roles\n"
TEAM = (HEADER + "mia@example.org,Mia,Europe/Berlin,en,,manager\n"
        "leo@example.org,Leo,Europe/Berlin,en,mia@example.org,learner\n"
        "ada@example.org,Ada,Asia/Tokyo,en,mia@example.org,learner\n")
CAMPAIGN = """id: drill
track: phishing-basics
audience:
  all: true
schedule:
  days: [mon, tue, wed, thu, fri]
  at: "09:30"
  start: 2027-01-04
"""


def status_of(cli: Run) -> dict[str, str]:
    return {r["email"]: r["status"] for r in export(cli, "people", "json")}


def enrollments(env: dict[str, str]) -> dict[str, str]:
    """Return {email: enrollment status} in the drill campaign."""
    db = Database(env["DATABASE_URL"])
    with db.session() as s:
        rows = s.execute(select(Person.email, Enrollment.status).join(Enrollment, Enrollment.person_id == Person.id))
        out = {email: status for email, status in rows}
    db.dispose()
    return out


def test_a_roster_that_is_not_utf8_is_one_clear_line(nb: Run, tmp_path: Path) -> None:
    roster = tmp_path / "latin1.csv"
    roster.write_bytes((HEADER + "jose@example.org,José,Europe/Madrid,es,,learner\n").encode("latin-1"))
    one_line_error(nb("people", "import", str(roster)), f"{roster}:2:", "not UTF-8")


def test_a_row_with_more_fields_than_the_header_names_its_line(nb: Run, cli: Run, tmp_path: Path) -> None:
    roster = tmp_path / "extra.csv"
    roster.write_text(TEAM + "bob@example.org,Bob,Europe/Berlin,en,,learner,surplus\n", encoding="utf-8")
    one_line_error(nb("people", "import", str(roster)), f"{roster}:5:", "7 fields", "header has 6")
    assert export(cli, "people", "json") == []  # nothing applied


def test_full_import_marks_missing_people_left_and_brings_them_back(cli: Run, env: dict[str, str],
                                                                    tmp_path: Path) -> None:
    roster = tmp_path / "team.csv"
    roster.write_text(TEAM, encoding="utf-8")
    ok(cli("content", "publish", str(LIBRARY / "phishing-basics.yaml")))
    assert "update: people missing from the file are untouched): 3 created" in ok(cli("people", "import", str(roster)))
    campaign = tmp_path / "drill.yaml"
    campaign.write_text(CAMPAIGN, encoding="utf-8")
    ok(cli("campaign", "apply", str(campaign)))
    assert enrollments(env) == {"leo@example.org": "active", "ada@example.org": "active"}
    ok(cli("tick", "--at", "2027-01-04T09:35:00Z"))  # Leo gets Monday's nudge: history to keep

    smaller = tmp_path / "smaller.csv"
    smaller.write_text(TEAM.replace("ada@example.org,Ada,Asia/Tokyo,en,mia@example.org,learner\n", ""), "utf-8")
    # Without --full, Ada is untouched.
    out = ok(cli("people", "import", str(smaller)))
    assert "(update: people missing from the file are untouched): 0 created, 0 updated, 2 unchanged." in out
    assert status_of(cli)["ada@example.org"] == "active"
    # With --full (the HR export), Ada leaves: her enrollment stops, her history stays.
    out = ok(cli("people", "import", str(smaller), "--full"))
    assert "(full import: people missing from the file are marked left): 0 created, 0 updated, 2 unchanged, " \
           "1 marked left." in out
    assert status_of(cli) == {"mia@example.org": "active", "leo@example.org": "active", "ada@example.org": "left"}
    assert enrollments(env) == {"leo@example.org": "active", "ada@example.org": "left"}
    assert any("leo@example.org" in r.values() for r in export(cli, "deliveries"))
    # In the file again: she is back, and so is her enrollment.
    out = ok(cli("people", "import", str(roster), "--full"))
    assert "0 marked left, 1 back from having left." in out
    assert status_of(cli)["ada@example.org"] == "active"
    assert enrollments(env) == {"leo@example.org": "active", "ada@example.org": "active"}


def test_full_import_needs_every_manager_in_the_file(nb: Run, cli: Run, tmp_path: Path) -> None:
    roster = tmp_path / "team.csv"
    roster.write_text(TEAM, encoding="utf-8")
    ok(cli("people", "import", str(roster)))
    reports_only = tmp_path / "reports.csv"
    reports_only.write_text(HEADER + "leo@example.org,Leo,Europe/Berlin,en,mia@example.org,learner\n", "utf-8")
    one_line_error(nb("people", "import", str(reports_only), "--full"), f"{reports_only}:2: manager_email:",
                   "--full")
    assert status_of(cli)["mia@example.org"] == "active"
