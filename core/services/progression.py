"""Progress by unit and question ids: which units an enrollment has had, and moving it to a new version.

An enrollment stays on the track version it started a unit in. At the next unit boundary (every
question of the units it has had was asked) it moves to the newest version: removed units are
skipped by whoever had not had them, added units come in their place in the new order, and a
question whose prompt, choices or key changed starts a fresh memory state (the old one is kept,
renamed, with its review log).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from content.diff import changed_questions
from content.scenarios import asked_questions
from core.models import Enrollment, TrackVersion
from core.services import memory
from core.services.tracks import track_of

if TYPE_CHECKING:
    from content.schema import Track, Unit

    Found = tuple[TrackVersion, Track]


def done_ids(e: Enrollment) -> list[str]:
    """Return the ids of the units the enrollment has had, in order."""
    return list(e.units_done or [])


def next_unit(e: Enrollment, track: Track) -> tuple[int, Unit] | None:
    """Return (index, unit) of the first unit of `track` the enrollment has not had, or None."""
    done = set(done_ids(e))
    for i, u in enumerate(track.units):
        if u.id not in done:
            return i, u
    return None


def delivered_units(e: Enrollment, track: Track) -> list[Unit]:
    """Return the units of `track` the enrollment has had, in the track's order."""
    done = set(done_ids(e))
    return [u for u in track.units if u.id in done]


def all_delivered(e: Enrollment, track: Track) -> bool:
    """Return True when every unit of `track` was delivered to the enrollment."""
    return next_unit(e, track) is None


def mid_unit(session: Session, e: Enrollment, track: Track) -> bool:
    """Return True while a unit the learner has had still has questions never asked."""
    seen = memory.rows_of(session, e.id)
    return any(q.id not in seen for u in delivered_units(e, track) for q in asked_questions(u))


def current(session: Session, e: Enrollment, latest: Found | None) -> Found | None:
    """Return the version the enrollment is on, moving it to `latest` when it is at a unit boundary."""
    if latest is None:
        return None
    if e.track_version_id is None or e.track_version_id == latest[0].id:
        e.track_version_id = latest[0].id
        return latest
    old_v = session.get(TrackVersion, e.track_version_id)
    if old_v is None:
        e.track_version_id = latest[0].id
        return latest
    old = track_of(old_v)
    if mid_unit(session, e, old):
        return old_v, old
    move(session, e, old_v, old, latest)
    return latest


def archived_id(question_id: str, version_id: int) -> str:
    """Return the id a superseded memory row keeps: the question id and the version it was learned in."""
    return f"{question_id[:88]}@v{version_id}"


def move(session: Session, e: Enrollment, old_v: TrackVersion, old: Track, new: Found) -> list[str]:
    """Move an enrollment to version `new`; changed questions get a fresh memory state. Return their ids."""
    fresh = sorted(changed_questions(old, new[1]))
    for qid in fresh:
        row = memory.row(session, e.id, qid)
        if row is not None:
            row.question_id = archived_id(qid, old_v.id)
    session.flush()
    e.track_version_id = new[0].id
    return fresh


def version_of(session: Session, e: Enrollment) -> Found | None:
    """Return the version the enrollment is on (None before its first unit)."""
    if e.track_version_id is None:
        return None
    v = session.get(TrackVersion, e.track_version_id)
    return None if v is None else (v, track_of(v))
