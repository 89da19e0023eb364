"""The CLI for working days and content versions: people leave, content publish --yes, content retire."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import yaml

from tests.integration import test_cli as base
from tests.integration.test_cli import LIBRARY, Run, ok, one_line_error

# The CLI fixtures of test_cli, shared: a pinned clock and this test's database.
env, cli, nb, ready = base.env, base.cli, base.nb, base.ready


def _edited_library(tmp_path: Path) -> Path:
    """phishing-basics without its second unit, and with the first question of the first unit re-keyed."""
    body = yaml.safe_load((LIBRARY / "phishing-basics.yaml").read_text(encoding="utf-8"))
    removed = body["units"].pop(1)["id"]
    q = body["units"][0]["questions"][0]
    right = next(i for i, c in enumerate(q["choices"]) if c.get("correct"))
    for i, c in enumerate(q["choices"]):
        c["correct"] = i == (right + 1) % len(q["choices"])
    out = tmp_path / "edited"
    out.mkdir()
    (out / "phishing-basics.yaml").write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    (out / "removed.txt").write_text(removed, encoding="utf-8")
    return out


def test_publish_lists_changes_for_running_campaigns_and_asks_for_yes(cli: Run, nb: Run, ready: Path) -> None:
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))  # Leo gets unit 1 (09:30 New York)
    edited = _edited_library(ready)
    removed = (edited / "removed.txt").read_text(encoding="utf-8")
    code, out, err = nb("content", "publish", str(edited / "phishing-basics.yaml"))
    assert code == 1 and "Traceback" not in err
    assert "for running campaign(s) smoke (1 learner(s))" in out
    assert f"unit removed: {removed} (1 had not reached it and skip it, 0 had it" in out
    assert "answer key changed: phishing-goal (learning it now: they start it afresh): 1 learner(s)" in out
    assert "--yes" in err and "nothing published" in err
    assert "version 1" in ok(cli("content", "publish", str(LIBRARY / "phishing-basics.yaml")))  # unchanged
    out = ok(cli("content", "publish", "--yes", str(edited / "phishing-basics.yaml")))
    assert "published as version 2" in out


def test_retire_lists_campaigns_still_using_the_track(cli: Run, nb: Run, ready: Path) -> None:
    out = ok(cli("content", "retire", "phishing-basics"))
    assert "takes no new enrollments" in out and "still used by campaign smoke (1 learner(s) running)" in out
    one_line_error(nb("content", "retire", "nope"), "no published track 'nope'")
    camp = ready / "other.yaml"
    camp.write_text((ready / "campaign.yaml").read_text(encoding="utf-8").replace("id: smoke", "id: other"),
                    encoding="utf-8")
    one_line_error(nb("campaign", "apply", str(camp)), "track 'phishing-basics' is retired")


def test_people_leave_imports_once_and_names_a_bad_line(cli: Run, nb: Run, ready: Path) -> None:
    leave = ready / "leave.csv"
    leave.write_text("person,start,end\nleo@example.org,2027-01-05,2027-01-08\n", encoding="utf-8")
    assert "1 leave period(s) added, 0 already known" in ok(cli("people", "leave", str(leave)))
    assert "0 leave period(s) added, 1 already known" in ok(cli("people", "leave", str(leave)))
    out = ok(cli("schedule", "leo@example.org", "--from", "2027-01-04", "--days", "8", "--json"))
    assert [d for d in ('2027-01-04', '2027-01-05', '2027-01-08', '2027-01-11') if f'"{d}"' in out] == [
        '2027-01-04', '2027-01-11']  # the week away moves to Monday, once
    leave.write_text("person,start,end\nnobody@example.org,2027-01-05,2027-01-08\n", encoding="utf-8")
    one_line_error(nb("people", "leave", str(leave)), "leave.csv:2: person:")


def test_fsrs_optimize_says_what_it_needs(cli: Run, nb: Run, ready: Path) -> None:
    one_line_error(nb("fsrs", "optimize"), "cannot fit FSRS parameters: no reviews stored yet")
    one_line_error(nb("fsrs", "optimize", "--campaign", "nope"), "no campaign 'nope'")
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))
    ok(cli("chat", "--as", "leo@example.org", "--answer", "1", "--at", "2027-01-04T14:35:00Z"))
    if importlib.util.find_spec("torch") is None:
        one_line_error(nb("fsrs", "optimize", "--campaign", "smoke"), 'pip install "nudgebot[optimize]"')
    else:  # with the extra: fitted (fsrs keeps its defaults below 512 reviews) or one clear line
        code, out, err = nb("fsrs", "optimize", "--campaign", "smoke")
        assert "Traceback" not in err and (code == 0 and "fitted on 1 review(s)" in out or code == 1)
