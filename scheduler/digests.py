"""Weekly manager digests: one useful message a week, at the manager's local time."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.models import Person
from core.ports import OutboundMessage
from core.services import due
from core.services.outbox import enqueue
from core.services.people import is_reachable
from scheduler import digest_build
from scheduler.planner import CATCH_UP, PlanReport, digest_instant

INACTIVE_AFTER_MISSED = 2


def plan_digests(session: Session, now: datetime) -> int:
    """Compute the next digest instant of every manager that has none yet."""
    managers = due.managers_to_plan(session)
    for m in managers:
        assert m.timezone is not None
        m.next_digest_at = digest_instant(due.campaigns_of_reports(session, m.id), ZoneInfo(m.timezone), now)
    session.flush()
    return len(managers)


def build_digest(session: Session, manager: Person, now: datetime) -> OutboundMessage | None:
    """Return the manager's digest since their previous one (with its chart), or None when there is nothing."""
    return digest_build.build(session, manager, now)


def process_digests(session: Session, now: datetime) -> PlanReport:
    """Queue every due digest once (keyed by manager and local date) and plan the following one."""
    report = PlanReport()
    for m in due.managers_due(session, now):
        assert m.next_digest_at is not None and m.timezone is not None
        zone = ZoneInfo(m.timezone)
        local_day = m.next_digest_at.astimezone(zone).date()
        if now - m.next_digest_at <= CATCH_UP and is_reachable(m, local_day):
            msg = build_digest(session, m, now)
            if msg is not None and enqueue(session, key=f"digest:{m.id}:{local_day.isoformat()}", person=m,
                                           kind="digest", message=msg, due=now) is not None:
                report.digests += 1
        m.next_digest_at = digest_instant(due.campaigns_of_reports(session, m.id), zone, now)
    session.flush()
    return report
