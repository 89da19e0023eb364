"""What applying a campaign would change: who joins, who leaves, who already takes the same track."""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.campaign import CampaignSpec
from core.audience import ChatGroups, resolve_audience
from core.bulk import batched
from core.errors import UserError
from core.models import Campaign, ChatAccount, Enrollment, Person

__all__ = ["AudienceDiff", "check_not_empty", "diff_audience", "same_track_warnings"]

CHUNK = 2000


@dataclass
class AudienceDiff:
    """The audience of a campaign spec against what is stored."""

    audience: list[Person]
    enroll: list[Person]
    remove: list[Person]


def diff_audience(session: Session, spec: CampaignSpec, chat_groups: ChatGroups | None = None,
                  allow_empty: bool = False) -> AudienceDiff:
    """Resolve the spec's audience and compare it with the stored enrollments; change nothing."""
    audience = resolve_audience(session, spec.audience, chat_groups)
    check_not_empty(spec, bool(audience), allow_empty)
    existing = {e.person_id: e for e in session.scalars(
        select(Enrollment).where(Enrollment.campaign_id == spec.id))}
    wanted = {p.id for p in audience}
    enroll = [p for p in audience if p.id not in existing or existing[p.id].status == "removed"]
    remove = [e.person for pid, e in sorted(existing.items()) if pid not in wanted and e.status == "active"]
    return AudienceDiff(audience, enroll, remove)


def check_not_empty(spec: CampaignSpec, found: bool, allow_empty: bool) -> None:
    """Refuse an audience that matches nobody, unless allowed."""
    if not found and not allow_empty:
        raise UserError(f"campaign {spec.id}: the audience matches nobody in the roster; "
                        "check its selectors, or pass --allow-empty to apply it anyway")


def same_track_warnings(session: Session, spec: CampaignSpec, wanted: Collection[int]) -> list[str]:
    """Return one warning per other campaign of the same track that already has some of the audience `wanted`.

    Read as ids a chunk at a time; only the five handles each warning shows are kept.
    """
    if not wanted:
        return []
    stmt = (select(Enrollment.person_id, Campaign.id).join(Campaign, Campaign.id == Enrollment.campaign_id)
            .where(Campaign.track_id == spec.track, Campaign.id != spec.id, Campaign.status == "active",
                   Enrollment.status == "active").order_by(Campaign.id))
    # Filtered here, not with IN: an audience of 100,000 would pass PostgreSQL's parameter limit.
    by_campaign: dict[str, list[int]] = defaultdict(list)
    for pid, cid in session.execute(stmt.execution_options(yield_per=CHUNK)):
        if pid in wanted:
            by_campaign[cid].append(pid)
    out = []
    for cid, pids in sorted(by_campaign.items()):
        first: list[str] = []
        for part in batched(pids, CHUNK):
            first = heapq.nsmallest(5, first + list(_handles(session, part)))
        shown = ", ".join(first) + (f" and {len(pids) - 5} more" if len(pids) > 5 else "")
        out.append(f"warning: {len(pids)} of this audience already take track {spec.track} in campaign {cid} "
                   f"({shown}); they would get it twice")
    return out


def _handles(session: Session, person_ids: Sequence[int]) -> Iterator[str]:
    """Yield these people's handles (as Person.handle names them), read as plain rows."""
    rows = session.execute(select(Person.id, Person.email, Person.status).where(Person.id.in_(person_ids))).all()
    firsts: dict[int, str] = {}
    for pid, platform, uid in session.execute(
            select(ChatAccount.person_id, ChatAccount.platform, ChatAccount.user_id)
            .where(ChatAccount.person_id.in_([pid for pid, email, _ in rows if not email]))
            .order_by(ChatAccount.id.desc())):
        firsts[pid] = f"{platform}:{uid}"
    for pid, email, status in rows:
        if status in ("forgotten", "anonymous"):
            yield f"{status}:{pid}"
        else:
            yield email or firsts.get(pid) or f"console:{pid}"
