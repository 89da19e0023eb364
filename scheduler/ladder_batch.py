"""One escalation message a day per manager: every ladder item waiting for them, across all campaigns."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from core import render
from core.models import Campaign, Enrollment, EscalationItem, Person
from core.services import audit
from core.services.outbox import enqueue, existing_keys
from core.services.people import is_reachable
from core.services.reporting import options_of
from scheduler.ladder import STEP

__all__ = ["escalation_key", "send_batches"]


def escalation_key(recipient_id: int, local_day: str) -> str:
    """Return the outbox key of a manager's escalation message on their local day: one a day."""
    return f"escalation:{recipient_id}:{local_day}"


def send_batches(session: Session, now: datetime) -> int:
    """Queue today's escalation message of every manager with waiting items, at their local time; return how many."""
    stmt = (select(EscalationItem).where(EscalationItem.delivery_key.is_(None), EscalationItem.resolved_at.is_(None))
            .order_by(EscalationItem.id))
    if session.get_bind().dialect.name == "postgresql":
        # A second worker waits for the first, then finds these items sent (SQLite's write lock does the same).
        stmt = stmt.with_for_update()
    waiting = list(session.scalars(stmt))
    if not waiting:
        return 0
    by: dict[int, list[EscalationItem]] = defaultdict(list)
    for it in waiting:
        by[it.recipient_id].append(it)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(
        {it.recipient_id for it in waiting} | {it.learner_id for it in waiting})))}
    enrolls = {e.id: e for e in session.scalars(select(Enrollment).where(Enrollment.id.in_(
        {it.enrollment_id for it in waiting})))}
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(Campaign.id.in_(
        {it.campaign_id for it in waiting})))}
    options = options_of(session, campaigns)
    todo: dict[str, tuple[Person, list[EscalationItem]]] = {}
    for rid, items in by.items():
        manager = people[rid]
        zone = ZoneInfo(manager.timezone or "UTC")
        local = now.astimezone(zone)
        at = min(options[it.campaign_id].escalation_at for it in items)
        if local.time() < time.fromisoformat(at) or not is_reachable(manager, local.date()):
            continue
        todo[escalation_key(rid, local.date().isoformat())] = (manager, items)
    sent = existing_keys(session, list(todo))
    for key, (manager, items) in todo.items():
        if key in sent:
            continue  # today's message went out already: these wait for tomorrow's
        lines = [_line(it, people, enrolls, campaigns) for it in items]
        msg = render.escalation_message(manager.name, lines, locale=manager.locale,
                                        zone=ZoneInfo(manager.timezone or "UTC"))
        enqueue(session, key=key, person=manager, kind="escalation", message=msg, due=now, check=False)
        for it in items:
            it.delivery_key = key
            audit.record(session, at=now, actor="worker", action=STEP, subject=people[it.learner_id], step=it.step,
                         reason=f"quiet since {it.quiet_since:%Y-%m-%d}; told {manager.handle} "
                                f"({len(items)} learner(s) in the day's message)",
                         campaign_id=it.campaign_id, delivery_key=key)
    session.flush()
    return len(todo) - len(sent & set(todo))


def _line(it: EscalationItem, people: dict[int, Person], enrolls: dict[int, Enrollment],
          campaigns: dict[str, Campaign]) -> render.Escalated:
    learner = people[it.learner_id]
    c = campaigns.get(it.campaign_id)
    e = enrolls.get(it.enrollment_id)
    via = learner.manager.name if it.step == "skip_level" and learner.manager is not None else ""
    return render.Escalated(learner.id, learner.name or learner.handle, (c.title or c.id) if c else it.campaign_id,
                            it.quiet_since, e.unanswered if e else 0, via)
