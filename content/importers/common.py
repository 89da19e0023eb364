"""What every question-bank parser produces: questions in a neutral shape, plus errors by line."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Literal

from content.problems import Problem

__all__ = [
    "Parsed",
    "RawChoice",
    "RawQuestion",
    "html_to_text",
    "slugify",
]

# Every kind a source format can hold; essays, matching and descriptions have no native kind (they are skipped).
Kind = Literal[
    "single",
    "true_false",
    "multiple_response",
    "short_answer",
    "numeric",
    "essay",
    "matching",
    "description",
]


@dataclass
class RawChoice:
    text: str
    # Moodle's grade fraction: 1.0 is fully right, 0 wrong, negatives are penalties.
    fraction: float = 0.0
    feedback: str | None = None


@dataclass
class RawQuestion:
    kind: Kind
    line: int
    prompt: str
    name: str | None = None
    category: str | None = None
    choices: list[RawChoice] = field(default_factory=list)
    answer: bool | None = None
    # true_false feedback keyed by the learner's answer.
    tf_feedback: dict[bool, str] = field(default_factory=dict)
    explanation: str | None = None
    # The answers as the source wrote them (short answers, numeric N:tolerance or MIN..MAX, matching pairs).
    answers: list[str] = field(default_factory=list)
    # Unit-level text some sources carry (the spreadsheet template).
    unit: str | None = None
    why: str | None = None
    lesson: str | None = None


@dataclass
class Parsed:
    path: str
    questions: list[RawQuestion] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    # Things the author should know that do not make the file invalid.
    notes: list[str] = field(default_factory=list)

    def error(self, line: int, message: str) -> None:
        """Record one invalid item at its source line."""
        self.errors.append(Problem(self.path, line, message))


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML fragment; never runs or keeps markup."""

    _BLOCK = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table"})
    _HIDDEN = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._HIDDEN:
            self._hidden += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, whitespace tidied, entities decoded."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    # Collapse runs of blank lines left by nested block tags.
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


_NON_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, fallback: str, max_words: int = 6) -> str:
    """Return a schema-valid slug built from the first words of text, or fallback."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = [w for w in _NON_SLUG.split(ascii_text) if w][:max_words]
    slug = "-".join(words)[:48].strip("-")
    return slug or fallback
