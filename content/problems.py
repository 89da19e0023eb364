"""Problems found in content files, and the map from a location in the data to its source line."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["ContentError", "LineMap", "Loc", "Problem", "one_line", "render_loc"]

# Keys are usually str, but YAML allows bool/int/date keys and pydantic locs may carry them.
Loc = tuple[Any, ...]


@dataclass(frozen=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Literal["error", "warning"] = "error"

    def __str__(self) -> str:
        return f"{one_line(self.path)}:{self.line}: {self.severity}: {one_line(self.message)}"


MAX_MESSAGE_CHARS = 500


def one_line(text: str, limit: int = MAX_MESSAGE_CHARS) -> str:
    """Escape newlines and other control characters and cut to limit, so a problem prints as one line."""
    # Keys and values come from the file; raw escape sequences could also repaint the terminal.
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


class ContentError(Exception):
    """Raised when a content file cannot be used; carries every problem found, not just the first."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        if not problems:
            raise ValueError("ContentError needs at least one problem")
        self.problems: list[Problem] = list(problems)
        super().__init__(self._summary())

    def _summary(self) -> str:
        first = str(self.problems[0])
        more = len(self.problems) - 1
        return f"{first} (and {more} more)" if more else first


class LineMap:
    """1-based source lines for locations such as ("units", 2, "questions", 0, "choices")."""

    def __init__(self, lines: Mapping[Loc, int] | None = None) -> None:
        self._lines: dict[Loc, int] = dict(lines or {})

    def set(self, loc: Iterable[Any], line: int) -> None:
        """Record the line of loc, overwriting any earlier entry."""
        self._lines[tuple(loc)] = line

    def setdefault(self, loc: Iterable[Any], line: int) -> None:
        """Record the line of loc unless one is already known."""
        self._lines.setdefault(tuple(loc), line)

    def line(self, loc: Iterable[Any]) -> int:
        """Return the line of loc, or of its nearest known ancestor, or 1."""
        key = tuple(loc)
        while key:
            try:
                found = self._lines.get(key)
            except TypeError:  # an unhashable part in a pydantic loc; treat as unknown
                found = None
            if found is not None:
                return found
            key = key[:-1]
        return self._lines.get((), 1)

    def __contains__(self, loc: object) -> bool:
        return isinstance(loc, tuple) and loc in self._lines

    def __len__(self) -> int:
        return len(self._lines)


def render_loc(loc: Iterable[Any]) -> str:
    """Render a location the way an author would write it: units[2].questions[0].choices."""
    out = ""
    for part in loc:
        if isinstance(part, bool):
            out += f".{str(part).lower()}"
        elif isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":  # pydantic's marker for "the key itself", already named by the previous part
            continue
        else:
            out += f".{part}" if out else str(part)
    return out.lstrip(".")
