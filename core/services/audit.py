"""The audit log: who did what to or about whom, which step, why, which message, and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import AuditEntry, Person


def record(session: Session, *, at: datetime, actor: str, action: str, subject: Person | None = None,
           step: str | None = None, reason: str = "", campaign_id: str | None = None,
           delivery_key: str | None = None, actor_id: int | None = None) -> AuditEntry:
    """Append one audit entry (it is committed with the caller's transaction)."""
    entry = AuditEntry(at=at, actor=actor, actor_id=actor_id, subject_id=subject.id if subject else None,
                       action=action, step=step, reason=reason, campaign_id=campaign_id, delivery_key=delivery_key)
    session.add(entry)
    session.flush()
    return entry


def entry_dict(e: AuditEntry, subjects: dict[int, str]) -> dict[str, Any]:
    """Return one entry as an export row; the subject is named by their current handle."""
    return {"id": e.id, "at": e.at.isoformat(), "actor": e.actor,
            "subject": subjects.get(e.subject_id) if e.subject_id is not None else None,
            "action": e.action, "step": e.step, "reason": e.reason, "campaign": e.campaign_id,
            "message": e.delivery_key}


def audit_rows(session: Session, campaign: str | None = None) -> list[dict[str, Any]]:
    """Return the audit log oldest first (optionally only entries of one campaign)."""
    stmt = select(AuditEntry).order_by(AuditEntry.id)
    if campaign is not None:
        stmt = stmt.where(AuditEntry.campaign_id == campaign)
    entries = list(session.scalars(stmt))
    ids = {e.subject_id for e in entries if e.subject_id is not None}
    subjects = {p.id: p.handle for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    return [entry_dict(e, subjects) for e in entries]


def entries_about(session: Session, person_id: int) -> list[AuditEntry]:
    """Return every audit entry about one person, oldest first."""
    return list(session.scalars(select(AuditEntry).where(AuditEntry.subject_id == person_id).order_by(AuditEntry.id)))


AUDIT_FIELDS = ["id", "at", "actor", "subject", "action", "step", "reason", "campaign", "message"]
