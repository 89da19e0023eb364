"""`nudgebot report`: funnel, groups and item analysis over a real database; a mis-keyed question is flagged."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from content.schema import Track
from core.models import Answer, Delivery, Enrollment, Person
from tests.helpers import World, make_track
from tests.integration import test_cli as base
from tests.integration.test_cli import Run, ok, one_line_error

env, cli, nb = base.env, base.cli, base.nb

T0 = datetime(2027, 1, 4, 9, 30, tzinfo=UTC)
LEARNERS = 12


def miskeyed_track() -> Track:
    """Four one-question units; u4-q1's key marks 'Wrong' (index 1) correct, which it is not."""
    body = make_track("drill", units=4).model_dump(mode="json")
    choices = body["units"][3]["questions"][0]["choices"]
    choices[0]["correct"], choices[1]["correct"] = False, True
    return Track.model_validate(body)


def picks(i: int) -> dict[str, int]:
    """Learner i's 0-based pick per question: ability grows with i; on u4 the strong pick the truly right 0."""
    return {"u1-q1": 0 if i >= 2 else 1, "u2-q1": 0 if i >= 4 else 2, "u3-q1": 0 if i >= 6 else 1,
            "u4-q1": 0 if i >= 5 else 1}


@pytest.fixture
def campaign(world: World) -> World:
    """Twelve learners in two departments under two managers; every one answered all four questions."""
    version = world.publish(miskeyed_track()).id
    bosses = [world.person(f"boss{b}@example.org", roles="manager") for b in (1, 2)]
    ids = [world.person(f"l{i:02d}@example.org", manager=bosses[i % 2]) for i in range(LEARNERS)]
    world.person("idle@example.org", manager=bosses[0])
    world.campaign([f"l{i:02d}@example.org" for i in range(LEARNERS)] + ["idle@example.org"])
    with world.session() as s:
        for i, pid in enumerate(ids):
            person = s.get(Person, pid)
            assert person is not None
            person.department = "Sales" if i < 6 else "Ops"
            e = s.scalars(select(Enrollment).where(Enrollment.person_id == pid)).one()
            if i >= 10:
                e.status = "completed"
            for n, (qid, choice) in enumerate(picks(i).items()):
                at = T0 + timedelta(days=n)
                d = Delivery(key=f"test:{pid}:{qid}", person_id=pid, enrollment_id=e.id, campaign_id="drill-c",
                             kind="question", item=qid, track_version_id=version, payload={}, channel="console",
                             address=str(pid), due_at=at, status="sent", next_attempt_at=at, sent_at=at)
                s.add(d)
                s.flush()
                keyed = 1 if qid == "u4-q1" else 0
                s.add(Answer(delivery_id=d.id, person_id=pid, campaign_id="drill-c", question_id=qid,
                             choice_index=choice, choice_text=["Right", "Wrong", "Also wrong"][choice],
                             correct=choice == keyed, latency_ms=1000 * (i + 1), track_version_id=version,
                             content_hash="h", answered_at=at + timedelta(seconds=i + 1)))
    return world


def test_report_json_funnel_groups_and_miskeyed_question(campaign: World, cli: Run) -> None:
    data = json.loads(ok(cli("report", "drill-c", "--format", "json")))
    funnel = {f["step"]: f["count"] for f in data["funnel"]}
    assert funnel == {"enrolled": 13, "reached": 12, "answered": 12, "completed": 2}
    teams = {g["group"]: g for g in data["by_team"]}
    # Sales are learners 0-5: right on u1 4 times, u2 2, u3 0, u4 (as keyed) 5.
    sales_correct = sum((p == 0) if q != "u4-q1" else (p == 1) for i in range(6) for q, p in picks(i).items())
    assert teams["Sales"]["answered"] == 24 and teams["Sales"]["correct"] == sales_correct == 11
    assert teams["(none)"]["people"] == 1  # the idle learner has no department
    assert {g["group"] for g in data["by_manager"]} == {"boss1@example.org", "boss2@example.org"}
    items = {it["question"]: it for it in data["items"]}
    bad = items["u4-q1"]
    assert bad["text"] == "Prompt 4.1?"
    assert bad["difficulty"] == round(5 / 12, 4)
    assert bad["discrimination"] < 0
    assert "negative_discrimination" in bad["flags"] and "likely a wrong answer key" in bad["hints"][-1]
    assert [(c["number"], c["text"], c["count"], c["keyed_correct"]) for c in bad["choices"]] == [
        (1, "Right", 7, False), (2, "Wrong", 5, True), (3, "Also wrong", 0, False)]
    assert bad["median_answer_seconds"] == 6.5
    assert items["u1-q1"]["difficulty"] == round(10 / 12, 4)
    assert "negative_discrimination" not in items["u2-q1"]["flags"]


def test_report_table_and_csv(campaign: World, cli: Run, tmp_path: Path) -> None:
    table = ok(cli("report", "drill-c"))
    assert "Funnel" in table and "By manager" in table and "u4-q1: Prompt 4.1?" in table
    assert "likely a wrong answer key" in table
    target = tmp_path / "r.csv"
    ok(cli("report", "drill-c", "--format", "csv", "--out", str(target)))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    q4 = next(r for r in rows if r["section"] == "question" and r["name"] == "u4-q1")
    assert "negative_discrimination" in q4["flags"]
    assert next(r for r in rows if r["name"] == "u4-q1#2")["text"] == "Wrong"


def test_report_unknown_campaign_is_one_line(nb: Run) -> None:
    one_line_error(nb("report", "nope"), "nope")


def test_answers_export_has_question_text_and_1_based_choice(campaign: World, cli: Run) -> None:
    rows = json.loads(ok(cli("export", "answers", "--format", "json")))
    row = next(r for r in rows if r["person"] == "l00@example.org" and r["question"] == "u1-q1")
    assert row["question_text"] == "Prompt 1.1?" and row["choice"] == "Wrong" and row["choice_index"] == 2
