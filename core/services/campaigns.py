"""Campaigns: declarative apply, audience enrollment, pause and resume."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.errors import UserError
from core.models import Campaign, Enrollment, Person, TrackRetirement
from core.services.tracks import latest_version


@dataclass
class ApplyReport:
    """What applying a campaign file changed."""

    campaign_id: str
    created: bool
    enrolled: int
    removed: int
    rescheduled: bool
    held_back: int = 0  # not enrolled because the track is retired


def apply_campaign(session: Session, spec: CampaignSpec, now: datetime) -> ApplyReport:
    """Create or update a campaign from its spec and enroll its audience; never duplicates."""
    if latest_version(session, spec.track) is None:
        raise UserError(f"track {spec.track!r} is not published; run `nudgebot content publish` first")
    audience = _resolve_audience(session, spec)
    schedule = (",".join(spec.schedule.days), spec.schedule.at.strftime("%H:%M"), spec.schedule.start,
                spec.schedule.end, spec.schedule.quiet_hours)
    c = session.get(Campaign, spec.id)
    created = c is None
    retired = session.get(TrackRetirement, spec.track) is not None
    if retired and (c is None or c.track_id != spec.track):
        raise UserError(f"track {spec.track!r} is retired: it takes no new enrollments")
    if c is None:
        c = Campaign(id=spec.id, created_at=now, status="active")
        session.add(c)
        rescheduled = True
    else:
        rescheduled = (c.days, c.at_time, c.start_date, c.end_date, c.quiet_hours) != schedule \
            or c.track_id != spec.track
    c.title = spec.title or spec.id
    c.track_id = spec.track
    c.audience = spec.audience.model_dump(mode="json", exclude_none=True)
    c.days, c.at_time, c.start_date, c.end_date, c.quiet_hours = schedule
    c.remind_after = spec.escalation.remind_after
    c.manager_after = spec.escalation.manager_after
    c.digest_day = spec.digest.day
    c.digest_at = spec.digest.at.strftime("%H:%M")
    c.daily_cap, c.mastery_days = spec.learning.cap, spec.learning.mastery_days
    c.pass_mark, c.spacing = spec.learning.pass_mark, spec.learning.spacing
    c.updated_at = now
    session.flush()
    existing = {e.person_id: e for e in session.scalars(select(Enrollment).where(Enrollment.campaign_id == c.id))}
    wanted = {p.id for p in audience}
    enrolled = held_back = 0
    for p in audience:
        e = existing.get(p.id)
        if e is None and retired:
            held_back += 1
        elif e is None:
            session.add(Enrollment(person_id=p.id, campaign_id=c.id, position=0, status="active",
                                   enrolled_at=now, next_due_at=None))
            enrolled += 1
        elif e.status == "removed":
            e.status, e.next_due_at = "active", None
            enrolled += 1
    removed = 0
    for pid, e in existing.items():
        if pid not in wanted and e.status == "active":
            e.status, e.next_due_at = "removed", None
            removed += 1
    if rescheduled:
        session.execute(update(Enrollment).where(Enrollment.campaign_id == c.id, Enrollment.status == "active")
                        .values(next_due_at=None))
    # Managers' digest instants depend on their reports' campaigns: let the planner recompute them.
    session.execute(update(Person).where(Person.id.in_(
        select(Person.manager_id).where(Person.id.in_(wanted), Person.manager_id.is_not(None))
    )).values(next_digest_at=None))
    session.flush()
    return ApplyReport(c.id, created, enrolled, removed, rescheduled, held_back)


def enroll(session: Session, campaign: Campaign, person: Person, now: datetime) -> Enrollment:
    """Enroll one person in a campaign (idempotent); planning happens on the next tick."""
    e = session.scalars(select(Enrollment).where(Enrollment.campaign_id == campaign.id,
                                                 Enrollment.person_id == person.id)).first()
    if e is None:
        if session.get(TrackRetirement, campaign.track_id) is not None:
            raise UserError(f"campaign {campaign.id!r} takes no new learners: its track is retired")
        e = Enrollment(person_id=person.id, campaign_id=campaign.id, position=0, status="active",
                       enrolled_at=now, next_due_at=None)
        session.add(e)
    elif e.status == "removed":
        e.status, e.next_due_at = "active", None
    session.flush()
    return e


def _resolve_audience(session: Session, spec: CampaignSpec) -> list[Person]:
    aud = spec.audience
    people = list(session.scalars(
        select(Person).where(Person.status.not_in(("left", "forgotten"))).order_by(Person.id)))
    if aud.emails:
        wanted = [e.lower() for e in aud.emails]
        by_email = {p.email: p for p in people if p.email}
        missing = [e for e in wanted if e not in by_email]
        if missing:
            raise UserError(f"audience.emails: {missing[0]} is not a known person; import the roster first")
        return [by_email[e] for e in wanted]
    if aud.roles:
        roles = {r.lower() for r in aud.roles}
        return [p for p in people if p.role_set & roles]
    return [p for p in people if "learner" in p.role_set]


def get_campaign(session: Session, campaign_id: str) -> Campaign:
    """Return a campaign or raise UserError naming the known ones."""
    c = session.get(Campaign, campaign_id)
    if c is None:
        known = ", ".join(session.scalars(select(Campaign.id).order_by(Campaign.id))) or "none yet"
        raise UserError(f"no campaign {campaign_id!r} (known: {known})")
    return c


def list_campaigns(session: Session) -> list[tuple[Campaign, int]]:
    """Return every campaign with its number of active enrollments."""
    rows = session.execute(select(Enrollment.campaign_id, func.count(Enrollment.id))
                           .where(Enrollment.status == "active").group_by(Enrollment.campaign_id)).all()
    counts = {campaign_id: n for campaign_id, n in rows}
    return [(c, counts.get(c.id, 0)) for c in session.scalars(select(Campaign).order_by(Campaign.id))]


def set_status(session: Session, campaign_id: str, status: str) -> Campaign:
    """Pause or resume a campaign; resuming replans from now so nothing missed is flooded in."""
    c = get_campaign(session, campaign_id)
    if c.status != status:
        c.status = status
        if status == "active":
            session.execute(update(Enrollment).where(Enrollment.campaign_id == c.id,
                                                     Enrollment.status == "active").values(next_due_at=None))
    return c
