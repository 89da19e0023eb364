"""`campaign apply --dry-run`: who would join or leave, their first nudge, their conflicts; nothing changes."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.audience import ChatGroups
from core.errors import UserError
from core.models import Campaign, Enrollment, Person
from core.services.campaign_plan import diff_audience, same_track_warnings
from core.services.people import is_reachable
from core.services.tracks import latest_version
from scheduler.cadence import Cadence, occurrences

__all__ = ["Conflict", "Joiner", "Preview", "preview_campaign"]

# How many scheduled days to look through for one the learner can be reached on (pause, leave).
LOOKAHEAD = 400


@dataclass(frozen=True)
class Conflict:
    """Another running campaign a joiner is already in: the same track, or nudges at the same time."""

    campaign_id: str
    title: str
    same_track: str = ""  # the shared track's id, when both teach it
    same_time: str = ""  # "09:30 on mon,tue" when both nudge then

    def __str__(self) -> str:
        """Describe the conflict in one line, as the CLI prints it."""
        parts = [f"{self.campaign_id}: same track {self.same_track}"] if self.same_track else []
        if self.same_time:
            parts.append(f"{self.campaign_id}: also nudges at {self.same_time}")
        return "; ".join(parts)


@dataclass
class Joiner:
    """A person the campaign would enroll, with their first nudge in their own time zone."""

    person: Person
    first_local: datetime | None
    conflicts: list[Conflict]


@dataclass
class Preview:
    """What `campaign apply` would do."""

    campaign_id: str
    exists: bool
    audience: int
    enroll: list[Joiner] = field(default_factory=list)
    remove: list[Person] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def preview_campaign(session: Session, spec: CampaignSpec, now: datetime, *, allow_empty: bool = False,
                     chat_groups: ChatGroups | None = None) -> Preview:
    """Compute what applying `spec` would change, with the planner's cadence maths; write nothing."""
    if latest_version(session, spec.track) is None:
        raise UserError(f"track {spec.track!r} is not published; run `nudgebot content publish` first")
    with session.no_autoflush:
        diff = diff_audience(session, spec, chat_groups, allow_empty)
        cadence = Cadence.parse(spec.schedule.days, spec.schedule.at.strftime("%H:%M"), spec.schedule.start,
                                spec.schedule.end)
        others = _other_campaigns(session, spec.id, [p.id for p in diff.enroll])
        joiners = [Joiner(p, first_nudge(cadence, p, now), _conflicts(spec, others.get(p.id, [])))
                   for p in diff.enroll]
    return Preview(spec.id, session.get(Campaign, spec.id) is not None, len(diff.audience), joiners, diff.remove,
                   same_track_warnings(session, spec, {p.id for p in diff.audience}))


def first_nudge(cadence: Cadence, person: Person, now: datetime) -> datetime | None:
    """Return the learner's first nudge in their local time as the planner would pick it, or None."""
    if person.timezone is None:
        return None
    zone = ZoneInfo(person.timezone)
    for day, instant in islice(occurrences(cadence, zone, now), LOOKAHEAD):
        if is_reachable(person, day):
            return instant.astimezone(zone)
    return None


def _other_campaigns(session: Session, campaign_id: str, person_ids: list[int]) -> dict[int, list[Campaign]]:
    out: dict[int, list[Campaign]] = defaultdict(list)
    if not person_ids:
        return out
    rows = session.execute(
        select(Enrollment.person_id, Campaign).join(Campaign, Campaign.id == Enrollment.campaign_id)
        .where(Enrollment.person_id.in_(person_ids), Enrollment.status == "active",
               Campaign.status == "active", Campaign.id != campaign_id).order_by(Campaign.id)).all()
    for pid, c in rows:
        out[pid].append(c)
    return out


def _conflicts(spec: CampaignSpec, others: list[Campaign]) -> list[Conflict]:
    at = spec.schedule.at.strftime("%H:%M")
    mine = set(spec.schedule.days)
    out = []
    for c in others:
        same_track = c.track_id if c.track_id == spec.track else ""
        shared = [d for d in spec.schedule.days if d in set(c.days.split(",")) & mine]
        same_time = f"{at} on {','.join(shared)}" if shared and c.at_time == at else ""
        if same_track or same_time:
            out.append(Conflict(c.id, c.title or c.id, same_track, same_time))
    return out
