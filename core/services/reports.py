"""Admin reports: people, deliveries and answers as plain rows for export."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from core.models import Answer, Completion, Delivery, Enrollment, Person, TrackVersion
from core.services import audit
from core.services.people import ROSTER_COLUMNS
from core.services.tracks import track_of

Row = dict[str, Any]
# Exports keep the roster's compatibility columns (<platform>_id) even when nobody has such an account.
COMPAT_PLATFORMS = tuple(c.removesuffix("_id") for c in ROSTER_COLUMNS if c.endswith("_id"))


def _iso(d: datetime | None) -> str | None:
    return d.isoformat() if d else None


def people_rows(session: Session, campaign: str | None = None) -> list[Row]:
    """Return one row per person (optionally only those enrolled in `campaign`)."""
    stmt = select(Person).options(joinedload(Person.manager)).order_by(Person.id)
    if campaign is not None:
        stmt = stmt.where(Person.id.in_(select(Enrollment.person_id).where(Enrollment.campaign_id == campaign)))
    found = list(session.scalars(stmt).unique())
    platforms = list(dict.fromkeys([*COMPAT_PLATFORMS, *(a.platform for p in found for a in p.accounts)]))
    return [{"email": p.email, "name": p.name, "timezone": p.timezone, "timezone_source": p.tz_source,
             "locale": p.locale, "manager_email": p.manager.email if p.manager else None, "roles": p.roles,
             **{f"{platform}_id": p.account_id(platform) for platform in platforms}, "status": p.status,
             "paused_until": p.paused_until.isoformat() if p.paused_until else None}
            for p in found]


def delivery_rows(session: Session, campaign: str | None = None) -> list[Row]:
    """Return one row per outbox delivery, oldest first."""
    stmt = (select(Delivery).options(joinedload(Delivery.person))
            .order_by(Delivery.due_at, Delivery.seq, Delivery.id))
    if campaign is not None:
        stmt = stmt.where(Delivery.campaign_id == campaign)
    return [{"id": d.id, "person": d.person.handle if d.person else f"{d.channel}:{d.address}",
             "campaign": d.campaign_id, "kind": d.kind, "item": d.item,
             "channel": d.channel, "due_at": _iso(d.due_at), "sent_at": _iso(d.sent_at), "status": d.status,
             "attempts": d.attempts, "error": d.error, "slot_day": d.slot_day, "slot_at": _iso(d.slot_at)}
            for d in session.scalars(stmt)]


def answer_rows(session: Session, campaign: str | None = None) -> list[Row]:
    """Return one row per recorded answer, in the order they were given (choices numbered from 1)."""
    stmt = select(Answer).options(joinedload(Answer.person)).order_by(Answer.answered_at, Answer.id)
    if campaign is not None:
        stmt = stmt.where(Answer.campaign_id == campaign)
    found = list(session.scalars(stmt))
    prompts = _prompts(session, {a.track_version_id for a in found if a.track_version_id is not None})
    return [{"person": a.person.handle, "campaign": a.campaign_id, "question": a.question_id,
             "question_text": prompts.get((a.track_version_id, a.question_id)),
             "choice": a.choice_text, "choice_index": None if a.choice_index is None else a.choice_index + 1,
             "response": a.response, "score": a.score, "correct": a.correct,
             "latency_ms": a.latency_ms, "answered_at": _iso(a.answered_at), "content_hash": a.content_hash,
             "step": a.step, "path": a.path}
            for a in found]


def _prompts(session: Session, version_ids: set[int]) -> dict[tuple[int | None, str], str]:
    """Return the prompt of every question in these track versions, keyed by (version id, question id)."""
    out: dict[tuple[int | None, str], str] = {}
    for v in session.scalars(select(TrackVersion).where(TrackVersion.id.in_(version_ids))):
        try:
            track = track_of(v)
        except ValueError:
            continue  # a version stored before a schema change: the export still has every answer
        out.update({(v.id, q.id): q.prompt for u in track.units for q in u.questions})
    return out


def completion_rows(session: Session, campaign: str | None = None) -> list[Row]:
    """Return one row per completed enrollment: when, how, the score and the campaign's pass mark."""
    stmt = (select(Completion).options(joinedload(Completion.person))
            .order_by(Completion.completed_at, Completion.enrollment_id))
    if campaign is not None:
        stmt = stmt.where(Completion.campaign_id == campaign)
    return [{"person": c.person.handle, "campaign": c.campaign_id, "completed_at": _iso(c.completed_at),
             "reason": c.reason, "score": round(c.score, 4), "pass_mark": c.pass_mark, "passed": c.passed,
             "first_correct": c.first_correct, "questions": c.questions} for c in session.scalars(stmt)]


REPORTS: dict[str, Callable[[Session, str | None], list[Row]]] = {
    "people": people_rows, "deliveries": delivery_rows, "answers": answer_rows, "completions": completion_rows,
    "audit": audit.audit_rows}
REPORT_FIELDS = {
    "people": ["email", "name", "timezone", "status", *(f"{p}_id" for p in COMPAT_PLATFORMS)],
    "deliveries": ["person", "campaign", "item", "due_at", "sent_at", "status"],
    "answers": ["person", "campaign", "question", "choice", "correct", "answered_at"],
    "audit": audit.AUDIT_FIELDS,
    "completions": ["person", "campaign", "completed_at", "reason", "score", "pass_mark", "passed"],
}


def handles(session: Session, person_ids: set[int]) -> dict[int, str]:
    """Return how each of these people is named in CLI output (email or chat address)."""
    return {p.id: p.handle for p in session.scalars(select(Person).where(Person.id.in_(person_ids)))}


def all_people(session: Session) -> list[Person]:
    """Return everyone, by id."""
    return list(session.scalars(select(Person).order_by(Person.id)))
