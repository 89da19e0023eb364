"""Published track translations: store them, and give each reader their language's version of a track.

Ids, order and answer keys always come from the source version, so answers recorded from any
language aggregate in one report. Lookups are memoised per session (one query per track and
language per transaction), so a planning pass over many learners stays cheap.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.models import TrackTranslationRow, TrackVersion

if TYPE_CHECKING:
    from content.schema import Track
    from content.translation import TrackTranslation

_MEMO = "reach.translations"


def _hash(tr: TrackTranslation) -> str:
    canonical = json.dumps(tr.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def publish_translation(session: Session, tr: TrackTranslation, now: datetime) -> tuple[TrackTranslationRow, bool]:
    """Store (or replace) a track's translation into one language; return (row, changed)."""
    digest = _hash(tr)
    row = session.scalars(select(TrackTranslationRow).where(
        TrackTranslationRow.track_id == tr.translation_of, TrackTranslationRow.language == tr.language)).first()
    if row is not None and row.content_hash == digest:
        return row, False
    if row is None:
        row = TrackTranslationRow(track_id=tr.translation_of, language=tr.language)
        session.add(row)
    row.source_hash, row.content_hash = tr.source_hash, digest
    row.body, row.published_at = tr.model_dump(mode="json"), now
    session.flush()
    session.info.pop(_MEMO, None)
    return row, True


def translations_of(session: Session, track_id: str) -> list[TrackTranslation]:
    """Return every published translation of a track, by language."""
    from content.translation import TrackTranslation  # its pydantic schema: only when a track is read

    rows = session.scalars(select(TrackTranslationRow).where(TrackTranslationRow.track_id == track_id)
                           .order_by(TrackTranslationRow.language))
    return [TrackTranslation.model_validate(r.body) for r in rows]


def localized(session: Session, version: TrackVersion, track: Track, locale: str | None) -> Track:
    """Return `track` (the source of `version`) in the reader's language, falling back pt-BR -> pt -> source."""
    from content.translation import TrackTranslation, apply, candidates  # only when something is rendered

    wanted = candidates(locale, track.language)
    if not wanted:
        return track
    memo: dict[tuple[int, str], Track] = session.info.setdefault(_MEMO, {})
    key = (version.id, wanted[0])
    hit = memo.get(key)
    if hit is None:
        rows = {r.language: r for r in session.scalars(select(TrackTranslationRow).where(
            TrackTranslationRow.track_id == track.id, TrackTranslationRow.language.in_(wanted)))}
        row = next((rows[w] for w in wanted if w in rows), None)
        hit = track if row is None else apply(track, TrackTranslation.model_validate(row.body))
        memo[key] = hit
    return hit
