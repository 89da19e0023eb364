"""Build xAPI 1.0.3 statements as plain dicts from small records; no I/O, so sending is someone else's job.

Every statement id is a name-based UUID (uuid5) of the record it describes, so building the same record
twice gives the same statement and a re-send after a crash is a no-op at the Learning Record Store.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal
from urllib.parse import quote

__all__ = [
    "ACTIVITY_COURSE",
    "ACTIVITY_INTERACTION",
    "ACTIVITY_LESSON",
    "DEFAULT_NAMESPACE",
    "VERB_ANSWERED",
    "VERB_COMPLETED",
    "VERB_EXPERIENCED",
    "VERB_FAILED",
    "VERB_PASSED",
    "EnrollmentRef",
    "LessonDelivered",
    "Learner",
    "QuestionAnswered",
    "Statement",
    "TrackOutcome",
    "XapiConfig",
    "activity_id",
    "answered",
    "completed",
    "experienced",
    "failed",
    "iso_duration",
    "passed",
    "person_ref",
    "registration",
    "statement_id",
]

Statement = dict[str, Any]

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
VERB_EXPERIENCED = ADL_VERBS + "experienced"
VERB_ANSWERED = ADL_VERBS + "answered"
VERB_COMPLETED = ADL_VERBS + "completed"
VERB_PASSED = ADL_VERBS + "passed"
VERB_FAILED = ADL_VERBS + "failed"

ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"
ACTIVITY_LESSON = ADL_ACTIVITIES + "lesson"
ACTIVITY_COURSE = ADL_ACTIVITIES + "course"
ACTIVITY_INTERACTION = ADL_ACTIVITIES + "cmi.interaction"

# Fixed forever: changing it would give every already-sent record a new statement id (and duplicates).
DEFAULT_NAMESPACE = uuid.UUID("6f1d3c52-8f0e-5b0a-9a57-3d0c1e6b9a10")

# xAPI joins several correct responses of a "choice" interaction with this delimiter.
RESPONSE_DELIMITER = "[,]"


@dataclass(frozen=True)
class XapiConfig:
    """Where our IRIs live and how learners are identified."""

    activity_base: str  # e.g. "https://nudgebot.example/xapi/activities"
    home_page: str  # account homePage, e.g. "https://nudgebot.example"
    namespace: uuid.UUID = DEFAULT_NAMESPACE
    identify_by: Literal["account", "mbox"] = "account"
    platform: str = "nudgebot"


@dataclass(frozen=True)
class Learner:
    """A person as the LRS sees them: a stable internal key, and an email used only in mbox mode."""

    key: str
    email: str | None = None


@dataclass(frozen=True)
class EnrollmentRef:
    """One learner in one campaign of one track: the shared context of their statements."""

    key: str
    learner: Learner
    campaign_id: str
    campaign_title: str
    track_id: str
    track_title: str
    locale: str = "en"


@dataclass(frozen=True)
class LessonDelivered:
    """A lesson shown to a learner; key is the delivery's unique key."""

    key: str
    enrollment: EnrollmentRef
    lesson_id: str
    title: str
    at: datetime


@dataclass(frozen=True)
class QuestionAnswered:
    """A learner's answer to a question; key is the answer's id.

    Choice questions give `choices`, `correct` and `chosen` (one index, or `selected` for multiple
    response); typed ones give `interaction` ("fill-in" or "numeric"), `accepted` patterns and `typed`.
    """

    key: str
    enrollment: EnrollmentRef
    question_id: str
    prompt: str
    choices: tuple[str, ...]
    correct: tuple[int, ...]
    chosen: int
    latency: timedelta
    at: datetime
    interaction: str = "choice"
    selected: tuple[int, ...] | None = None
    typed: str = ""
    accepted: tuple[str, ...] = ()
    success: bool | None = None
    score: float | None = None


@dataclass(frozen=True)
class TrackOutcome:
    """A learner's result on a whole track, with score as a fraction in [0, 1]."""

    key: str
    enrollment: EnrollmentRef
    scaled: float
    at: datetime
    raw: float | None = None
    max: float | None = None


def statement_id(config: XapiConfig, kind: str, key: str) -> str:
    """Return the deterministic statement id for one kind of statement about one source record."""
    return str(uuid.uuid5(config.namespace, f"statement/{kind}/{key}"))


def registration(config: XapiConfig, enrollment_key: str) -> str:
    """Return the deterministic registration UUID of an enrollment."""
    return str(uuid.uuid5(config.namespace, f"enrollment/{enrollment_key}"))


def person_ref(config: XapiConfig, learner_key: str) -> str:
    """Return the opaque, stable account name of a learner (never their email)."""
    return str(uuid.uuid5(config.namespace, f"person/{learner_key}"))


def activity_id(config: XapiConfig, *segments: str) -> str:
    """Return an activity IRI under the configured base, each segment percent-encoded."""
    return "/".join([config.activity_base.rstrip("/"), *(quote(s, safe="") for s in segments)])


