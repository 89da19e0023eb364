"""Weekly manager digests: one useful message a week, at the manager's local time."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core import render
from core.i18n import format_datetime, translate
from core.models import Person
from core.ports import OutboundMessage
from core.services import due, memory
from core.services.outbox import enqueue
from core.services.people import is_reachable, reports_of
from core.services.progress import missed_in_a_row, team_stats
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
    """Return the manager's digest for the week ending `now`, or None when no report is enrolled."""
    since = now - timedelta(days=7)
    reports = reports_of(session, manager.id)
    ids = [p.id for p in reports]
    stats = team_stats(session, ids, since=since)
    ever = team_stats(session, ids)
    missed = missed_in_a_row(session, ids)
    lines = []
    for p in reports:
        s = stats[p.id]
        if ever[p.id].sent == 0 and p.status == "active":
            continue  # not started yet; someone silent since their track ran out, or who blocked the bot, shows
        # Counted in questions, not days, so a quiet weekend never makes anyone look inactive.
        quiet = missed[p.id] >= INACTIVE_AFTER_MISSED or (s.sent > 0 and s.answered == 0)
        name = memory.with_completions(session, p.id, p.name or p.handle, manager.locale)
        lines.append(render.ReportLine(name, s.answered, s.sent, s.accuracy, s.streak,
                                       s.last_active, quiet or p.status in ("blocked", "deactivated"), p.status))
    if not lines:
        return None
    zone = ZoneInfo(manager.timezone or "UTC")
    label = translate(manager.locale, "week to {date}", date=format_datetime(now, zone, manager.locale, "day_year"))
    return render.digest_message(manager.name, label, lines, locale=manager.locale)


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
