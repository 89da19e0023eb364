"""The `nudgebot` CLI against a real SQLite file: content, people, campaigns, schedule, tick, chat, export."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot import dbsetup
from bot.cli import app, main
from core.clock import SystemClock

REPO = Path(__file__).resolve().parents[2]
LIBRARY = REPO / "content" / "library"
NOW = datetime(2027, 1, 1, 12, 0, tzinfo=UTC)  # "now" for commands without --at

ROSTER = """email,name,timezone,locale,manager_email,roles,slack_id,telegram_id
mia@example.org,Mia Manager,America/New_York,en,,manager,,
leo@example.org,Leo Learner,America/New_York,en,mia@example.org,learner,,
"""

CAMPAIGN = """id: {cid}
track: phishing-basics
audience:
  all: true
schedule:
  days: [mon, tue, wed, thu, fri]
  at: "09:30"
  start: {start}
escalation:
  remind_after: 2
  manager_after: 4
"""

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def env(db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """Point the CLI at this test's database and pin the wall clock, so dates in the tests stay ahead."""
    url = f"sqlite:///{db_path}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("COLUMNS", "200")
    for var in ("SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setattr(SystemClock, "now", lambda self: NOW)
    # The file is a copy of an already migrated template: skip re-running Alembic on every command
    # (test_console_script_exit_codes_and_no_traceback goes through the real path).
    monkeypatch.setattr(dbsetup, "upgrade", lambda url, revision="head": None)
    return {"DATABASE_URL": url, "COLUMNS": "200"}


@pytest.fixture
def cli(env: dict[str, str]) -> Run:
    """Invoke the Typer app in-process; return (exit code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str, str]:
        r = runner.invoke(app, list(args), env=env, catch_exceptions=True)
        if r.exception is not None and not isinstance(r.exception, SystemExit):
            raise r.exception
        return r.exit_code, r.stdout, r.stderr

    return run


@pytest.fixture
def nb(env: dict[str, str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Run:
    """Invoke the console-script entry point `main()` (which turns errors into one line)."""

    def run(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["nudgebot", *args])
        code = 0
        try:
            main()
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


def ok(result: tuple[int, str, str]) -> str:
    code, out, err = result
    assert code == 0, (out, err)
    return out


def one_line_error(result: tuple[int, str, str], *fragments: str) -> str:
    code, _out, err = result
    assert code == 1
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1, err
    for f in fragments:
        assert f in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def ready(cli: Run, tmp_path: Path) -> Path:
    """Library published, Mia and Leo imported, campaign `smoke` from 2027-01-04 applied."""
    ok(cli("content", "publish", str(LIBRARY)))
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(roster)))
    camp = tmp_path / "campaign.yaml"
    camp.write_text(CAMPAIGN.format(cid="smoke", start="2027-01-04"), encoding="utf-8")
    ok(cli("campaign", "apply", str(camp)))
    return tmp_path


def sent(out: str, kind: str = "lesson") -> list[str]:
    """The recipients of messages of `kind` that a `tick` printed as sent."""
    return [ln.split("→")[1].split()[0] for ln in out.splitlines() if ln.strip().startswith(kind + " ")]


def export(cli: Run, kind: str, fmt: str = "json") -> list[dict[str, str]]:
    out = ok(cli("export", kind, "--format", fmt))
    if fmt == "json":
        return json.loads(out)  # type: ignore[no-any-return]
    return list(csv.DictReader(io.StringIO(out)))


# --------------------------------------------------------------------------- content


def test_content_check_strict_passes_on_library(cli: Run) -> None:
    out = ok(cli("content", "check", "--strict", str(LIBRARY)))
    assert "0 error(s), 0 warning(s)" in out


def test_content_check_reports_path_line_errors(nb: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nunits:\n  - id: one\n    title: One\n    lesson: Hi.\n"
                   "    questions:\n      - id: q\n        prompt: Pick?\n        choices:\n"
                   "          - text: A\n            correct: true\n          - text: B\n"
                   "            correct: true\n", encoding="utf-8")
    code, _out, err = nb("content", "check", str(bad))
    assert code == 1
    assert "Traceback" not in err
    assert f"{bad}:10: error:" in err and "exactly one choice must be correct" in err


def test_content_publish_new_version_only_when_changed(cli: Run, tmp_path: Path) -> None:
    text = (LIBRARY / "phishing-basics.yaml").read_text(encoding="utf-8")
    track = tmp_path / "track.yaml"
    track.write_text(text, encoding="utf-8")
    assert "phishing-basics: published as version 1" in ok(cli("content", "publish", str(track)))
    assert "phishing-basics: unchanged as version 1" in ok(cli("content", "publish", str(track)))
    track.write_text(text.replace("One signal is enough to slow down.", "One signal is enough."),
                     encoding="utf-8")
    assert "phishing-basics: published as version 2" in ok(cli("content", "publish", str(track)))
    assert "unchanged as version 2" in ok(cli("content", "publish", str(track)))


def test_content_publish_refuses_broken_file(nb: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: bad\ntitle: Bad\nunits: []\n", encoding="utf-8")
    code, _out, err = nb("content", "publish", str(bad))
    assert code == 1 and f"{bad}:3:" in err and "nothing published" in err


# --------------------------------------------------------------------------- people


def test_people_import_creates_then_updates_without_duplicates(cli: Run, tmp_path: Path) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    assert "2 created, 0 updated, 0 unchanged" in ok(cli("people", "import", str(roster)))
    assert "0 created, 0 updated, 2 unchanged" in ok(cli("people", "import", str(roster)))
    roster.write_text(ROSTER.replace("Leo Learner,America/New_York", "Leo L.,Europe/Berlin")
                      + "ada@example.org,Ada,Asia/Kathmandu,en,mia@example.org,learner,,\n", encoding="utf-8")
    assert "1 created, 1 updated, 1 unchanged" in ok(cli("people", "import", str(roster)))
    rows = {r["email"]: r for r in export(cli, "people", "csv")}
    assert sorted(rows) == ["ada@example.org", "leo@example.org", "mia@example.org"]
    assert (rows["leo@example.org"]["name"], rows["leo@example.org"]["timezone"]) == ("Leo L.", "Europe/Berlin")


@pytest.mark.parametrize(
    ("row", "line", "fragments"),
    [
        ("bob@example.org,Bob,Europe/Berln,en,,learner,,", 4, ("timezone", "Europe/Berlin")),
        ("bob@example.org,Bob,Europe/Berlin,en,nobody@example.org,learner,,", 4,
         ("manager_email", "nobody@example.org")),
        ("bob@example.org,Bob,Europe/Berlin,en,,wizard,,", 4, ("roles", "wizard")),
    ],
)
def test_people_import_bad_row_changes_nothing(cli: Run, nb: Run, tmp_path: Path, row: str, line: int,
                                               fragments: tuple[str, ...]) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    ok(cli("people", "import", str(roster)))
    bad = tmp_path / "bad.csv"
    bad.write_text(ROSTER.replace("Leo Learner", "Leo Renamed") + row + "\n", encoding="utf-8")
    one_line_error(nb("people", "import", str(bad)), f"{bad}:{line}:", *fragments)
    rows = export(cli, "people")
    assert sorted(r["email"] for r in rows) == ["leo@example.org", "mia@example.org"]
    assert "Leo Renamed" not in {r["name"] for r in rows}  # the good rows of the bad file were not applied


# --------------------------------------------------------------------------- campaigns, schedule, tick


def test_campaign_apply_twice_list_pause_resume(cli: Run, ready: Path) -> None:
    out = ok(cli("campaign", "apply", str(ready / "campaign.yaml")))
    assert "campaign smoke: updated; 0 newly enrolled, 0 removed" in out
    listing = ok(cli("campaign", "list"))
    assert listing.count("smoke") == 1 and "active" in listing
    assert "phishing-basics" in listing
    assert "campaign smoke: paused" in ok(cli("campaign", "pause", "smoke"))
    assert "paused" in ok(cli("campaign", "list"))
    assert "0 message(s) sent" in ok(cli("tick", "--at", "2027-01-04T14:31:00Z"))
    assert "campaign smoke: resumed" in ok(cli("campaign", "resume", "smoke"))
    assert "active" in ok(cli("campaign", "list"))
    assert "2 message(s) sent" in ok(cli("tick", "--at", "2027-01-05T14:31:00Z"))
    assert len([d for d in export(cli, "deliveries") if d["person"] == "leo@example.org"]) == 2


def test_schedule_json_matches_what_tick_sends_across_dst(cli: Run, ready: Path) -> None:
    camp = ready / "dst.yaml"
    # A drip (each question once): a silent learner's reviews would otherwise fill some days' cap.
    camp.write_text(CAMPAIGN.format(cid="smoke", start="2027-03-08") + "learning:\n  spacing: drip\n",
                    encoding="utf-8")
    ok(cli("campaign", "apply", str(camp)))
    rows = json.loads(ok(cli("schedule", "leo@example.org", "--from", "2027-03-08", "--days", "10", "--json")))
    assert all({"campaign", "utc", "local"} <= set(r) for r in rows)
    assert {r["campaign"] for r in rows} == {"smoke"}
    # The track has six units: Mon-Fri before the change, then Monday after it.
    assert [r["utc"] for r in rows] == [
        "2027-03-08T14:30:00+00:00", "2027-03-09T14:30:00+00:00", "2027-03-10T14:30:00+00:00",
        "2027-03-11T14:30:00+00:00", "2027-03-12T14:30:00+00:00",
        # New York springs forward on Sunday 2027-03-14: 09:30 is now 13:30Z.
        "2027-03-15T13:30:00+00:00",
    ]
    assert rows[0]["local"] == "2027-03-08T09:30:00-05:00"
    assert rows[-1]["local"] == "2027-03-15T09:30:00-04:00"
    # A tick a second before each planned instant sends no lesson; at it, that day's unit goes out.
    for r in rows:
        when = datetime.fromisoformat(r["utc"])
        assert sent(ok(cli("tick", "--at", (when - timedelta(seconds=1)).isoformat()))) == []
        out = ok(cli("tick", "--at", when.isoformat()))
        assert sent(out) == ["leo@example.org"] and r["item"] in out
    done = [d for d in export(cli, "deliveries") if d["person"] == "leo@example.org" and d["status"] == "sent"]
    assert sorted({d["sent_at"] for d in done}) == [r["utc"] for r in rows]
    assert [d["item"] for d in done if d["item"] in {r["item"] for r in rows}] == [r["item"] for r in rows]


def test_tick_at_old_instant_after_dst_change_sends_nothing(cli: Run, ready: Path) -> None:
    camp = ready / "dst.yaml"
    camp.write_text(CAMPAIGN.format(cid="smoke", start="2027-03-12"), encoding="utf-8")
    ok(cli("campaign", "apply", str(camp)))
    assert sent(ok(cli("tick", "--at", "2027-03-12T14:30:00Z"))) == ["leo@example.org"]  # Fri, EST
    assert sent(ok(cli("tick", "--at", "2027-03-15T13:29:00Z"))) == []
    assert sent(ok(cli("tick", "--at", "2027-03-15T13:30:00Z"))) == ["leo@example.org"]  # Mon, EDT
    assert sent(ok(cli("tick", "--at", "2027-03-15T14:30:00Z"))) == []  # the old instant
    assert sent(ok(cli("tick", "--at", "2027-03-16T13:29:59Z"))) == []
    assert sent(ok(cli("tick", "--at", "2027-03-16T13:30:00Z"))) == ["leo@example.org"]


def test_tick_catches_up_within_window_only(cli: Run, ready: Path) -> None:
    assert "2 message(s) sent" in ok(cli("tick", "--at", "2027-01-04T17:30:00Z"))  # 3 hours late
    assert "0 message(s) sent" in ok(cli("tick", "--at", "2027-01-04T17:31:00Z"))
    out = ok(cli("tick", "--at", "2027-01-07T23:00:00Z"))  # 8.5 hours late on Thursday
    assert "0 message(s) sent" in out and "skipped" in out


def test_chat_answer_records_answer_and_shows_feedback(cli: Run, ready: Path) -> None:
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))
    out = ok(cli("chat", "--as", "leo@example.org", "--answer", "1", "--at", "2027-01-04T14:35:00Z"))
    assert "Correct" in out and "Explanation" in out
    assert "True or false: phishing only arrives by email." in out  # the unit's next question follows
    [a] = export(cli, "answers")
    assert {"person", "campaign", "question", "choice", "correct", "answered_at"} <= set(a)
    assert (a["person"], a["campaign"], a["question"], a["correct"]) == (
        "leo@example.org", "smoke", "phishing-goal", True)
    assert a["answered_at"] == "2027-01-04T14:35:00+00:00"


def test_exports_in_csv_and_json_have_required_fields(cli: Run, ready: Path) -> None:
    ok(cli("tick", "--at", "2027-01-04T14:30:00Z"))
    ok(cli("chat", "--as", "leo@example.org", "--answer", "2", "--at", "2027-01-04T14:40:00Z"))
    required = {
        "people": {"email", "name", "timezone", "status", "slack_id", "telegram_id"},
        "deliveries": {"person", "campaign", "item", "due_at", "sent_at", "status"},
        "answers": {"person", "campaign", "question", "choice", "correct", "answered_at"},
    }
    for kind, fields in required.items():
        as_json = export(cli, kind, "json")
        as_csv = export(cli, kind, "csv")
        assert as_json and len(as_json) == len(as_csv), kind
        assert fields <= set(as_json[0]) and fields <= set(as_csv[0]), kind
    deliveries = export(cli, "deliveries", "csv")
    assert [(d["person"], d["item"], d["status"]) for d in deliveries][:2] == [
        ("leo@example.org", "what-phishing-is", "sent"), ("leo@example.org", "phishing-goal", "sent")]
    assert deliveries[0]["sent_at"] == "2027-01-04T14:30:00+00:00"
    [a] = export(cli, "answers", "csv")
    assert (a["correct"], a["choice"]) == ("False", "Read it to the end")
    people_rows = export(cli, "people", "json")
    assert {p["email"]: p["status"] for p in people_rows} == {"mia@example.org": "active",
                                                              "leo@example.org": "active"}


def test_empty_exports_still_have_headers(cli: Run) -> None:
    assert ok(cli("export", "answers")).strip() == "person,campaign,question,choice,correct,answered_at"
    assert json.loads(ok(cli("export", "deliveries", "--format", "json"))) == []


# --------------------------------------------------------------------------- user errors


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("chat", "--as", "nobody@example.org"), ("nobody@example.org",)),
        (("schedule", "nobody@example.org"), ("nobody@example.org",)),
        (("tick", "--at", "tomorrow"), ("--at", "tomorrow")),
        (("tick", "--at", "2027-01-04T09:30"), ("--at", "offset")),
        (("campaign", "pause", "nope"), ("nope", "smoke")),
        (("export", "deliveries", "--campaign", "nope"), ("nope",)),
        (("people", "import", "missing.csv"), ("missing.csv",)),
        (("campaign", "apply", "missing.yaml"), ("missing.yaml",)),
    ],
)
def test_user_errors_are_one_line_exit_1(nb: Run, ready: Path, args: tuple[str, ...],
                                         fragments: tuple[str, ...]) -> None:
    one_line_error(nb(*args), *fragments)


def test_console_script_exit_codes_and_no_traceback(db_path: Path, tmp_path: Path) -> None:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db_path}"}
    env.pop("SLACK_BOT_TOKEN", None)
    env.pop("TELEGRAM_BOT_TOKEN", None)
    exe = Path(sys.executable).parent / "nudgebot"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(exe), *args], capture_output=True, text=True, env=env, cwd=tmp_path,
                              stdin=subprocess.DEVNULL, timeout=60, check=False)

    good = run("content", "check", "--strict", str(LIBRARY))
    assert good.returncode == 0, good.stderr
    for args in (("schedule", "nobody@example.org"), ("tick", "--at", "soon"), ("campaign", "resume", "x")):
        r = run(*args)
        assert r.returncode == 1, (args, r.stdout, r.stderr)
        assert "Traceback" not in r.stderr + r.stdout
        assert len(r.stderr.strip().splitlines()) == 1 and r.stderr.startswith("error: ")


def test_reimporting_a_roster_keeps_chat_ids_learned_since(tmp_path: Path) -> None:
    """A Telegram account linked through an invite survives a re-import whose telegram_id cell is empty."""
    from core.db import Database
    from core.models import ChatAccount, Person
    from core.services.people import import_roster

    db_file = tmp_path / "r.db"
    dbsetup.upgrade(f"sqlite:///{db_file}")
    db = Database(f"sqlite:///{db_file}")
    roster = tmp_path / "people.csv"
    roster.write_text("email,name,timezone,locale,manager_email,roles,slack_id,telegram_id\n"
                      "mia@example.org,Mia,Europe/Berlin,en,,manager,,\n", encoding="utf-8")
    now = datetime(2027, 1, 1, tzinfo=UTC)
    with db.session() as s:
        import_roster(s, roster, now)
    with db.session() as s:
        mia = s.query(Person).one()
        mia.accounts.append(ChatAccount(platform="telegram", user_id="4242", linked_at=now))
    with db.session() as s:
        report = import_roster(s, roster, now)
    with db.session() as s:
        assert s.query(Person).one().account_id("telegram") == "4242"
    assert report.unchanged == 1


def test_a_campaigns_retention_out_of_range_is_one_line_naming_file_line_and_field(nb: Run, ready: Path) -> None:
    camp = ready / "retention.yaml"
    camp.write_text(CAMPAIGN.format(cid="keen", start="2027-01-04") + "learning:\n  retention: 0.3\n",
                    encoding="utf-8")
    line = one_line_error(nb("campaign", "apply", str(camp)), "retention.yaml", "learning.retention", "0.6")
    assert line.count(":") >= 2
    assert "keen" not in ok(nb("campaign", "list"))  # nothing applied