def iso_duration(value: timedelta) -> str:
    """Format a non-negative timedelta as an ISO 8601 duration to 0.01 s, e.g. PT1M2.5S."""
    if value < timedelta(0):
        raise ValueError(f"duration must not be negative, got {value}")
    # Integer microseconds, rounded half up: float seconds would turn 12.345 into 12.34.
    centis = (value // timedelta(microseconds=1) + 5_000) // 10_000
    hours, centis = divmod(centis, 360_000)
    minutes, centis = divmod(centis, 6_000)
    seconds = f"{centis // 100}.{centis % 100:02d}".rstrip("0").rstrip(".")
    parts = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if seconds != "0" or not parts:
        parts += f"{seconds}S"
    return "PT" + parts


def experienced(config: XapiConfig, event: LessonDelivered) -> Statement:
    """Build the statement that a learner was shown a lesson."""
    e = event.enrollment
    lesson = _activity(
        activity_id(config, "track", e.track_id, "lesson", event.lesson_id), event.title, ACTIVITY_LESSON, e.locale
    )
    return _statement(config, "experienced", event.key, VERB_EXPERIENCED, lesson, e, event.at, track_is_parent=True)


def answered(config: XapiConfig, event: QuestionAnswered) -> Statement:
    """Build the statement that a learner answered a question, with success, response, score and latency."""
    e = event.enrollment
    question = _activity(
        activity_id(config, "track", e.track_id, "question", event.question_id),
        event.prompt,
        ACTIVITY_INTERACTION,
        e.locale,
    )
    if event.interaction == "choice":
        picked = event.selected if event.selected is not None else (event.chosen,)
        if any(not 0 <= i < len(event.choices) for i in picked):
            what = f"index {event.chosen}" if event.selected is None else f"indexes {list(picked)}"
            raise ValueError(f"answer {event.key}: chosen {what} is not one of {len(event.choices)} choices")
        if not event.correct or any(not 0 <= i < len(event.choices) for i in event.correct):
            raise ValueError(f"answer {event.key}: correct indices {list(event.correct)} do not fit the choices")
        question["definition"].update(
            interactionType="choice",
            choices=[{"id": _choice_id(i), "description": {e.locale: text}} for i, text in enumerate(event.choices)],
            correctResponsesPattern=[RESPONSE_DELIMITER.join(_choice_id(i) for i in event.correct)],
        )
        response = RESPONSE_DELIMITER.join(_choice_id(i) for i in picked)
        success = set(picked) == set(event.correct) if event.success is None else event.success
    else:
        question["definition"].update(interactionType=event.interaction,
                                      correctResponsesPattern=list(event.accepted))
        response, success = event.typed, bool(event.success)
    statement = _statement(config, "answered", event.key, VERB_ANSWERED, question, e, event.at, track_is_parent=True)
    statement["result"] = {"success": success, "response": response, "duration": iso_duration(event.latency)}
    if event.score is not None:
        statement["result"]["score"] = {"scaled": round(event.score, 4)}
    return statement


def completed(config: XapiConfig, outcome: TrackOutcome) -> Statement:
    """Build the statement that a learner completed a track, with its score."""
    return _track_result(config, "completed", VERB_COMPLETED, outcome, success=None)


def passed(config: XapiConfig, outcome: TrackOutcome) -> Statement:
    """Build the statement that a learner passed a track, with its score."""
    return _track_result(config, "passed", VERB_PASSED, outcome, success=True)


def failed(config: XapiConfig, outcome: TrackOutcome) -> Statement:
    """Build the statement that a learner failed a track, with its score."""
    return _track_result(config, "failed", VERB_FAILED, outcome, success=False)


def _track_result(config: XapiConfig, kind: str, verb: str, outcome: TrackOutcome, success: bool | None) -> Statement:
    e = outcome.enrollment
    if not 0.0 <= outcome.scaled <= 1.0:
        raise ValueError(f"outcome {outcome.key}: scaled score must be between 0 and 1, got {outcome.scaled}")
    track = _activity(activity_id(config, "track", e.track_id), e.track_title, ACTIVITY_COURSE, e.locale)
    statement = _statement(config, kind, outcome.key, verb, track, e, outcome.at, track_is_parent=False)
    score: dict[str, float] = {"scaled": outcome.scaled}
    if outcome.raw is not None:
        score.update(raw=outcome.raw, min=0)
    if outcome.max is not None:
        score["max"] = outcome.max
    result: dict[str, Any] = {"score": score, "completion": True}
    if success is not None:
        result["success"] = success
    statement["result"] = result
    return statement


def _statement(
    config: XapiConfig,
    kind: str,
    key: str,
    verb: str,
    obj: dict[str, Any],
    e: EnrollmentRef,
    at: datetime,
    *,
    track_is_parent: bool,
) -> Statement:
    campaign = _activity(activity_id(config, "campaign", e.campaign_id), e.campaign_title, None, e.locale)
    if track_is_parent:
        track = _activity(activity_id(config, "track", e.track_id), e.track_title, ACTIVITY_COURSE, e.locale)
        context_activities = {"parent": [track], "grouping": [campaign]}
    else:
        context_activities = {"parent": [campaign]}
    return {
        "id": statement_id(config, kind, key),
        "actor": _actor(config, e.learner),
        "verb": {"id": verb, "display": {"en-US": verb.rsplit("/", 1)[-1]}},
        "object": obj,
        "context": {
            "registration": registration(config, e.key),
            "contextActivities": context_activities,
            "platform": config.platform,
            "language": e.locale,
        },
        "timestamp": _timestamp(at, f"{kind} {key}"),
    }


def _actor(config: XapiConfig, learner: Learner) -> dict[str, Any]:
    if config.identify_by == "mbox":
        if not learner.email:
            raise ValueError(f"learner {learner.key}: xAPI is set to identify by mbox but they have no email")
        return {"objectType": "Agent", "mbox": f"mailto:{learner.email}"}
    return {
        "objectType": "Agent",
        "account": {"homePage": config.home_page, "name": person_ref(config, learner.key)},
    }


def _activity(iri: str, name: str, kind: str | None, locale: str) -> dict[str, Any]:
    definition: dict[str, Any] = {"name": {locale: name}}
    if kind is not None:
        definition["type"] = kind
    return {"objectType": "Activity", "id": iri, "definition": definition}


def _choice_id(index: int) -> str:
    return f"choice-{index}"


def _timestamp(at: datetime, what: str) -> str:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{what}: timestamp {at.isoformat()} has no timezone")
    return at.isoformat(timespec="milliseconds")
