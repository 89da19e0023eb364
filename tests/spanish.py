"""What "every bot sentence in Spanish" means for the end-to-end tests: no English catalog piece, no English
function word, and none of the English source track's sentences in what a Spanish learner was shown."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from content.loader import LIBRARY_DIR, check_paths, load_track_file
from core.services import tracks
from core.services.translations import publish_translation

CATALOGS = Path(__file__).resolve().parents[1] / "core" / "locales"
ENGLISH_WORDS = ("the", "your", "you", "question", "answer", "lesson", "week", "reminder", "what", "and", "is",
                 "correct", "true", "false", "explanation")
# Words the Spanish text keeps because one types them, or because they are names.
KEPT = {"stats", "next", "pause", "resume", "timezone", "language", "help", "channel", "nudgebot", "phishing",
        "history", "search"}


def publish_spanish_phishing(session: object, now: object) -> None:
    """Publish the sample track and its shipped translations, as `content publish content/library` does."""
    result = check_paths([LIBRARY_DIR])
    for track in result.tracks:
        tracks.publish(session, track, now)  # type: ignore[arg-type]
    for tr in result.translations:
        publish_translation(session, tr, now)  # type: ignore[arg-type]


def _catalog_pieces() -> list[str]:
    with (CATALOGS / "es" / "LC_MESSAGES" / "nudgebot.po").open("rb") as f:
        catalog = read_po(f)
    pieces: set[str] = set()
    for m in catalog:
        ids = m.id if isinstance(m.id, tuple) else (m.id,)
        strings = m.string if isinstance(m.string, tuple) else (m.string,)
        if not m.id or set(ids) == set(strings) or "EEE" in ids[0]:
            continue
        for msgid in ids:
            for piece in re.split(r"\{[^}]*\}|[*_\n•`()<>\[\]]", msgid):
                piece = piece.strip(" .,:;!?-·")
                if piece.startswith("/"):
                    continue  # a command, typed as it is in every language
                words = re.findall(r"[A-Za-z']+", piece)
                if len(words) >= 2 or (len(words) == 1 and len(words[0]) >= 5 and words[0].lower() not in KEPT):
                    pieces.add(piece)
    return sorted(pieces)


def _source_sentences() -> list[str]:
    track, _, _ = load_track_file(LIBRARY_DIR / "phishing-basics.yaml")
    assert track is not None
    texts = [track.title, track.objective or ""]
    for unit in track.units:
        texts += [unit.title, unit.why or "", unit.lesson]
        for q in unit.questions:
            texts += [q.prompt, q.explanation or ""]
            texts += [c.text for c in q.choices] + [c.feedback or "" for c in q.choices]
    sentences = [s.strip() for t in texts for s in re.split(r"(?<=[.?!])\s+", t) if len(s.split()) >= 4]
    return sentences


def english_in(corpus: str) -> list[str]:
    """Return every trace of English in what a Spanish reader saw."""
    flat = " ".join(corpus.split())
    leaked = [p for p in _catalog_pieces()
              if (re.search(rf"(?<![\w']){re.escape(p)}(?![\w'])", flat) if " " not in p else p in flat)]
    leaked += [s for s in _source_sentences() if " ".join(s.split()) in flat]
    return leaked + re.findall(rf"(?i)\b({'|'.join(ENGLISH_WORDS)})\b", flat)
