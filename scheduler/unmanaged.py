"""Tell admins, once per learner, about enrolled learners with no active manager: nobody hears when they go quiet."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from core.i18n import translate
from core.models import AuditEntry, Enrollment, Person
from core.render import info_message
from core.services import audit
from core.services.outbox import enqueue

ACTION = "no_manager_notice"
MAX_NAMES = 50


def unmanaged_learners(session: Session) -> list[Person]:
    """Return active learners in a running enrollment whose manager is missing or inactive, not yet reported."""
    manager = aliased(Person)
    told = exists().where(AuditEntry.action == ACTION, AuditEntry.subject_id == Person.id)
    enrolled = exists().where(Enrollment.person_id == Person.id, Enrollment.status == "active")
    no_manager = or_(Person.manager_id.is_(None), exists().where(
        and_(manager.id == Person.manager_id, manager.status != "active")))
    return list(session.scalars(select(Person).where(Person.status == "active", enrolled, no_manager, ~told)
                                .order_by(Person.id)))


def notify_unmanaged(session: Session, now: datetime) -> int:
    """Queue one message to each active admin naming learners with no manager not reported before; return how many."""
    admins = [p for p in session.scalars(select(Person).where(Person.status == "active",
                                                             Person.roles.contains("admin")))
              if "admin" in p.role_set]
    if not admins:
        return 0
    learners = unmanaged_learners(session)
    if not learners:
        return 0
    tag = hashlib.sha256(",".join(str(p.id) for p in learners).encode()).hexdigest()[:16]
    for admin in admins:
        names = ", ".join(p.name or p.handle for p in learners[:MAX_NAMES])
        more = len(learners) - MAX_NAMES
        if more > 0:
            names += translate(admin.locale, " and {n} more", n=more)
        text = translate(admin.locale, "These learners have no manager, so nobody hears when they go quiet: {names}. "
                         "Add their manager_email to the roster.", names=names)
        enqueue(session, key=f"no-manager:{admin.id}:{tag}", person=admin, kind="notice",
                message=info_message(text, title=translate(admin.locale, "Learners without a manager"),
                                     locale=admin.locale), due=now)
    for p in learners:
        audit.record(session, at=now, actor="worker", action=ACTION, subject=p,
                     reason=f"no active manager; told {len(admins)} admin(s)")
    return len(learners)
