"""Audiences by roster attributes, `except:`, a manager's tree, Slack user groups, and `apply --dry-run`."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.integration import test_cli
from tests.integration.test_cli import LIBRARY, Run, ok, one_line_error
from tests.slack.emulator import TOKEN, SlackEmulator

# The CLI fixtures of test_cli (pytest finds fixtures by module attribute).
env, cli, nb = test_cli.env, test_cli.cli, test_cli.nb

ROSTER = """email,name,timezone,locale,manager_email,roles,slack_id,telegram_id,department,location,groups
boss@example.org,Bea Boss,Europe/Berlin,en,,manager,,,Exec,Berlin,
mia@example.org,Mia Manager,America/New_York,en,boss@example.org,manager;learner,UMIA,,Sales,New York,leads
leo@example.org,Leo Learner,America/New_York,en,mia@example.org,learner,ULEO,,Sales,New York,
lia@example.org,Lia Learner,Europe/Berlin,en,mia@example.org,learner,,,Sales,Berlin,contractors
max@example.org,Max Learner,Asia/Tokyo,en,boss@example.org,learner,UMAX,,Support,Tokyo,
oz@example.org,Oz Outsider,Europe/Berlin,en,,learner,,,Sales,Berlin,
"""

CAMPAIGN = """id: {cid}
track: phishing-basics
audience:
{audience}
schedule:
  days: [mon, wed]
  at: "09:30"
  start: 2027-01-04
