"""Planning new enrollments in bulk: one instant per (campaign, zone), written by id chunks.

A brand-new enrollment (nothing sent yet) is first due at its campaign's next scheduled instant in the
learner's zone, so 100,000 learners over 40 zones need 40 cadence computations, not 100,000 ORM
objects. Anything else (a moved zone, a resumed campaign) goes through the planner one by one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.models import Campaign, Enrollment, Person
from scheduler.cadence import next_occurrence
from scheduler.planner import cadence_of

CHUNK = 1000


def first_instant(campaign: Campaign, zone: str, now: datetime) -> datetime | None:
    """Return a new enrollment's first due instant in `zone` (None when the campaign has no more days)."""
    nxt = next_occurrence(cadence_of(campaign), ZoneInfo(zone), now)
    return None if nxt is None else nxt[1]


def plan_new_enrollments(session: Session, now: datetime) -> int:
    """Set the first next-due instant of every active enrollment that has never sent anything; return how many."""
    session.flush()
    rows = session.execute(
        select(Enrollment.id, Enrollment.campaign_id, Person.timezone)
        .join(Person, Enrollment.person_id == Person.id).join(Campaign, Enrollment.campaign_id == Campaign.id)
        .where(Enrollment.status == "active", Enrollment.next_due_at.is_(None), Enrollment.position == 0,
               Enrollment.last_sent_at.is_(None), Campaign.status == "active", Person.timezone.is_not(None)))
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for eid, cid, tz in rows:
        groups[(cid, tz or "UTC")].append(eid)  # never None: the query excludes people without a zone
    campaigns = {c.id: c for c in session.scalars(select(Campaign).where(
        Campaign.id.in_({cid for cid, _ in groups})))}
    for (cid, tz), ids in groups.items():
        nxt = next_occurrence(cadence_of(campaigns[cid]), ZoneInfo(tz), now)
        values = {"next_due_at": nxt[1]} if nxt is not None else {"status": "completed", "next_due_at": None}
        for i in range(0, len(ids), CHUNK):
            session.execute(update(Enrollment).where(Enrollment.id.in_(ids[i : i + CHUNK])).values(**values))
    session.expire_all()
    return sum(len(ids) for ids in groups.values())
