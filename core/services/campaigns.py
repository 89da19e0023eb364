"""Campaigns: declarative apply, audience enrollment, pause and resume."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table, case, func, insert, literal, null, select, update
from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.audience import ChatGroups, audience_ids
from core.errors import UserError
from core.models import Campaign, Enrollment, Person, TrackRetirement
from core.services import due
from core.services.campaign_plan import check_not_empty, same_track_warnings
from core.services.reporting import save_options
from core.services.tracks import latest_version

PEOPLE = cast(Table, Person.__table__)
ENROLLMENTS = cast(Table, Enrollment.__table__)
CHUNK = 2000  # people enrolled by one INSERT ... SELECT


@dataclass
class ApplyReport:
    """What applying a campaign file changed."""

    campaign_id: str
    created: bool
    enrolled: int
    removed: int
    rescheduled: bool
    warnings: list[str] = field(default_factory=list)
    held_back: int = 0  # not enrolled because the track is retired


FirstDue = Callable[[Campaign, str], datetime | None]


def apply_campaign(session: Session, spec: CampaignSpec, now: datetime, first_due: FirstDue | None = None, *,
                   allow_empty: bool = True, chat_groups: ChatGroups | None = None) -> ApplyReport:
    """Create or update a campaign from its spec and enroll its audience; never duplicates.

    `first_due(campaign, zone)` (from the scheduler) gives a new enrollment its first instant as it is
    inserted, so planning 100,000 new learners costs one computation per zone and no second write.

    The audience and the existing enrollments are read as ids, never as ORM objects, and new enrollments
    are written with INSERT ... SELECT from people a chunk of ids at a time, so 100,000 learners take
    seconds, memory holds ids only, and no statement nears PostgreSQL's parameter limit.
    """
    if latest_version(session, spec.track) is None:
        raise UserError(f"track {spec.track!r} is not published; run `nudgebot content publish` first")
    audience = audience_ids(session, spec.audience, chat_groups)
    check_not_empty(spec, bool(audience), allow_empty)
    wanted = set(audience)
    warnings = same_track_warnings(session, spec, wanted)
    c, created, rescheduled, digest_moved = _upsert(session, spec, now)
    retired = session.get(TrackRetirement, spec.track) is not None
    save_options(session, spec)
    diff = _diff(session, c.id, audience, wanted)
    fresh = [] if retired else diff.new  # a retired track takes no one new; those already in it carry on
    if rescheduled:
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.campaign_id == c.id, ENROLLMENTS.c.status == "active")
                        .values(next_due_at=None))
    _insert_enrollments(session, c, fresh, now, first_due if c.status == "active" else None)
    _set_status(session, diff.back, "active")
    _set_status(session, diff.gone, "removed")
    # Managers' digest instants depend on their reports' campaigns: re-plan only the ones this changed.
    moved = fresh + diff.moved
    if digest_moved or len(moved) > 5_000:
        # One statement for the campaign's whole audience beats thousands of chunks.
        session.execute(update(PEOPLE).where(PEOPLE.c.id.in_(
            select(Person.manager_id).join(Enrollment, Enrollment.person_id == Person.id)
            .where(Enrollment.campaign_id == c.id, Person.manager_id.is_not(None)).scalar_subquery()
        )).values(next_digest_at=due.REPLAN))
    elif moved:
        due.mark_managers_of_stale(session, moved)
    session.expire_all()
    return ApplyReport(c.id, created, len(fresh) + len(diff.back), len(diff.gone), rescheduled, warnings,
                       len(diff.new) if retired else 0)


def _upsert(session: Session, spec: CampaignSpec, now: datetime) -> tuple[Campaign, bool, bool, bool]:
    """Create or update the campaign row; return it, whether it is new, rescheduled, and its digest moved."""
    schedule = (",".join(spec.schedule.days), spec.schedule.at.strftime("%H:%M"), spec.schedule.start,
                spec.schedule.end, spec.schedule.quiet_hours)
    digest = (spec.digest.day, spec.digest.at.strftime("%H:%M"))
    c = session.get(Campaign, spec.id)
    created = c is None
    if session.get(TrackRetirement, spec.track) is not None and (c is None or c.track_id != spec.track):
        raise UserError(f"track {spec.track!r} is retired: it takes no new enrollments")
    if c is None:
        c = Campaign(id=spec.id, created_at=now, status="active")
        session.add(c)
        rescheduled, digest_moved = True, False
    else:
        rescheduled = (c.days, c.at_time, c.start_date, c.end_date, c.quiet_hours) != schedule \
            or c.track_id != spec.track
        digest_moved = (c.digest_day, c.digest_at) != digest
    c.title = spec.title or spec.id
    c.track_id = spec.track
    c.audience = spec.audience.model_dump(mode="json", exclude_none=True, by_alias=True)
    c.days, c.at_time, c.start_date, c.end_date, c.quiet_hours = schedule
    c.remind_after = spec.escalation.remind_after
    c.manager_after = spec.escalation.manager_after
    c.digest_day, c.digest_at = digest
    c.daily_cap, c.mastery_days = spec.learning.cap, spec.learning.mastery_days
    c.pass_mark, c.spacing, c.retention = spec.learning.pass_mark, spec.learning.spacing, spec.learning.retention
    c.updated_at = now
    session.flush()
    return c, created, rescheduled, digest_moved


@dataclass
class _Diff:
    """The audience against the campaign's enrollments, as ids."""

    new: list[int] = field(default_factory=list)  # people with no enrollment yet
    back: list[int] = field(default_factory=list)  # removed enrollments of people in the audience again
    gone: list[int] = field(default_factory=list)  # active enrollments of people no longer in it
    moved: list[int] = field(default_factory=list)  # the people of `back` and `gone`


