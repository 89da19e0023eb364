"""Flows about people: roster import, joining by invite, time zone, channel, language, pause and resume."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.db import refresh_statistics
from core.models import Person
from core.services import leave, people
from core.services.invites import Redeemed, redeem
from core.services.roster import IdCheck, ImportReport
from scheduler.first_plan import plan_new_enrollments
from scheduler.planner import plan_pending

BULK = 1000  # rows changed at once that make the planner's statistics worth refreshing


def import_roster(session: Session, path: Path, now: datetime,
                  id_checks: Mapping[str, IdCheck] | None = None, *, full: bool = False) -> ImportReport:
    """Apply a roster file whole (with `full`, people missing from it leave) and plan whoever it changed."""
    report = people.import_roster(session, path, now, id_checks, full=full)
    if report.created + report.updated + report.left + report.returned >= BULK:
        refresh_statistics(session, ["people", "chat_accounts", "enrollments"])
    plan_new_enrollments(session, now)
    plan_pending(session, now)
    return report


def join(session: Session, code: str, *, platform: str, user_id: str, name: str, language: str, now: datetime,
         workspace: str = "") -> Redeemed:
    """Enroll (or link) the chat user who opened an invite, and plan their first nudge."""
    r = redeem(session, code, platform=platform, user_id=user_id, name=name, language=language, now=now,
               workspace=workspace)
    if r.person is not None and r.person.timezone is not None:
        plan_pending(session, now)
    return r


def set_timezone(session: Session, person: Person, zone: str, source: str, now: datetime) -> str:
    """Set a person's zone; their nudges move from the next due instant on."""
    canonical = people.set_timezone(session, person, zone, source)
    session.flush()
    plan_pending(session, now)
    return canonical


def set_channel(person: Person, platform: str) -> bool:
    """Nudge the person on `platform` from now on; False when they have no account there."""
    return people.set_channel(person, platform)


def set_language(person: Person, locale: str) -> None:
    """Talk to the person in `locale` from now on."""
    person.locale = locale.replace("-", "_")[:16]


def pause(session: Session, person: Person, until: date | None, now: datetime | None = None) -> None:
    """Pause every nudge for a person, optionally until a local date (inclusive); recorded as time away."""
    people.pause(session, person, until)
    if now is not None:
        leave.record_pause(session, person, _today(person, now), until, now)
        session.flush()
        plan_pending(session, now)


def import_leave(session: Session, path: Path, now: datetime) -> tuple[int, int]:
    """Apply a leave file (person,start,end) and re-plan whoever it changed; return (added, known)."""
    found = leave.import_leave(session, path, now)
    plan_pending(session, now)
    return found


def _today(person: Person, now: datetime) -> date:
    return now.astimezone(ZoneInfo(person.timezone or "UTC")).date()


def resume(session: Session, person: Person, now: datetime) -> bool:
    """Resume a paused person from their next scheduled time; False if they were not paused."""
    if person.status != "paused":
        return False
    leave.close_pause(session, person, _today(person, now) - timedelta(days=1))
    people.resume(session, person)
    session.flush()
    plan_pending(session, now)
    return True


def profile_changed(session: Session, person: Person, platform: str, user_id: str, now: datetime, *,
                    timezone: str = "", locale: str = "", deleted: bool = False) -> None:
    """Follow a chat profile: its zone and language (unless the roster sets them), or its deactivation."""
    if deleted:
        people.mark_unreachable(session, person, platform, user_id, "deactivated")
        return
    if timezone and person.tz_source != "roster":
        zone = people.canonical_timezone(timezone)
        if zone is not None:
            set_timezone(session, person, zone, platform, now)
    if locale and person.tz_source != "roster":
        set_language(person, locale)
    person.platform_checked_at = now
