"""`history` and `search WORDS` in chat: the lessons a learner already received, so the bot doubles as a
job aid. The words are the reader's; the search is the database's full-text index (core.services.history)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from core.i18n import format_datetime, translate
from core.models import LessonHistory, Person
from core.services import history

SHOWN = 10


def _day(entry: LessonHistory, person: Person) -> str:
    return format_datetime(entry.sent_at, ZoneInfo(person.timezone or "UTC"), person.locale, "day")


def chat_reply(s: Session, person: Person, command: str, args: list[str], platform: str) -> tuple[str, str]:
    """Return (text, title) answering `history` or `search WORDS` for `person`."""
    loc = person.locale
    if command == "history":
        entries = history.recent(s, person.id, SHOWN)
        if not entries:
            return translate(loc, "You haven't received any lessons yet."), ""
        lines = [f"• {_day(e, person)}: {e.title}" for e in entries]
        hint = translate(loc, "To find one again, send search and a few words, e.g. search password.")
        return "\n".join([*lines, "", hint]), translate(loc, "Your lessons")
    words = " ".join(args)
    if not history.words_of(words):
        return translate(loc, "Send search and a few words from the lesson you want, e.g. search password."), ""
    hits = history.search(s, person.id, words)
    if not hits:
        return translate(loc, "No lesson you received mentions {words}.", words=words), ""
    parts = [f"*{h.entry.title}* ({_day(h.entry, person)})\n{h.snippet}" for h in hits]
    return "\n\n".join(parts), translate(loc, "Lessons about {words}", words=words)
