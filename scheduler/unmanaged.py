"""Tell admins, once per learner, about enrolled learners nobody hears about: no active manager, or unreachable.

A learner with no manager goes quiet unnoticed; a learner who blocked the bot, left or has no chat
account would be reminded into the void. Admins (role `admin`) hear about each once, in one message
per kind, and the ladder skips the reminders it cannot deliver.

Finding them reads every enrolled learner, so it is housekeeping, not due work: the worker runs it
at most every EVERY (one worker at a time, like retention), and a tick with nothing due stays cheap
however many people are enrolled.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Exists, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from core.i18n import N_, translate
from core.models import AuditEntry, ChatAccount, Enrollment, Person
from core.render import info_message
from core.services import audit, settings
from core.services.outbox import enqueue
from scheduler.ladder import can_reach

ACTION = "no_manager_notice"
UNREACHABLE_ACTION = "unreachable_notice"
MAX_NAMES = 50
EVERY = timedelta(minutes=10)
LAST_RUN = "unmanaged.last_run"


def _not_told(action: str) -> ColumnElement[bool]:
    return ~exists().where(AuditEntry.action == action, AuditEntry.subject_id == Person.id)


def _enrolled() -> Exists:
    return exists().where(Enrollment.person_id == Person.id, Enrollment.status == "active")


def unmanaged_learners(session: Session) -> list[Person]:
    """Return active learners in a running enrollment whose manager is missing or inactive, not yet reported."""
    manager = aliased(Person)
    no_manager = or_(Person.manager_id.is_(None), exists().where(
        and_(manager.id == Person.manager_id, manager.status != "active")))
    return list(session.scalars(select(Person).where(Person.status == "active", _enrolled(), no_manager,
                                                     _not_told(ACTION)).order_by(Person.id)))


def unreachable_learners(session: Session, platforms: Collection[str]) -> list[Person]:
    """Return enrolled learners the bot cannot reach (blocked, left, no chat account), not yet reported."""
    gone = Person.status.in_(("blocked", "deactivated", "left"))
    no_account = ~exists().where(ChatAccount.person_id == Person.id, ChatAccount.status == "active")
    where = or_(gone, no_account) if platforms else or_(gone, and_(
        exists().where(ChatAccount.person_id == Person.id), no_account))
    found = session.scalars(select(Person).where(_enrolled(), where, Person.status != "forgotten",
                                                 _not_told(UNREACHABLE_ACTION)).order_by(Person.id))
    return [p for p in found if not can_reach(p, platforms)]


def notify_unmanaged(session: Session, now: datetime, platforms: Collection[str] = (), *,
                     force: bool = False) -> int:
    """Queue one message to each active admin per kind naming learners not reported before; return how many.

    Runs at most every EVERY unless `force`d.
    """
    if not settings.take_turn(session, LAST_RUN, now, EVERY, force=force):
        return 0
    admins = [p for p in session.scalars(select(Person).where(Person.status == "active",
                                                             Person.roles.contains("admin")))
              if "admin" in p.role_set]
    if not admins:
        return 0
    n = _notify(session, admins, unmanaged_learners(session), now, ACTION, "no active manager",
                N_("Learners without a manager"),
                N_("These learners have no manager, so nobody hears when they go quiet: {names}. "
                   "Add their manager_email to the roster."))
    return n + _notify(session, admins, unreachable_learners(session, platforms), now, UNREACHABLE_ACTION,
                       "cannot be reached on chat", N_("Learners the bot cannot reach"),
                       N_("These learners are enrolled but cannot be reached (they blocked the bot, left or have "
                          "no chat account), so they are not reminded: {names}. Check their accounts or remove "
                          "them from the campaign."))


def _notify(session: Session, admins: list[Person], learners: list[Person], now: datetime, action: str,
            why: str, title: str, body: str) -> int:
    if not learners:
        return 0
    tag = hashlib.sha256(",".join(str(p.id) for p in learners).encode()).hexdigest()[:16]
    prefix = "no-manager" if action == ACTION else "unreachable"
    for admin in admins:
        names = ", ".join(p.name or p.handle for p in learners[:MAX_NAMES])
        more = len(learners) - MAX_NAMES
        if more > 0:
            names += translate(admin.locale, " and {n} more", n=more)
        enqueue(session, key=f"{prefix}:{admin.id}:{tag}", person=admin, kind="notice",
                message=info_message(translate(admin.locale, body, names=names),
                                     title=translate(admin.locale, title), locale=admin.locale), due=now)
    for p in learners:
        audit.record(session, at=now, actor="worker", action=action, subject=p,
                     reason=f"{why}; told {len(admins)} admin(s)")
    return len(learners)
