"""A person's data: everything stored about them as one document, and erasure that keeps aggregates.

Forgetting a person erases what identifies them (name, email, chat accounts, time zone, location,
groups, platform notes), every message text sent to or received from them (outbox payloads, the
console log, pending prompts) and the xAPI statements still queued under their email. It keeps their
answers (question, choice, correctness, timing), enrollments, department and manager link, so
reports and funnels still add up; they are then named `forgotten:<id>`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.models import (
    Answer,
    ChatLog,
    Delivery,
    Enrollment,
    Invite,
    LessonHistory,
    PendingPrompt,
    Person,
    XapiStatement,
)
from core.services import audit

FORGOTTEN = "forgotten"


def _run(session: Session, stmt: Any) -> int:
    """Execute a bulk statement and return how many rows it touched."""
    return int(getattr(session.execute(stmt), "rowcount", 0) or 0)


def _iso(d: Any) -> Any:
    return d.isoformat() if d is not None else None


def _columns(row: Any, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    return {c.key: _iso(getattr(row, c.key)) if hasattr(getattr(row, c.key), "isoformat")
            else getattr(row, c.key) for c in row.__table__.columns if c.key not in skip}


def person_document(session: Session, person: Person) -> dict[str, Any]:
    """Return everything stored about a person, table by table, as JSON-ready data."""
    addresses = {str(person.id), *(a.user_id for a in person.accounts)}
    pid = person.id
    return {
        "person": _columns(person),
        "manager": person.manager.handle if person.manager else None,
        "chat_accounts": [_columns(a) for a in person.accounts],
        "enrollments": [_columns(e) for e in session.scalars(
            select(Enrollment).where(Enrollment.person_id == pid).order_by(Enrollment.id))],
        "deliveries": [_columns(d) for d in session.scalars(
            select(Delivery).where(Delivery.person_id == pid).order_by(Delivery.id))],
        "answers": [{**_columns(a), "choice_number": None if a.choice_index is None else a.choice_index + 1}
                    for a in session.scalars(select(Answer).where(Answer.person_id == pid).order_by(Answer.id))],
        "console_log": [_columns(c) for c in session.scalars(
            select(ChatLog).where(ChatLog.address.in_(addresses)).order_by(ChatLog.id))],
        "pending_prompts": [_columns(p) for p in session.scalars(
            select(PendingPrompt).where(PendingPrompt.person_id == pid))],
        "invites": [_columns(i) for i in session.scalars(
            select(Invite).where((Invite.person_id == pid) | (Invite.manager_id == pid)))],
        "xapi_statements": [_columns(x) for x in session.scalars(
            select(XapiStatement).where(XapiStatement.person_id == pid).order_by(XapiStatement.id))],
        "audit_log": [audit.entry_dict(e, {pid: person.handle}) for e in audit.entries_about(session, pid)],
    }


def forget(session: Session, person: Person, now: datetime, actor: str, reason: str = "") -> dict[str, int]:
    """Erase a person's personal data, keep anonymous aggregates, audit it; return what was erased."""
    pid = person.id
    addresses = {str(pid), *(a.user_id for a in person.accounts)}
    counts = {"chat_accounts": len(person.accounts)}
    counts["console_log"] = _run(session, delete(ChatLog).where(ChatLog.address.in_(addresses)))
    counts["pending_prompts"] = _run(session, delete(PendingPrompt).where(PendingPrompt.person_id == pid))
    counts["lesson_history"] = _run(session, delete(LessonHistory).where(LessonHistory.person_id == pid))
    counts["messages_cancelled"] = _run(session,
        update(Delivery).where(Delivery.person_id == pid, Delivery.status == "pending")
        .values(status="cancelled", error="person forgotten"))
    counts["message_texts"] = _run(session,
        update(Delivery).where(Delivery.person_id == pid).values(payload={}, address=""))
    queued = [x for x in session.scalars(select(XapiStatement).where(XapiStatement.person_id == pid,
                                                                     XapiStatement.status == "pending"))
              if "mbox" in x.statement.get("actor", {})]
    for x in queued:
        session.delete(x)
    counts["xapi_statements"] = len(queued)
    _run(session, update(Invite).where(Invite.person_id == pid).values(person_id=None))
    _run(session, update(Enrollment).where(Enrollment.person_id == pid, Enrollment.status == "active")
                    .values(status="removed", next_due_at=None))
    person.accounts.clear()
    person.email, person.name, person.timezone, person.location, person.groups = None, "", None, None, ""
    person.platform_note, person.preferred_channel, person.paused_until = None, None, None
    person.next_digest_at, person.status = None, FORGOTTEN
    session.flush()
    audit.record(session, at=now, actor=actor, action="forget", subject=person,
                 reason=reason or "personal data erased on request")
    return counts
