"""What applying a campaign would change: who joins, who leaves, who already takes the same track."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.audience import ChatGroups, resolve_audience
from core.errors import UserError
from core.models import Campaign, Enrollment, Person

__all__ = ["AudienceDiff", "diff_audience", "same_track_warnings"]


@dataclass
class AudienceDiff:
    """The audience of a campaign spec against what is stored."""

    audience: list[Person]
    enroll: list[Person]
    remove: list[Person]
    # person id -> ids of their other active campaigns that teach the same track
    same_track: dict[int, list[str]] = field(default_factory=dict)


def diff_audience(session: Session, spec: CampaignSpec, chat_groups: ChatGroups | None = None,
                  allow_empty: bool = False) -> AudienceDiff:
    """Resolve the spec's audience and compare it with the stored enrollments; change nothing."""
    audience = resolve_audience(session, spec.audience, chat_groups)
    if not audience and not allow_empty:
        raise UserError(f"campaign {spec.id}: the audience matches nobody in the roster; "
                        "check its selectors, or pass --allow-empty to apply it anyway")
    existing = {e.person_id: e for e in session.scalars(
        select(Enrollment).where(Enrollment.campaign_id == spec.id))}
    wanted = {p.id for p in audience}
    enroll = [p for p in audience if p.id not in existing or existing[p.id].status == "removed"]
    remove = [e.person for pid, e in sorted(existing.items()) if pid not in wanted and e.status == "active"]
    same: dict[int, list[str]] = defaultdict(list)
    if wanted:
        rows = session.execute(
            select(Enrollment.person_id, Campaign.id).join(Campaign, Campaign.id == Enrollment.campaign_id)
            .where(Campaign.track_id == spec.track, Campaign.id != spec.id, Campaign.status == "active",
                   Enrollment.status == "active")
            .order_by(Campaign.id)).all()
        # Filtered here, not with IN: an audience of 100,000 would pass PostgreSQL's parameter limit.
        for pid, cid in rows:
            if pid in wanted:
                same[pid].append(cid)
    return AudienceDiff(audience, enroll, remove, dict(same))


def same_track_warnings(diff: AudienceDiff, spec: CampaignSpec) -> list[str]:
    """Return one warning per other campaign of the same track that already has some of this audience."""
    by_campaign: dict[str, list[str]] = defaultdict(list)
    handles = {p.id: p.handle for p in diff.audience}
    for pid, cids in diff.same_track.items():
        for cid in cids:
            by_campaign[cid].append(handles[pid])
    out = []
    for cid, who in sorted(by_campaign.items()):
        shown = ", ".join(sorted(who)[:5]) + (f" and {len(who) - 5} more" if len(who) > 5 else "")
        out.append(f"warning: {len(who)} of this audience already take track {spec.track} in campaign {cid} "
                   f"({shown}); they would get it twice")
    return out
