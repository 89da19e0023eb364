"""What a publish changes for running campaigns, and retiring a track from new enrollments."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from content.diff import TrackDiff, diff_tracks
from content.schema import Track
from core.errors import UserError
from core.models import Campaign, Enrollment, MemoryRow, TrackRetirement
from core.services.tracks import latest_version, track_of

RUNNING = ("active",)


@dataclass
class Change:
    """One change and the learners it affects; `midway` counts those part-way through what it removes or re-keys."""

    text: str
    learners: int
    midway: int = 0


@dataclass
class Impact:
    """What publishing `track` would change for the campaigns running on its newest version."""

    track_id: str
    version: int
    campaigns: list[str]
    learners: int
    diff: TrackDiff
    changes: list[Change] = field(default_factory=list)

    @property
    def midway(self) -> int:
        """Return how many learner-changes remove or re-key something learners are mid-way through."""
        return sum(c.midway for c in self.changes)


def _running(session: Session, track_id: str) -> list[Enrollment]:
    return list(session.scalars(
        select(Enrollment).join(Campaign).where(Campaign.track_id == track_id, Campaign.status != "ended",
                                                Enrollment.status.in_(RUNNING))
        .order_by(Enrollment.id)))


def _rows(session: Session, ids: Sequence[int]) -> dict[tuple[int, str], MemoryRow]:
    out: dict[tuple[int, str], MemoryRow] = {}
    for i in range(0, len(ids), 500):
        for r in session.scalars(select(MemoryRow).where(MemoryRow.enrollment_id.in_(list(ids[i : i + 500])))):
            out[(r.enrollment_id, r.question_id)] = r
    return out


def impact(session: Session, track: Track) -> Impact | None:
    """Return what publishing `track` changes for running enrollments; None when nothing is published yet."""
    latest = latest_version(session, track.id)
    if latest is None or latest.content_hash == track.content_hash():
        return None
    old = track_of(latest)
    d = diff_tracks(old, track)
    running = _running(session, track.id)
    rows = _rows(session, [e.id for e in running])
    done = {e.id: set(e.units_done or []) for e in running}
    out = Impact(track.id, latest.version, sorted({e.campaign_id for e in running}), len(running), d)
    questions = {u.id: [q.id for q in u.questions] for u in old.units}

    def learning(eid: int, qid: str) -> bool:
        r = rows.get((eid, qid))
        return r is not None and not r.retired

    for uid in d.added:
        out.changes.append(Change(f"unit added: {uid}", sum(1 for e in running if uid not in done[e.id])))
    for uid in d.removed:
        had = [e for e in running if uid in done[e.id]]
        midway = sum(1 for e in had if any(learning(e.id, q) or (e.id, q) not in rows for q in questions[uid]))
        skip = len(running) - len(had)
        out.changes.append(Change(f"unit removed: {uid} ({skip} had not reached it and skip it, {midway} had it "
                                  "and are mid-way through learning it)", skip + midway, midway))
    if d.reordered:
        ahead = sum(1 for e in running if any(u.id not in done[e.id] for u in track.units))
        out.changes.append(Change("units reordered", ahead))
    for qid in d.rekeyed:
        midway = sum(1 for e in running if learning(e.id, qid))
        out.changes.append(Change(f"answer key changed: {qid} (learning it now: they start it afresh)", midway, midway))
    for qid in d.changed:
        n = sum(1 for e in running if (e.id, qid) in rows)
        out.changes.append(Change(f"question reworded: {qid} (asked before: they start it afresh)", n))
    for qid in d.questions_removed:
        out.changes.append(Change(f"question removed: {qid}", sum(1 for e in running if learning(e.id, qid))))
    return out


def is_retired(session: Session, track_id: str) -> bool:
    """Return True when a track takes no new enrollments."""
    return session.get(TrackRetirement, track_id) is not None


def retire(session: Session, track_id: str, now: datetime) -> list[tuple[str, int]]:
    """Stop new enrollments in a track; return (campaign id, running learners) of campaigns still using it."""
    if latest_version(session, track_id) is None:
        raise UserError(f"no published track {track_id!r}")
    if session.get(TrackRetirement, track_id) is None:
        session.add(TrackRetirement(track_id=track_id, retired_at=now))
    counts: dict[str, int] = {}
    for c in session.scalars(select(Campaign).where(Campaign.track_id == track_id).order_by(Campaign.id)):
        counts[c.id] = 0
    for e in _running(session, track_id):
        counts[e.campaign_id] = counts.get(e.campaign_id, 0) + 1
    session.flush()
    return [(cid, n) for cid, n in counts.items() if n]
