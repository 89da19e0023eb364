"""A manager's buttons on an escalation: nudge the learner now, or snooze the alert for a week."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core import render
from core.i18n import format_datetime, translate
from core.models import Enrollment, Person
from core.services import audit
from core.services.outbox import enqueue
from core.services.progress import active_enrollments
from scheduler.ladder import can_reach

__all__ = ["ActionResult", "SNOOZE", "act", "is_above"]

SNOOZE = timedelta(days=7)


@dataclass
class ActionResult:
    """What a press did: a short notice for the manager and the deliveries to send at once."""

    notice: str
    send: list[int] = field(default_factory=list)


def is_above(session: Session, manager: Person, learner: Person, depth: int = 2) -> bool:
    """Return True when `manager` is the learner's manager or their manager's manager."""
    boss = learner.manager
    for _ in range(depth):
        if boss is None:
            return False
        if boss.id == manager.id:
            return True
        boss = boss.manager
    return False


def act(session: Session, manager: Person, kind: str, learner_id: int, now: datetime,
        platforms: tuple[str, ...] = ()) -> ActionResult:
    """Carry out `n` (remind the learner now, through the outbox) or `s` (snooze for a week); audited."""
    learner = session.get(Person, learner_id)
    loc = manager.locale
    if learner is None or not is_above(session, manager, learner):
        return ActionResult(translate(loc, "That person is not in your team."))
    name = learner.name or learner.handle
    if kind == "s":
        return _snooze(session, manager, learner, name, now)
    quiet = [e for e in active_enrollments(session, learner.id) if e.status == "active"]
    if not quiet:
        return ActionResult(translate(loc, "{name} has nothing to be reminded of right now.", name=name))
    if not can_reach(learner, platforms):
        return ActionResult(translate(loc, "{name} cannot be reached on chat; the admins have been told.", name=name))
    e = max(quiet, key=lambda x: x.unanswered)
    key = f"nudge-now:{learner.id}:{now:%Y%m%dT%H%M%S}"
    d = enqueue(session, key=key, person=learner, kind="reminder", due=now, enrollment_id=e.id,
                campaign_id=e.campaign_id, message=render.reminder_message(
                    learner.name, max(e.unanswered, 1), e.campaign.title or e.campaign_id, locale=learner.locale))
    audit.record(session, at=now, actor=manager.handle, actor_id=manager.id, action="escalation_nudge",
                 subject=learner, step="nudge_now", reason="manager pressed Nudge now", campaign_id=e.campaign_id,
                 delivery_key=key)
    session.flush()
    return ActionResult(translate(loc, "Reminder sent to {name}.", name=name), [d.id] if d is not None else [])


def _snooze(session: Session, manager: Person, learner: Person, name: str, now: datetime) -> ActionResult:
    until = now + SNOOZE
    ids = list(session.scalars(select(Enrollment.id).where(Enrollment.person_id == learner.id,
                                                           Enrollment.status == "active")))
    if ids:
        session.execute(update(Enrollment).where(Enrollment.id.in_(ids)).values(snoozed_until=until)
                        .execution_options(synchronize_session=False))
    audit.record(session, at=now, actor=manager.handle, actor_id=manager.id, action="escalation_snooze",
                 subject=learner, step="snooze", reason=f"manager snoozed the alert until {until:%Y-%m-%d %H:%M} UTC")
    zone = ZoneInfo(manager.timezone or "UTC")
    return ActionResult(translate(manager.locale, "Snoozed: you will not hear about {name} before {date}.",
                                  name=name, date=format_datetime(until, zone, manager.locale, skeleton="MMMEd")))
