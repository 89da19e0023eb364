"""The escalation ladder: each inactivity episode climbs the campaign's steps, once each, in working days.

An episode starts when a question closes unanswered (core.services.enrollments.missed) and ends with
an answer. Each step of the campaign's ladder waits for its own grace, counted in the learner's
working days since the previous step (the first: since the first unanswered question); weekends,
holidays, leave and pauses never count. `learner` steps send one more reminder (at the campaign's
time, outside quiet hours; never to someone who cannot be reached), `manager` and `skip_level` steps
become items that scheduler/ladder_batch.py sends as one message a day per manager. A snoozed
learner's manager steps wait until the snooze ends. Every step and resolution is audited.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, joinedload

from core import render
from core.calendar import WorkCalendar
from core.models import Campaign, Enrollment, EscalationItem, Person
from core.services import audit, due
from core.services.leave import calendars_of
from core.services.outbox import enqueue
from core.services.reporting import DEFAULTS, options_of
from scheduler.workday import next_allowed
from scheduler.workrules import rules_of, with_days_off

__all__ = ["LadderReport", "can_reach", "process_ladder", "working_days_between"]

STEP = "escalation_step"
RESOLVED = "escalation_resolved"


@dataclass
class LadderReport:
    """What one ladder pass did."""

    reminders: int = 0
    items: int = 0
    skipped: int = 0
    resolved: int = 0


def working_days_between(calendar: WorkCalendar, start: date, end: date) -> int:
    """Return how many working days lie after local date `start`, up to and including `end`."""
    n, day = 0, start + timedelta(days=1)
    while day <= end:
        n += calendar.is_working_day(day)
        day += timedelta(days=1)
    return n


def can_reach(person: Person, platforms: Collection[str]) -> bool:
    """Return True when a message to the person can arrive: active, with an active account where one is needed.

    With chat platforms configured, a person without an active account on one of them is unreachable;
    on a console-only deployment, the console reaches everyone active.
    """
    if person.status not in ("active", "paused"):
        return False
    if person.accounts:
        return any(a.status == "active" for a in person.accounts)
    return not platforms


def process_ladder(session: Session, now: datetime, platforms: Collection[str] = ()) -> LadderReport:
    """Resolve episodes that ended, then climb every open episode's next step that is due."""
    report = LadderReport()
    _resolve(session, now, report)
    # Each worker takes the episodes no other holds, so a step is never taken twice.
    batch = list(session.scalars(due.locked(session,
        select(Enrollment).join(Campaign, Campaign.id == Enrollment.campaign_id)
        .options(joinedload(Enrollment.person).joinedload(Person.manager).joinedload(Person.manager),
                 joinedload(Enrollment.campaign))
        .where(Enrollment.quiet_since.is_not(None), Enrollment.status == "active", Campaign.status == "active")
        .order_by(Enrollment.id))).unique())
    if not batch:
        return report
    options = options_of(session, {e.campaign_id for e in batch})
    people = {e.person_id: e.person for e in batch}
    since = min(e.quiet_since for e in batch if e.quiet_since is not None).date() - timedelta(days=1)
    cals = calendars_of(session, list(people.values()), since)
    for e in batch:
        ladder = options[e.campaign_id].ladder or DEFAULTS.ladder or []
        if e.ladder_step < len(ladder):
            who, days = ladder[e.ladder_step]
            _climb(session, e, str(who), int(days), cals[e.person_id], now, platforms, report)
    session.flush()
    return report


def _climb(session: Session, e: Enrollment, who: str, days: int, calendar: WorkCalendar, now: datetime,
           platforms: Collection[str], report: LadderReport) -> None:
    """Take the enrollment's next step if its grace has passed (and, for a reminder, the time is right)."""
    person = e.person
    zone = ZoneInfo(person.timezone or "UTC")
    start = e.ladder_at or e.quiet_since
    assert start is not None and e.quiet_since is not None
    cal = with_days_off(person, e.campaign, calendar)
    today = now.astimezone(zone).date()
    if working_days_between(cal, start.astimezone(zone).date(), today) < days:
        return
    if who != "learner" and e.snoozed_until is not None and now < e.snoozed_until:
        return
    reason = f"quiet since {e.quiet_since:%Y-%m-%d}; {e.unanswered} unanswered; {days} working day(s) after " \
             f"{'the previous step' if e.ladder_step else 'the first unanswered question'}"
    if who == "learner":
        if not can_reach(person, platforms):
            _record(session, e, now, who, reason + "; not reminded: the learner cannot be reached (admins told)")
            report.skipped += 1
        elif not _reminder_time(e, cal, now):
            return
        else:
            key = f"e{e.id}:ladder:{e.quiet_since:%Y%m%dT%H%M}:{e.ladder_step}"
            enqueue(session, key=key, person=person, kind="reminder", due=now, enrollment_id=e.id,
                    campaign_id=e.campaign_id, message=render.reminder_message(
                        person.name, e.unanswered, e.campaign.title or e.campaign_id, locale=person.locale))
            _record(session, e, now, who, reason + "; reminded", key)
            report.reminders += 1
    else:
        recipient = person.manager if who == "manager" else (person.manager.manager if person.manager else None)
        if recipient is None or recipient.status not in ("active", "paused"):
            _record(session, e, now, who, reason + f"; nobody to tell: no active {who.replace('_', ' ')}")
            report.skipped += 1
        else:
            session.add(EscalationItem(recipient_id=recipient.id, learner_id=person.id, enrollment_id=e.id,
                                       campaign_id=e.campaign_id, step=who, quiet_since=e.quiet_since,
                                       crossed_at=now))
            report.items += 1
    e.ladder_step += 1
    e.ladder_at = now


def _reminder_time(e: Enrollment, calendar: WorkCalendar, now: datetime) -> bool:
    """Return True at or after the campaign's local time on a working day, outside quiet hours."""
    rules = rules_of(e.person, e.campaign, calendar)
    local = now.astimezone(rules.zone)
    hh, mm = (int(x) for x in e.campaign.at_time.split(":"))
    return local.time() >= time(hh, mm) and next_allowed(rules, now) == now


def _record(session: Session, e: Enrollment, now: datetime, step: str, reason: str, key: str | None = None) -> None:
    audit.record(session, at=now, actor="worker", action=STEP, subject=e.person, step=step, reason=reason,
                 campaign_id=e.campaign_id, delivery_key=key)


def _resolve(session: Session, now: datetime, report: LadderReport) -> None:
    """End the ladder of every episode the learner ended by answering; its managers hear in their next digest."""
    done = list(session.scalars(due.locked(session,
        select(Enrollment).options(joinedload(Enrollment.person))
        .where(Enrollment.ladder_step > 0, or_(Enrollment.quiet_since.is_(None),
                                               Enrollment.last_answer_at > Enrollment.ladder_at)))).unique())
    for e in done:
        told = session.execute(update(EscalationItem).where(EscalationItem.enrollment_id == e.id,
                                                            EscalationItem.resolved_at.is_(None))
                               .values(resolved_at=now).execution_options(synchronize_session=False))
        answered = f"{e.last_answer_at:%Y-%m-%d %H:%M} UTC" if e.last_answer_at else "?"
        audit.record(session, at=now, actor="worker", action=RESOLVED, subject=e.person, step=f"after {e.ladder_step}",
                     reason=f"answered again at {answered}; {getattr(told, 'rowcount', 0) or 0} manager item(s) "
                            f"resolved", campaign_id=e.campaign_id)
        e.ladder_step, e.ladder_at = 0, None
        report.resolved += 1