"""


@pytest.fixture
def roster(cli: Run, tmp_path: Path) -> Path:
    ok(cli("content", "publish", str(LIBRARY)))
    path = tmp_path / "roster.csv"
    path.write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(path)))
    return tmp_path


def write(tmp: Path, cid: str, audience: str) -> str:
    path = tmp / f"{cid}.yaml"
    path.write_text(CAMPAIGN.format(cid=cid, audience=audience), encoding="utf-8")
    return str(path)


def enrolled(db: Path, cid: str) -> set[str]:
    con = sqlite3.connect(db)
    try:
        rows = con.execute("select p.email from enrollments e join people p on p.id = e.person_id "
                           "where e.campaign_id = ? and e.status = 'active'", (cid,)).fetchall()
    finally:
        con.close()
    return {r[0].split("@")[0] for r in rows}


def dump(db: Path) -> dict[str, list[Any]]:
    con = sqlite3.connect(db)
    try:
        tables = [r[0] for r in con.execute("select name from sqlite_master where type = 'table'")]
        return {t: sorted(map(repr, con.execute(f"select * from {t}").fetchall())) for t in tables}
    finally:
        con.close()


@pytest.mark.parametrize(("audience", "expected"), [
    ("  managers: [boss@example.org]", {"mia", "leo", "lia", "max"}),
    ("  managers: [boss@example.org]\n  except:\n    groups: [Contractors]", {"mia", "leo", "max"}),
    ("  departments: [sales]\n  locations: [Berlin]", {"lia", "oz"}),
    ("  departments: [Sales, Support]\n  except:\n    managers: [mia@example.org]", {"mia", "max", "oz"}),
    ("  all: true\n  except:\n    locations: [Berlin, Tokyo]", {"mia", "leo"}),
    ("  groups: [leads]", {"mia"}),
    ("  roles: [manager]\n  except:\n    emails: [MIA@example.org]", {"boss"}),
    ("  emails: [boss@example.org, leo@example.org]", {"boss", "leo"}),
])
def test_audience_selects_by_roster_attributes(cli: Run, roster: Path, db_path: Path, audience: str,
                                               expected: set[str]) -> None:
    ok(cli("campaign", "apply", write(roster, "c", audience)))
    assert enrolled(db_path, "c") == expected


@pytest.mark.parametrize(("audience", "fragments"), [
    ("  all: true\n  departments: [Sales]", ("audience", "cannot be combined with departments")),
    ("  departments: []", ("audience.departments", "list at least one value under departments")),
    ("  managers: [boss]", ("audience.managers", "not an email address: boss")),
    ("  all: true\n  except: {}", ("audience.except", "needs at least one of")),
    ("  teams: [a]", ("audience: unknown key 'teams'",)),
    ("  except:\n    all: true", ("audience",)),
])
def test_bad_audience_is_one_line_naming_the_field(nb: Run, roster: Path, db_path: Path, audience: str,
                                                   fragments: tuple[str, ...]) -> None:
    before = dump(db_path)
    line = one_line_error(nb("campaign", "apply", write(roster, "bad", audience)), *fragments)
    assert "bad.yaml:" in line
    assert dump(db_path) == before


def test_unknown_manager_and_empty_audience_are_refused_unless_allowed(nb: Run, roster: Path, db_path: Path) -> None:
    before = dump(db_path)
    one_line_error(nb("campaign", "apply", write(roster, "x", "  managers: [nobody@example.org]")),
                   "audience.managers: nobody@example.org is not a known person")
    empty = write(roster, "empty", "  locations: [Atlantis]")
    one_line_error(nb("campaign", "apply", empty), "matches nobody", "--allow-empty")
    one_line_error(nb("campaign", "apply", empty, "--dry-run"), "matches nobody")
    assert dump(db_path) == before
    assert "0 newly enrolled" in ok(nb("campaign", "apply", empty, "--allow-empty"))


def test_dry_run_prints_joiners_leavers_first_nudges_and_conflicts_and_changes_nothing(
        cli: Run, roster: Path, db_path: Path) -> None:
    ok(cli("campaign", "apply", write(roster, "sales", "  departments: [Sales]")))
    assert enrolled(db_path, "sales") == {"mia", "leo", "lia", "oz"}
    # Another campaign of the same track, same days and time, for Mia's team and Max.
    path = write(roster, "team", "  managers: [boss@example.org]\n  except:\n    emails: [leo@example.org]")
    before = dump(db_path)
    out = ok(cli("campaign", "apply", path, "--dry-run"))
    assert dump(db_path) == before
    lines = out.splitlines()
    assert lines[0] == ("dry run: would create campaign team; audience 3, 3 to enroll, 0 to remove; "
                        "nothing was changed")
    # Each learner's first nudge is the planner's: Monday 2027-01-04 09:30 in their own zone.
    assert any(ln.startswith("+ max@example.org  first nudge Mon 2027-01-04 09:30 JST") and "conflicts" not in ln
               for ln in lines)
    mia = next(ln for ln in lines if ln.startswith("+ mia@example.org"))
    assert "first nudge Mon 2027-01-04 09:30 EST" in mia
    assert "sales: same track phishing-basics" in mia and "sales: also nudges at 09:30 on mon,wed" in mia
    assert any(ln.startswith("+ lia@example.org  first nudge Mon 2027-01-04 09:30 CET") for ln in lines)
    assert any(ln.startswith("warning: 2 of this audience already take track phishing-basics in campaign sales "
                             "(lia@example.org, mia@example.org)") for ln in lines)
    # Narrowing the first campaign shows who would leave; still nothing changes.
    narrowed = write(roster, "sales", "  departments: [Sales]\n  except:\n    locations: [Berlin]")
    out = ok(cli("campaign", "apply", narrowed, "--dry-run"))
    assert "would update campaign sales; audience 2, 0 to enroll, 2 to remove" in out
    assert {ln for ln in out.splitlines() if ln.startswith("- ")} == {"- lia@example.org", "- oz@example.org"}
    assert dump(db_path) == before
    # Applying for real warns about the same track, and then the dry run has nothing left to do.
    out = ok(cli("campaign", "apply", path))
    assert "warning: 2 of this audience already take track phishing-basics in campaign sales" in out
    assert "3 to enroll" not in ok(cli("campaign", "apply", path, "--dry-run"))


def test_paused_learner_first_nudge_skips_the_pause(cli: Run, roster: Path, db_path: Path) -> None:
    con = sqlite3.connect(db_path)
    con.execute("update people set status = 'paused', paused_until = '2027-01-10' where email = 'leo@example.org'")
    con.commit()
    con.close()
    out = ok(cli("campaign", "apply", write(roster, "p", "  emails: [leo@example.org]"), "--dry-run"))
    assert "+ leo@example.org  first nudge Mon 2027-01-11 09:30 EST" in out


def test_slack_usergroups_as_an_audience_source(nb: Run, roster: Path, db_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(roster, "g", "  slack_usergroups: ['@sales-team']\n  except:\n    slack_usergroups: [leads]")
    one_line_error(nb("campaign", "apply", path), "audience.slack_usergroups", "Slack is not configured")
    emu = SlackEmulator().start()
    try:
        emu.add_usergroup("S01", "sales-team", ["UMIA", "ULEO", "UMAX", "UNOBODY"])
        emu.add_usergroup("S02", "leads", ["UMIA"], name="Team leads")
        monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("SLACK_API_URL", emu.api_url)
        monkeypatch.setenv("SLACK_SIGNING_SECRET", "s3cret")
        assert "2 newly enrolled" in ok(nb("campaign", "apply", path))
        assert enrolled(db_path, "g") == {"leo", "max"}
        assert [c.args["usergroup"] for c in emu.calls_to("usergroups.users.list")] == ["S01", "S02"]
        missing = write(roster, "h", "  slack_usergroups: [ghosts]")
        one_line_error(nb("campaign", "apply", missing), "Slack has no user group 'ghosts'")
        emu.inject("usergroups.list", 1, status=200, error="missing_scope")
        one_line_error(nb("campaign", "apply", path), "missing_scope", "usergroups:read")
    finally:
        emu.stop()
