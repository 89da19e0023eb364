"""xAPI statement builders (checked against Ralph's strict xAPI 1.0.3 models) and LRS answer handling."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from ralph.models.xapi.base.statements import BaseXapiStatement

from bot.lrs import SendResult, Verdict, classify, retry_after
from core import xapi

CONFIG = xapi.XapiConfig(activity_base="https://nudgebot.example/xapi/activities/", home_page="https://nudgebot.example")
AT = datetime(2027, 1, 3, 12, 0, tzinfo=UTC)
LEARNER = xapi.Learner(key="42", email="ada@example.org")
ENROLLMENT = xapi.EnrollmentRef("7", LEARNER, "q1-onboarding", "Q1 onboarding", "security", "Security")
LESSON = xapi.LessonDelivered("delivery:7:3", ENROLLMENT, "phishing", "Spotting phishing", AT)
ANSWER = xapi.QuestionAnswered(
    "1001", ENROLLMENT, "q-links", "Which link is safe?", ("Short link", "Our domain", "IP address"), (1,), 2,
    timedelta(minutes=1, seconds=2.5), AT,
)
OUTCOME = xapi.TrackOutcome("7", ENROLLMENT, 0.8, AT, raw=4, max=5)


def all_statements(config: xapi.XapiConfig = CONFIG) -> list[xapi.Statement]:
    """Return one statement of every kind."""
    return [
        xapi.experienced(config, LESSON),
        xapi.answered(config, ANSWER),
        xapi.completed(config, OUTCOME),
        xapi.passed(config, OUTCOME),
        xapi.failed(config, replace(OUTCOME, scaled=0.2)),
    ]


def test_every_statement_is_valid_xapi() -> None:
    for statement in all_statements() + all_statements(replace(CONFIG, identify_by="mbox")):
        BaseXapiStatement.model_validate(statement)


def test_building_twice_gives_the_same_statement_and_each_kind_its_own_id() -> None:
    assert all_statements() == all_statements()
    ids = [s["id"] for s in all_statements()]
    assert len(set(ids[:4])) == 4 and all(uuid.UUID(i).version == 5 for i in ids)
    assert ids[0] == xapi.statement_id(CONFIG, "experienced", "delivery:7:3")
    other = replace(CONFIG, namespace=uuid.uuid4())
    assert xapi.experienced(other, LESSON)["id"] != ids[0]


def test_the_actor_is_an_opaque_account_unless_mbox_is_configured() -> None:
    actor = xapi.experienced(CONFIG, LESSON)["actor"]
    assert actor == {
        "objectType": "Agent",
        "account": {"homePage": "https://nudgebot.example", "name": xapi.person_ref(CONFIG, "42")},
    }
    assert "ada" not in str(actor)
    mbox = xapi.experienced(replace(CONFIG, identify_by="mbox"), LESSON)["actor"]
    assert mbox == {"objectType": "Agent", "mbox": "mailto:ada@example.org"}
    with pytest.raises(ValueError, match="learner 42: .* no email"):
        xapi.experienced(replace(CONFIG, identify_by="mbox"), replace(LESSON, enrollment=replace(
            ENROLLMENT, learner=xapi.Learner("42"))))


def test_an_answer_carries_the_interaction_and_its_result() -> None:
    statement = xapi.answered(CONFIG, ANSWER)
    assert statement["verb"]["id"] == "http://adlnet.gov/expapi/verbs/answered"
    obj = statement["object"]
    assert obj["id"] == "https://nudgebot.example/xapi/activities/track/security/question/q-links"
    definition = obj["definition"]
    assert definition["type"] == "http://adlnet.gov/expapi/activities/cmi.interaction"
    assert definition["interactionType"] == "choice"
    assert [c["id"] for c in definition["choices"]] == ["choice-0", "choice-1", "choice-2"]
    assert definition["correctResponsesPattern"] == ["choice-1"]
    assert statement["result"] == {"success": False, "response": "choice-2", "duration": "PT1M2.5S"}


def test_context_links_the_enrollment_track_and_campaign() -> None:
    lesson, _, completed, *_ = all_statements()
    context = lesson["context"]
    assert context["registration"] == xapi.registration(CONFIG, "7")
    assert context["contextActivities"]["parent"][0]["id"] == "https://nudgebot.example/xapi/activities/track/security"
    assert context["contextActivities"]["grouping"][0]["id"].endswith("/campaign/q1-onboarding")
    assert completed["object"]["id"].endswith("/track/security")
    campaign = lesson["context"]["contextActivities"]["grouping"][0]
    assert completed["context"]["contextActivities"] == {"parent": [campaign]}
    assert lesson["timestamp"] == "2027-01-03T12:00:00.000+00:00"


def test_track_results_carry_a_scaled_score_and_success() -> None:
    _, _, completed, passed, failed = all_statements()
    assert completed["result"] == {"score": {"scaled": 0.8, "raw": 4, "min": 0, "max": 5}, "completion": True}
    assert passed["result"]["success"] is True and failed["result"]["success"] is False
    assert failed["result"]["score"]["scaled"] == 0.2
    with pytest.raises(ValueError, match="outcome 7: scaled score must be between 0 and 1"):
        xapi.passed(CONFIG, replace(OUTCOME, scaled=1.5))


def test_bad_records_fail_with_one_line_naming_the_record() -> None:
    with pytest.raises(ValueError, match="experienced delivery:7:3: .* has no timezone"):
        xapi.experienced(CONFIG, replace(LESSON, at=datetime(2027, 1, 3, 12, 0)))
    with pytest.raises(ValueError, match="answer 1001: chosen index 3"):
        xapi.answered(CONFIG, replace(ANSWER, chosen=3))
    with pytest.raises(ValueError, match="answer 1001: correct indices"):
        xapi.answered(CONFIG, replace(ANSWER, correct=()))


def test_activity_ids_are_percent_encoded_segments_under_the_base() -> None:
    assert xapi.activity_id(CONFIG, "track", "a b/c") == "https://nudgebot.example/xapi/activities/track/a%20b%2Fc"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(0), "PT0S"),
        (timedelta(seconds=12.345), "PT12.35S"),
        (timedelta(seconds=0.5), "PT0.5S"),
        (timedelta(minutes=3), "PT3M"),
        (timedelta(hours=26, seconds=1), "PT26H1S"),
    ],
)
def test_iso_duration(delta: timedelta, text: str) -> None:
    assert xapi.iso_duration(delta) == text


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        xapi.iso_duration(timedelta(seconds=-1))


@pytest.mark.parametrize(
    ("status", "verdict"),
    [
        (200, Verdict.SENT),
        (204, Verdict.SENT),
        (409, Verdict.ALREADY_STORED),
        (400, Verdict.REJECTED),
        (422, Verdict.REJECTED),
        (413, Verdict.REJECTED),
        (429, Verdict.RETRY),
        (500, Verdict.RETRY),
        (503, Verdict.RETRY),
        (401, Verdict.RETRY),
        (404, Verdict.RETRY),
    ],
)
def test_classify(status: int, verdict: Verdict) -> None:
    assert classify(status) is verdict


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("120", AT) == timedelta(seconds=120)
    assert retry_after("Sun, 03 Jan 2027 12:00:30 GMT", AT) == timedelta(seconds=30)
    assert retry_after("Sun, 03 Jan 2027 11:00:00 GMT", AT) == timedelta(0)
    assert retry_after("soon", AT) is None and retry_after(None, AT) is None
    assert retry_after("Sun, 03 Jan 2027 13:00:30 +0100", AT.astimezone(timezone(timedelta(hours=1)))) == timedelta(
        seconds=30
    )


def test_merged_results_keep_every_id_and_the_longest_wait() -> None:
    a = SendResult(sent=("1",), retry=("2",), retry_after=timedelta(seconds=5), error="busy", requests=1)
    b = SendResult(retry=("3",), retry_after=timedelta(seconds=30), requests=1)
    merged = a.merge(b)
    assert merged.sent == ("1",) and merged.retry == ("2", "3")
    assert merged.retry_after == timedelta(seconds=30) and merged.error == "busy" and not merged.ok


def test_multiple_response_and_typed_answers_report_their_interaction_type() -> None:
    multi = xapi.answered(CONFIG, replace(ANSWER, correct=(0, 1), chosen=-1, selected=(0, 2), success=False,
                                          score=0.3333))
    assert multi["object"]["definition"]["correctResponsesPattern"] == ["choice-0[,]choice-1"]
    assert multi["result"]["response"] == "choice-0[,]choice-2"
    assert (multi["result"]["success"], multi["result"]["score"]) == (False, {"scaled": 0.3333})
    short = xapi.answered(CONFIG, replace(ANSWER, choices=(), correct=(), chosen=-1, interaction="fill-in",
                                          typed="Paris", accepted=("Paris", "Paree"), success=True))
    assert short["object"]["definition"]["interactionType"] == "fill-in"
    assert short["object"]["definition"]["correctResponsesPattern"] == ["Paris", "Paree"]
    assert (short["result"]["response"], short["result"]["success"]) == ("Paris", True)
    number = xapi.answered(CONFIG, replace(ANSWER, choices=(), correct=(), chosen=-1, interaction="numeric",
                                           typed="3.2", accepted=("3.135[:]3.145",), success=False))
    assert number["object"]["definition"]["interactionType"] == "numeric"
    assert number["object"]["definition"]["correctResponsesPattern"] == ["3.135[:]3.145"]
    assert (number["result"]["response"], number["result"]["success"]) == ("3.2", False)
