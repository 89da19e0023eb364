"""Lesson history: what each learner already received, searchable with the database's full-text index.

SQLite uses the FTS5 table `lesson_history_fts`, PostgreSQL the generated `search_vector` column (both
made by the lesson-history migration). Each word of a query must match (as a prefix), accents and case
aside on SQLite; the best matches come first with a short snippet around the words found.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.models import Delivery, LessonHistory

MAX_WORDS = 8
_WORD = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class Hit:
    """One lesson found by a search, with a snippet where the words are marked *like this*."""

    entry: LessonHistory
    snippet: str


def on_sent(session: Session, delivery_id: int, now: datetime) -> None:
    """Keep a sent lesson in its learner's history (once per delivery)."""
    d = session.get(Delivery, delivery_id)
    if d is None or d.kind != "lesson" or d.person_id is None or d.payload.get("edit_ref"):
        return
    if session.scalars(select(LessonHistory.id).where(LessonHistory.delivery_id == d.id)).first() is not None:
        return
    entry = LessonHistory(person_id=d.person_id, delivery_id=d.id, campaign_id=d.campaign_id,
                          title=str(d.payload.get("title") or ""), body=str(d.payload.get("text") or ""),
                          sent_at=now)
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError:
        pass  # recorded by a concurrent mark for the same delivery


def recent(session: Session, person_id: int, limit: int = 10) -> list[LessonHistory]:
    """Return a learner's most recently received lessons, newest first."""
    return list(session.scalars(select(LessonHistory).where(LessonHistory.person_id == person_id)
                                .order_by(LessonHistory.sent_at.desc(), LessonHistory.id.desc()).limit(limit)))


def words_of(query: str) -> list[str]:
    """Return the searchable words of a query (letters and digits only, at most MAX_WORDS)."""
    return [w.lower() for w in _WORD.findall(query)][:MAX_WORDS]


def search(session: Session, person_id: int, query: str, limit: int = 5) -> list[Hit]:
    """Return the learner's lessons that contain every word of `query` (as a prefix), best first."""
    words = words_of(query)
    if not words:
        return []
    if session.get_bind().dialect.name == "postgresql":
        rows = session.execute(text(
            "SELECT id, ts_headline('simple', body, q, 'StartSel=*, StopSel=*, MaxWords=18, MinWords=6') "
            "FROM lesson_history, to_tsquery('simple', :q) AS q "
            "WHERE person_id = :p AND search_vector @@ q "
            "ORDER BY ts_rank(search_vector, q) DESC, sent_at DESC LIMIT :n"),
            {"q": " & ".join(f"{w}:*" for w in words), "p": person_id, "n": limit}).all()
    else:
        rows = session.execute(text(
            "SELECT h.id, snippet(lesson_history_fts, 1, '*', '*', '…', 16) "
            "FROM lesson_history_fts JOIN lesson_history h ON h.id = lesson_history_fts.rowid "
            "WHERE lesson_history_fts MATCH :q AND h.person_id = :p "
            "ORDER BY bm25(lesson_history_fts), h.sent_at DESC LIMIT :n"),
            # Each word quoted, so nothing a learner types is read as FTS5 syntax.
            {"q": " ".join(f'"{w}"*' for w in words), "p": person_id, "n": limit}).all()
    entries = {e.id: e for e in session.scalars(select(LessonHistory).where(
        LessonHistory.id.in_([r[0] for r in rows])))}
    return [Hit(entries[r[0]], " ".join(str(r[1]).split())) for r in rows if r[0] in entries]
