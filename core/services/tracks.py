"""Published track versions: a new version only when the content hash changes."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.models import TrackVersion

if TYPE_CHECKING:
    from content.schema import Track


def publish(session: Session, track: Track, now: datetime) -> tuple[TrackVersion, bool]:
    """Store `track` as a new version unless the same content is already published; return (version, new)."""
    digest = track.content_hash()
    latest = latest_version(session, track.id)
    if latest is not None and latest.content_hash == digest:
        return latest, False
    same = session.scalars(
        select(TrackVersion).where(TrackVersion.track_id == track.id, TrackVersion.content_hash == digest)
    ).first()
    number = (session.scalar(select(func.max(TrackVersion.version)).where(TrackVersion.track_id == track.id))
              or 0) + 1
    if same is not None:
        # Reverting to an earlier text republishes it as the newest version under a fresh number.
        same.version, same.published_at = number, now
        return same, True
    tv = TrackVersion(track_id=track.id, version=number, content_hash=digest, title=track.title,
                      body=track.model_dump(mode="json"), published_at=now)
    session.add(tv)
    session.flush()
    return tv, True


def latest_version(session: Session, track_id: str) -> TrackVersion | None:
    """Return the newest published version of a track."""
    return session.scalars(
        select(TrackVersion).where(TrackVersion.track_id == track_id).order_by(TrackVersion.version.desc())
    ).first()


_cache: dict[tuple[int, str], Track] = {}


def track_of(version: TrackVersion) -> Track:
    """Return the validated Track stored in a version (cached by id and hash)."""
    key = (version.id, version.content_hash)
    hit = _cache.get(key)
    if hit is None:
        from content.schema import Track  # pydantic and the schema load only when a track is needed

        hit = Track.model_validate(version.body)
        _cache[key] = hit
    return hit


def unit_count(session: Session, track_id: str) -> int:
    """Return how many units the newest published version of a track has (0 if unpublished)."""
    v = latest_version(session, track_id)
    return len(track_of(v).units) if v is not None else 0


def newest_versions(session: Session) -> list[tuple[str, tuple[int, str, datetime]]]:
    """Return each published track's newest (version, title, published_at), by track id."""
    latest: dict[str, tuple[int, str, datetime]] = {}
    for tid, version, title, at in session.execute(
            select(TrackVersion.track_id, TrackVersion.version, TrackVersion.title, TrackVersion.published_at)
            .order_by(TrackVersion.track_id, TrackVersion.version)):
        latest[tid] = (version, title, at)
    return sorted(latest.items())


def versions_of(session: Session, track_id: str) -> list[TrackVersion]:
    """Return every published version of a track, oldest first."""
    return list(session.scalars(select(TrackVersion).where(TrackVersion.track_id == track_id)
                                .order_by(TrackVersion.version)))
