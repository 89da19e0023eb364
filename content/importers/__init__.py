"""Import question banks (Moodle GIFT, Aiken, the CSV template) into a native track YAML file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from content.importers.aiken import parse_aiken
from content.importers.build import PLACEHOLDER, build_track
from content.importers.common import Parsed, slugify
from content.importers.gift import parse_gift
from content.importers.spreadsheet import TEMPLATE_HEADER, parse_csv
from content.linter import MAX_QUESTIONS_PER_UNIT
from content.loader import problems_from_validation
from content.problems import ContentError, LineMap, Problem
from content.schema import SLUG_RE, Track

__all__ = [
    "FORMATS",
    "PLACEHOLDER",
    "TEMPLATE_HEADER",
    "ImportFailed",
    "ImportResult",
    "import_file",
    "import_text",
    "parse",
]

Parser = Callable[[str, str], Parsed]
FORMATS: dict[str, Parser] = {"gift": parse_gift, "aiken": parse_aiken, "csv": parse_csv}


class ImportFailed(ContentError):
    """Raised when a question bank cannot be imported; every problem names its file and line."""

    def __init__(self, problems: list[Problem], notes: list[str] | None = None) -> None:
        super().__init__(problems)
        self.notes: list[str] = list(notes or [])


@dataclass
class ImportResult:
    yaml_text: str
    track: Track
    # One line each: skipped questions, dropped details and what the author must still add.
    notes: list[str]
    # Questions read from the source, counted the way Moodle counts them (skipped kinds included).
    questions_read: int
    questions_written: int
    # Invalid source items; only non-empty when import ran with stop_on_error=False.
    errors: list[Problem] = field(default_factory=list)


def _read_text(path: Path) -> str:
    name = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ImportFailed([Problem(name, 0, "file not found")]) from None
    except IsADirectoryError:
        raise ImportFailed([Problem(name, 0, "is a folder, expected a question file")]) from None
    except OSError as exc:
        raise ImportFailed([Problem(name, 0, f"cannot read file: {exc.strerror or exc}")]) from None
    try:
        # utf-8-sig drops the byte-order mark some editors (and Excel) write.
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFailed(
            [
                Problem(
                    name,
                    line,
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                    "save the file as UTF-8 and import it again",
                )
            ]
        ) from None


def parse(text: str, fmt: str, path: str = "<text>") -> Parsed:
    """Parse question-bank text of one format without converting it."""
    try:
        parser = FORMATS[fmt.lower()]
    except KeyError:
        known = ", ".join(FORMATS)
        raise ImportFailed([Problem(path, 0, f"unknown format {fmt!r}; use one of {known}")]) from None
    return parser(text, path)


def import_text(
    text: str,
    fmt: str,
    *,
    path: str = "<text>",
    track_id: str | None = None,
    title: str | None = None,
    per_unit: int = MAX_QUESTIONS_PER_UNIT,
    stop_on_error: bool = True,
) -> ImportResult:
    """Convert question-bank text to track YAML; raise ImportFailed on invalid input."""
    parsed = parse(text, fmt, path)
    if parsed.errors and stop_on_error:
        raise ImportFailed(sorted(parsed.errors, key=lambda p: p.line), parsed.notes)
    stem = Path(path).stem.removesuffix(".gift").removesuffix(".aiken") or "imported"
    if track_id is not None and not SLUG_RE.match(track_id):
        raise ImportFailed([Problem(path, 0, f"track id {track_id!r} must be lowercase letters, digits and dashes")])
    tid = track_id or slugify(stem, "imported", max_words=8)
    built = build_track(parsed, track_id=tid, title=title or _title(stem), per_unit=per_unit)
    if not built.written:
        problem = Problem(path, 0, f"no question could be imported ({len(parsed.questions)} read; see the notes)")
        raise ImportFailed([*parsed.errors, problem], built.notes)
    try:
        track = Track.model_validate(built.data)
    except ValidationError as exc:
        # Reaching this is a bug in the importer, but the author still gets lines, not a traceback.
        raise ImportFailed(problems_from_validation(exc, LineMap(), path), built.notes) from None
    return ImportResult(
        yaml_text=built.yaml_text,
        track=track,
        notes=built.notes,
        questions_read=len(parsed.questions),
        questions_written=built.written,
        errors=parsed.errors,
    )


def import_file(
    path: Path,
    fmt: str,
    *,
    track_id: str | None = None,
    title: str | None = None,
    per_unit: int = MAX_QUESTIONS_PER_UNIT,
    stop_on_error: bool = True,
) -> ImportResult:
    """Convert a GIFT, Aiken or CSV question file to track YAML; raise ImportFailed naming lines."""
    path = Path(path)
    return import_text(
        _read_text(path),
        fmt,
        path=str(path),
        track_id=track_id,
        title=title,
        per_unit=per_unit,
        stop_on_error=stop_on_error,
    )


def _title(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").split()
    return " ".join(words).capitalize() if words else "Imported questions"
