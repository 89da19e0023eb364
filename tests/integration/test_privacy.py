"""`nudgebot person export|forget`: everything about a person as JSON; erasure that keeps aggregates; audited."""

from __future__ import annotations

import json
from pathlib import Path

from tests.integration import test_cli as base
from tests.integration.test_cli import Run, export, ok, one_line_error

env, cli, nb, ready = base.env, base.cli, base.nb, base.ready


def learn(cli: Run) -> None:
    """Leo gets the first lesson and question on Monday and answers it."""
    ok(cli("tick", "--at", "2027-01-04T14:31:00Z"))
    ok(cli("chat", "--as", "leo@example.org", "--answer", "1", "--at", "2027-01-04T14:35:00Z"))


def test_person_export_holds_everything_and_is_audited(cli: Run, ready: Path) -> None:
    learn(cli)
    doc = json.loads(ok(cli("person", "export", "leo@example.org")))
    assert doc["person"]["name"] == "Leo Learner" and doc["manager"] == "mia@example.org"
    assert len(doc["answers"]) == 1 and doc["answers"][0]["choice_number"] == 1
    assert {d["kind"] for d in doc["deliveries"]} >= {"lesson", "question"}
    assert doc["console_log"] and doc["enrollments"][0]["campaign_id"] == "smoke"
    rows = export(cli, "audit")
    assert [(r["action"], r["subject"]) for r in rows] == [("export", "leo@example.org")]
    assert rows[0]["actor"].startswith("cli")


def test_forget_erases_identity_keeps_aggregates_and_is_audited(cli: Run, ready: Path, tmp_path: Path) -> None:
    learn(cli)
    before = json.loads(ok(cli("report", "smoke", "--format", "json")))
    printed = ok(cli("person", "forget", "leo@example.org", "--yes", "--reason", "ticket 42"))
    assert "forgotten; now forgotten:" in printed
    handle = printed.split("now ")[1].split()[0]
    after = json.loads(ok(cli("report", "smoke", "--format", "json")))
    assert after["items"] == before["items"] and after["by_manager"] == before["by_manager"]
    people = export(cli, "people")
    assert all(p["name"] != "Leo Learner" and p["email"] != "leo@example.org" for p in people)
    answers = export(cli, "answers")
    assert [a["person"] for a in answers] == [handle]
    doc = json.loads(ok(cli("person", "export", handle)))
    assert doc["person"]["email"] is None and doc["person"]["name"] == "" and doc["chat_accounts"] == []
    assert doc["console_log"] == [] and all(d["payload"] == {} and d["address"] == "" for d in doc["deliveries"])
    assert [(e["action"], e["reason"]) for e in doc["audit_log"]] == [
        ("forget", "ticket 42"), ("export", "personal data export")]
    # Applying the campaign again does not bring the forgotten person back (it now matches nobody,
    # which `campaign apply` refuses unless told --allow-empty).
    assert "0 newly enrolled" in ok(cli("campaign", "apply", str(ready / "campaign.yaml"), "--allow-empty"))
    actions = [r["action"] for r in export(cli, "audit")]
    assert actions == ["forget", "export"]


def test_forget_mistakes_are_one_line(nb: Run, ready: Path) -> None:
    one_line_error(nb("person", "forget", "nobody@example.org", "--yes"), "nobody@example.org")
    ok(nb("person", "forget", "leo@example.org", "--yes"))
    one_line_error(nb("person", "forget", "forgotten:2", "--yes"), "already forgotten")


def test_roster_attributes_are_stored_and_exported(cli: Run, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text("email,name,timezone,manager_email,roles,department,location,groups\n"
                      "mia@example.org,Mia,Europe/Berlin,,manager,Sales,Berlin,\n"
                      "leo@example.org,Leo,Europe/Berlin,mia@example.org,learner,Sales,Berlin, new-hires ;emea\n",
                      encoding="utf-8")
    ok(cli("people", "import", str(roster)))
    person = json.loads(ok(cli("person", "export", "leo@example.org")))["person"]
    assert (person["department"], person["location"], person["groups"]) == ("Sales", "Berlin", "new-hires;emea")
    roster.write_text("email,name,timezone,manager_email,roles\nleo@example.org,Leo,Europe/Berlin,mia@example.org,"
                      "learner\n", encoding="utf-8")
    ok(cli("people", "import", str(roster)))  # a roster without the columns keeps what was stored
    assert json.loads(ok(cli("person", "export", "leo@example.org")))["person"]["department"] == "Sales"