def _diff(session: Session, campaign_id: str, audience: list[int], wanted: set[int]) -> _Diff:
    """Compare the audience with the campaign's enrollments, read as ids a partition at a time."""
    out = _Diff()
    have: set[int] = set()
    stmt = select(Enrollment.id, Enrollment.person_id, Enrollment.status).where(Enrollment.campaign_id == campaign_id)
    for eid, pid, status in session.execute(stmt.execution_options(yield_per=CHUNK)):
        have.add(pid)
        if pid in wanted and status == "removed":
            out.back.append(eid)
            out.moved.append(pid)
        elif pid not in wanted and status == "active":
            out.gone.append(eid)
            out.moved.append(pid)
    out.new = [pid for pid in audience if pid not in have]
    return out


def _insert_enrollments(session: Session, c: Campaign, person_ids: list[int], now: datetime,
                        first_due: FirstDue | None) -> None:
    """Enroll these people with INSERT ... SELECT from people, each first due at their zone's instant."""
    due_at: ColumnElement[Any] = null()
    if first_due is not None and person_ids:
        zones = session.scalars(select(Person.timezone).where(Person.timezone.is_not(None)).distinct()).all()
        instants = {tz: t for tz in zones if tz and (t := first_due(c, tz)) is not None}
        if instants:
            kind = ENROLLMENTS.c.next_due_at.type
            due_at = case({tz: literal(t, kind) for tz, t in instants.items()}, value=PEOPLE.c.timezone,
                          else_=null())
    columns = ["person_id", "campaign_id", "enrolled_at", "next_due_at"]
    for part in _chunks(person_ids, CHUNK):
        rows = (select(PEOPLE.c.id, literal(c.id), literal(now, ENROLLMENTS.c.enrolled_at.type), due_at)
                .where(PEOPLE.c.id.in_(part)).order_by(PEOPLE.c.id))
        session.execute(insert(ENROLLMENTS).from_select(columns, rows))


def _chunks(items: list[int], size: int = 500) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _set_status(session: Session, enrollment_ids: list[int], status: str) -> None:
    for part in _chunks(enrollment_ids, 1000):
        session.execute(update(ENROLLMENTS).where(ENROLLMENTS.c.id.in_(part)).values(status=status, next_due_at=None))


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
    else:
        return e
    session.flush()
    if person.manager_id is not None:
        due.mark_digests_stale(session, [person.manager_id])  # the manager's team has a new campaign
    return e


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
