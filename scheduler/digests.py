"""Weekly manager digests: one useful message a week, at the manager's local time."""

from __future__ import annotations

import gc
from datetime import datetime
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.models import Person
from core.ports import OutboundMessage
from core.services import due
from core.services.outbox import enqueue_many, existing_keys
from core.services.people import is_reachable
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
    # ZoneInfo keeps only a few zones nobody holds: thousands of managers over dozens of zones would
    # otherwise read each zone's file again and again.
    zones: dict[str, ZoneInfo] = {}
    for m in managers:
        assert m.timezone is not None
        first = firsts.get(m.id)
        zone = zones.get(m.timezone) or zones.setdefault(m.timezone, ZoneInfo(m.timezone))
        m.next_digest_at = digest_instant([first] if first else [], zone, now)


def build_digest(session: Session, manager: Person, now: datetime) -> OutboundMessage | None:
    """Return the manager's digest since their previous one (with its chart), or None when there is nothing."""
    from scheduler import digest_build

    return digest_build.build(session, manager, now)


def process_digests(session: Session, now: datetime, batch: int = 500, processes: int | None = None) -> PlanReport:
    """Queue every due digest once (keyed by manager and local date) and plan the following one.

    Managers are taken `batch` at a time; the keys already queued, every team's records and the next
    campaigns are read per batch (core/services/team_data.py), and the batch's charts and deliveries are
    written with one INSERT each; each chart reuses a cached layout (core/digest_chart.py). On a big run,
    a helper process draws one batch's charts while this one gathers the next (scheduler/chart_pool.py;
    `processes` overrides how many helpers, 0 for none).
    """
    report = PlanReport()
    managers = due.managers_due(session, now)
    if not managers:
        return report
    # The team read-outs and charts are imported only when a digest is due: most ticks (and the start-up of
    # `nudgebot tick` and of the worker) do without them.
    from scheduler.chart_pool import ChartPool

    # The many objects of a big run would otherwise make each full collection rescan everything loaded
    # before it; they are put back under the collector's watch at the end (unless a process froze its
    # start-up heap itself: then that is left as it was).
    frozen_here = gc.get_freeze_count() == 0
    if frozen_here:
        gc.freeze()
    try:
        with ChartPool(len(managers), processes) as charts:
            waiting: _Gathered | None = None
            for i in range(0, len(managers), batch):
                part = managers[i : i + batch]
                gathered = _gather(session, part, now, charts)
                if waiting is not None:
                    report.digests += _queue(session, waiting, now, charts)
                waiting = gathered
                _plan_next(session, part, now)
                session.flush()
            if waiting is not None:
                report.digests += _queue(session, waiting, now, charts)
                session.flush()
    finally:
        if frozen_here:
            gc.unfreeze()
    return report


class _Gathered(NamedTuple):
    built: list[tuple[str, Person, Any]]  # key, manager, TeamDigest
    jobs: list[Any]
    charts: Any  # the charts being drawn (a future) or drawn


def _gather(session: Session, part: list[Person], now: datetime, charts: Any) -> _Gathered:
    """Read a batch of teams and start drawing their charts."""
    from core.services.team_digest import collect_many
    from scheduler import digest_build

    todo: dict[str, Person] = {}
    for m in part:
        assert m.next_digest_at is not None and m.timezone is not None
        local_day = m.next_digest_at.astimezone(ZoneInfo(m.timezone)).date()
        if now - m.next_digest_at <= CATCH_UP and is_reachable(m, local_day):
            todo[f"digest:{m.id}:{local_day.isoformat()}"] = m
    with session.no_autoflush:
        done = existing_keys(session, list(todo))
        fresh = {key: m for key, m in todo.items() if key not in done}
        # Each digest covers the manager's own team since their previous one; the batch is read at once.
        gathered = collect_many(session, list(fresh.values()), now)
    built = [(key, m, gathered[m.id]) for key, m in fresh.items() if m.id in gathered]
    jobs = [digest_build.chart_job(m, d) for _, m, d in built]
    return _Gathered(built, jobs, charts.submit(jobs))


def _queue(session: Session, g: _Gathered, now: datetime, charts: Any) -> int:
    """Store a gathered batch's charts and queue its digests: one INSERT for each."""
    from scheduler import digest_build

    pngs = charts.result(g.charts)
    with session.no_autoflush:
        messages = digest_build.messages_of(session, [(m, d) for _, m, d in g.built], now, pngs)
        return enqueue_many(session, [(key, m, msg) for (key, m, _), msg in zip(g.built, messages, strict=True)],
                            kind="digest", due=now)
