"""The xAPI outbox: statements built when something happens, stored, and sent later by the worker.

Statements are built at queue time (the stored JSON is what is sent, never rebuilt) with deterministic
ids (core.xapi), so a re-send after a crash is acknowledged by the LRS without a second copy. Queuing
happens only when the session carries an XapiConfig under `session.info[XAPI_INFO]`, which bot
bootstrap sets when LRS_URL is configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from content.grading import numeric_bounds, parse_number
from core import xapi
from core.models import Answer, Campaign, Completion, Delivery, Person, TrackVersion, XapiStatement
from core.services.tracks import track_of

if TYPE_CHECKING:
    from content.schema import Question, Track, Unit

XAPI_INFO = "xapi_config"
MAX_BACKOFF = timedelta(hours=1)
FIRST_BACKOFF = timedelta(seconds=30)


def config_of(session: Session) -> xapi.XapiConfig | None:
    """Return the xAPI configuration this session queues with, or None when xAPI is off."""
    found = session.info.get(XAPI_INFO)
    return found if isinstance(found, xapi.XapiConfig) else None


def queue(session: Session, statement: dict[str, Any], person_id: int | None, now: datetime) -> bool:
    """Store a built statement for sending, once per statement id; return whether it was new."""
    sid = str(statement["id"])
    if session.scalar(select(XapiStatement.id).where(XapiStatement.statement_id == sid)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(XapiStatement(statement_id=sid, person_id=person_id, statement=statement, status="pending",
                                      attempts=0, queued_at=now, next_attempt_at=now))
    except IntegrityError:
        return False  # queued by a concurrent transaction
    return True


def _ref(session: Session, person: Person, d: Delivery, track: Track) -> xapi.EnrollmentRef:
    key = str(d.enrollment_id) if d.enrollment_id is not None else f"{person.id}:{d.campaign_id}"
    return _enrollment_ref(session, person, key, d.campaign_id, track)


def _enrollment_ref(session: Session, person: Person, key: str, campaign_id: str | None,
                    track: Track) -> xapi.EnrollmentRef:
    campaign = session.get(Campaign, campaign_id) if campaign_id else None
    return xapi.EnrollmentRef(key=key, learner=xapi.Learner(key=str(person.id), email=person.email),
                              campaign_id=campaign_id or "none", campaign_title=campaign.title if campaign else "",
                              track_id=track.id, track_title=track.title, locale=person.locale)


def on_completion(session: Session, completion: Completion, person: Person, track: Track) -> None:
    """Queue `completed` and then `passed` or `failed` (with the score) for a new completion (no-op when off).

    Both are keyed by the enrollment, so each is sent once however often this is called.
    """
    config = config_of(session)
    if config is None:
        return
    key = str(completion.enrollment_id)
    outcome = xapi.TrackOutcome(key=key, enrollment=_enrollment_ref(session, person, key, completion.campaign_id,
                                                                    track),
                                scaled=round(min(max(completion.score, 0.0), 1.0), 4), at=completion.completed_at,
                                raw=completion.first_correct, max=completion.questions)
    queue(session, xapi.completed(config, outcome), person.id, completion.completed_at)
    verdict = xapi.passed if completion.passed else xapi.failed
    queue(session, verdict(config, outcome), person.id, completion.completed_at)


def on_answer(session: Session, answer: Answer, d: Delivery, person: Person, track: Track, question: Question) -> None:
    """Queue the `answered` statement of a newly recorded answer (no-op when xAPI is off)."""
    config = config_of(session)
    if config is None:
        return
    event = xapi.QuestionAnswered(
        key=str(answer.id), enrollment=_ref(session, person, d, track), question_id=question.id,
        prompt=question.prompt, choices=tuple(c.text for c in question.choices), correct=question.correct_indexes,
        chosen=answer.choice_index if answer.choice_index is not None else -1,
        latency=timedelta(milliseconds=answer.latency_ms), at=answer.answered_at, **_kind_fields(answer, question))
    queue(session, xapi.answered(config, event), person.id, answer.answered_at)


def _kind_fields(answer: Answer, question: Question) -> dict[str, Any]:
    # Multiple response reports every chosen choice and the partial score; typed kinds their text.
    if question.type == "multiple":
        picked = tuple(int(n) - 1 for n in (answer.response or "").split(";") if n.isdigit())
        return {"selected": picked, "success": answer.correct, "score": answer.score}
    if question.type == "short":
        return {"interaction": "fill-in", "typed": answer.response or "", "accepted": tuple(question.accept or ()),
                "success": answer.correct}
    if question.type == "numeric":
        # xAPI writes a numeric range as min[:]max (either end may be open) and a response as a plain number.
        low, high = numeric_bounds(question)
        pattern = f"{'' if low is None else f'{low:g}'}[:]{'' if high is None else f'{high:g}'}"
        value = parse_number(answer.response or "")
        return {"interaction": "numeric", "typed": answer.response or "" if value is None else f"{value:g}",
                "accepted": (pattern,), "success": answer.correct}
    return {}


def on_sent(session: Session, delivery_id: int, now: datetime) -> None:
    """Queue the `experienced` statement of a lesson just sent (no-op for other messages or xAPI off)."""
    config = config_of(session)
    if config is None:
        return
    d = session.get(Delivery, delivery_id)
    if d is None or d.kind != "lesson" or d.track_version_id is None or d.person is None:
        return
    version = session.get(TrackVersion, d.track_version_id)
    if version is None:
        return
    track = track_of(version)
    unit = _unit(track, d.item)
    if unit is None:
        return
    event = xapi.LessonDelivered(key=d.key, enrollment=_ref(session, d.person, d, track), lesson_id=unit.id,
                                 title=unit.title, at=now)
    queue(session, xapi.experienced(config, event), d.person.id, now)


def _unit(track: Track, unit_id: str) -> Unit | None:
    return next((u for u in track.units if u.id == unit_id), None)


def due(session: Session, now: datetime, limit: int) -> list[XapiStatement]:
    """Return pending statements whose time has come, oldest first."""
    return list(session.scalars(select(XapiStatement).where(XapiStatement.status == "pending",
                                                            XapiStatement.next_attempt_at <= now)
                                .order_by(XapiStatement.id).limit(limit)))


def by_ids(session: Session, statement_ids: list[str]) -> list[XapiStatement]:
    """Return the outbox rows of these statement ids."""
    return list(session.scalars(select(XapiStatement).where(XapiStatement.statement_id.in_(statement_ids))))


def settle(session: Session, rows: Iterable[XapiStatement], *, sent: Iterable[str], rejected: dict[str, str],
           retry: Iterable[str], error: str | None, retry_after: timedelta | None, now: datetime) -> None:
    """Record the LRS's answer: sent, rejected for good (with its message), or retried later with backoff."""
    sent_ids, retry_ids = set(sent), set(retry)
    for row in rows:
        if row.statement_id in sent_ids:
            row.status, row.sent_at, row.error = "sent", now, None
        elif row.statement_id in rejected:
            row.status, row.error = "rejected", rejected[row.statement_id]
        elif row.statement_id in retry_ids:
            row.attempts += 1
            wait = retry_after or min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (row.attempts - 1))
            row.next_attempt_at, row.error = now + wait, error


def counts(session: Session) -> dict[str, int]:
    """Return how many statements are pending, sent and rejected."""
    out = {"pending": 0, "sent": 0, "rejected": 0}
    for (status,) in session.execute(select(XapiStatement.status)):
        out[status] = out.get(status, 0) + 1
    return out
