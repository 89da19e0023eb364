"""Weekly manager digests: one useful message a week, at the manager's local time."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core import render
from core.i18n import format_datetime, translate
from core.models import Person
from core.ports import OutboundMessage
from core.services import due
from core.services.outbox import enqueue, existing_keys
from core.services.people import is_reachable, reports_of
from core.services.progress import Stats, missed_in_a_row, team_stats
from scheduler.planner import CATCH_UP, PlanReport, digest_instant

INACTIVE_AFTER_MISSED = 2


def plan_digests(session: Session, now: datetime) -> int:
    """Compute the next digest instant of every manager marked for it (batched queries, not per manager)."""
    managers = due.managers_to_plan(session)
    _plan_next(session, managers, now)
    session.flush()
    return len(managers)


def _plan_next(session: Session, managers: list[Person], now: datetime) -> None:
    firsts = due.first_campaigns_of_reports(session, [m.id for m in managers])
    for m in managers:
        assert m.timezone is not None
        first = firsts.get(m.id)
        m.next_digest_at = digest_instant([first] if first else [], ZoneInfo(m.timezone), now)


def build_digest(session: Session, manager: Person, now: datetime) -> OutboundMessage | None:
    """Return the manager's digest for the week ending `now`, or None when no report is enrolled."""
    reports = reports_of(session, manager.id)
    ids = [p.id for p in reports]
    since = now - timedelta(days=7)
    return compose_digest(manager, reports, team_stats(session, ids, since=since), missed_in_a_row(session, ids), now,
                          ever=team_stats(session, ids))


def compose_digest(manager: Person, reports: list[Person], stats: Mapping[int, Stats], missed: Mapping[int, int],
                   now: datetime, *, ever: Mapping[int, Stats]) -> OutboundMessage | None:
    """Return the digest from what was loaded for it (reports, their week's and all-time stats, missed runs)."""
    lines = []
    for p in reports:
        s = stats[p.id]
        if ever[p.id].sent == 0 and p.status == "active":
            continue  # not started yet; someone silent since their track ran out, or who blocked the bot, shows
        # Counted in questions, not days, so a quiet weekend never makes anyone look inactive.
        quiet = missed[p.id] >= INACTIVE_AFTER_MISSED or (s.sent > 0 and s.answered == 0)
        lines.append(render.ReportLine(p.name or p.handle, s.answered, s.sent, s.accuracy, s.streak,
                                       s.last_active, quiet or p.status in ("blocked", "deactivated"), p.status))
    if not lines:
        return None
    zone = ZoneInfo(manager.timezone or "UTC")
    label = translate(manager.locale, "week to {date}", date=format_datetime(now, zone, manager.locale, "day_year"))
    return render.digest_message(manager.name, label, lines, locale=manager.locale)


def process_digests(session: Session, now: datetime, batch: int = 500) -> PlanReport:
    """Queue every due digest once (keyed by manager and local date) and plan the following one.

    Managers are taken `batch` at a time and each batch is loaded with a few queries (reports, stats,
    missed runs, existing keys, next campaigns), so the cost grows with the digests due, never per manager.
    """
    report = PlanReport()
    managers = due.managers_due(session, now)
    since = now - timedelta(days=7)
    for i in range(0, len(managers), batch):
        part = managers[i : i + batch]
        todo: dict[str, Person] = {}
        for m in part:
            assert m.next_digest_at is not None and m.timezone is not None
            local_day = m.next_digest_at.astimezone(ZoneInfo(m.timezone)).date()
            if now - m.next_digest_at <= CATCH_UP and is_reachable(m, local_day):
                todo[f"digest:{m.id}:{local_day.isoformat()}"] = m
        with session.no_autoflush:
            done = existing_keys(session, list(todo))
        teams = due.reports_of_managers(session, [m.id for k, m in todo.items() if k not in done])
        ids = [p.id for reports in teams.values() for p in reports]
        stats: dict[int, Stats] = {}
        ever: dict[int, Stats] = {}
        missed: dict[int, int] = {}
        for j in range(0, len(ids), 1000):
            stats.update(team_stats(session, ids[j : j + 1000], since=since))
            ever.update(team_stats(session, ids[j : j + 1000]))
            missed.update(missed_in_a_row(session, ids[j : j + 1000]))
        for key, m in todo.items():
            msg = None if key in done else compose_digest(m, teams[m.id], stats, missed, now, ever=ever)
            if msg is not None:
                enqueue(session, key=key, person=m, kind="digest", message=msg, due=now, check=False)
                report.digests += 1
        _plan_next(session, part, now)
        session.flush()
    return report
