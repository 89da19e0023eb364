"""Load track and campaign YAML files, reporting every problem with the line it is on."""

from __future__ import annotations

import difflib
import stat
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from content.campaign import CampaignSpec
from content.linter import lint
from content.pictures import ImageFile, check_pictures
from content.problems import ContentError, LineMap, Loc, Problem, render_loc
from content.safe_yaml import (
    MAX_ALIASES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_PROBLEMS,
    MAX_VALUES,
    Parsed,
    parse,
    parse_yaml,
)
from content.schema import Track
from content.translation import TrackTranslation, compare

__all__ = [
    "LIBRARY_DIR",
    "MAX_ALIASES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_PROBLEMS",
    "MAX_VALUES",
    "CheckResult",
    "ContentError",
    "LineMap",
    "Problem",
    "check_paths",
    "iter_content_files",
    "load_campaign_file",
    "load_track_file",
    "parse_yaml",
    "problems_from_validation",
]

LIBRARY_DIR = Path(__file__).parent / "library"
CONTENT_SUFFIXES = (".yaml", ".yml")


M = TypeVar("M", bound=BaseModel)

# --- readable validation messages ----------------------------------------------------------------


def _describe(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


_PLAIN_MESSAGES = {
    "string_type": "expected text",
    "bool_type": "expected true or false",
    "bool_parsing": "expected true or false",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "int_from_float": "expected a whole number",
    "list_type": "expected a list",
    "dict_type": "expected a mapping (key: value lines)",
    "model_type": "expected a mapping (key: value lines)",
    "model_attributes_type": "expected a mapping (key: value lines)",
    "date_type": "expected a date like 2027-01-04",
    "date_parsing": "expected a date like 2027-01-04",
    "date_from_datetime_parsing": "expected a date like 2027-01-04",
    "date_from_datetime_inexact": "expected a date like 2027-01-04, without a time",
}


def _message(err: ErrorDetails) -> str:
    kind = err["type"]
    value = err.get("input")
    if kind == "string_type" and isinstance(value, bool):
        # The YAML 1.1 "Norway problem": unquoted yes/no/on/off are booleans, not words.
        return (
            f"expected text, got {_describe(value)} (YAML reads bare yes/no/on/off as true/false; quote it)"
        )
    if kind in _PLAIN_MESSAGES:
        return f"{_PLAIN_MESSAGES[kind]}, got {_describe(value)}"
    if kind == "string_too_short":
        return "must not be empty"
    if kind == "value_error":
        return str(err.get("ctx", {}).get("error", err["msg"]))
    msg = err["msg"]
    if msg.startswith("Input should be"):
        return f"expected{msg[len('Input should be') :]}, got {_describe(value)}"
    # Our own PydanticCustomError messages are already written for authors; keep pydantic's as-is.
    return msg[:1].lower() + msg[1:] if msg[:2] != msg[:2].upper() else msg


def problems_from_validation(
    exc: ValidationError, lines: LineMap, path: str, unreadable: Collection[Loc] = ()
) -> list[Problem]:
    """Turn every entry of a ValidationError into a Problem on the nearest known source line."""
    errors = [e for e in exc.errors(include_url=False) if not _related(tuple(e["loc"]), unreadable)]
    missing: dict[Loc, list[str]] = {}
    for err in errors:
        if err["type"] == "missing":
            missing.setdefault(tuple(err["loc"][:-1]), []).append(str(err["loc"][-1]))

    problems: list[Problem] = []
    for err in errors:
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "missing":
            where, line = loc[:-1], lines.line(loc)
            message = f"missing required key '{loc[-1]}'"
        elif kind == "extra_forbidden":
            where, line = loc[:-1], lines.line(loc)
            message = f"unknown key '{loc[-1]}'"
            # A typo produces both "unknown key" and "missing key"; connect them for the author.
            close = difflib.get_close_matches(str(loc[-1]), missing.get(where, []), n=1)
            if close:
                message += f" (did you mean '{close[0]}'?)"
        else:
            where, line = loc, lines.line(loc)
            message = _message(err)
        rendered = render_loc(where)
        problems.append(Problem(path, line, f"{rendered}: {message}" if rendered else message))
    return problems


# --- files ---------------------------------------------------------------------------------------


def _related(loc: Loc, unreadable: Collection[Loc]) -> bool:
    # A value that could not be read is already reported; what pydantic says about it (or about the
    # mapping or list holding it) only repeats that.
    return any(loc[: len(bad)] == bad or (loc and bad[: len(loc)] == loc) for bad in unreadable)


def _read(path: Path) -> Parsed:
    name = str(path)

    def fail(message: str) -> Parsed:
        return Parsed(None, LineMap(), [Problem(name, 0, message)])

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            return fail("is a folder, expected a YAML file")
        # Devices and pipes could be endless or block forever.
        if not stat.S_ISREG(info.st_mode):
            return fail("not a regular file")
        if info.st_size > MAX_FILE_BYTES:
            return fail(f"file is too large ({info.st_size} bytes; the limit is {MAX_FILE_BYTES})")
        with path.open("rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return fail("file not found")
    except OSError as exc:
        return fail(f"cannot read file: {exc.strerror or exc}")
    if len(raw) > MAX_FILE_BYTES:  # it grew after stat()
        return fail(f"file is too large (more than {MAX_FILE_BYTES} bytes)")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return fail(f"not UTF-8 text ({exc.reason})")
    return parse(text, name)


def _validate(model: type[M], parsed: Parsed, path: str, what: str) -> tuple[M | None, list[Problem]]:
    if not isinstance(parsed.data, dict):
        return None, [
            Problem(path, parsed.lines.line(()), f"the top level of a {what} file must be a mapping of keys")
        ]
    try:
        return model.model_validate(parsed.data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, parsed.lines, path, parsed.unreadable)


def _by_line(problems: list[Problem]) -> list[Problem]:
    ordered = sorted(problems, key=lambda p: p.line)
    if len(ordered) <= MAX_PROBLEMS:
        return ordered
    shown = ordered[:MAX_PROBLEMS]
    last = shown[-1]
    note = f"too many problems in this file ({len(ordered)}); showing the first {MAX_PROBLEMS}"
    return [*shown, Problem(last.path, last.line, note)]


def load_track_file(path: str | Path) -> tuple[Track | None, list[Problem], LineMap]:
    """Load one track file; the track is None whenever any error was found."""
    path = Path(path)
    parsed = _read(path)
    if parsed.data is None and parsed.problems:
        return None, parsed.problems, parsed.lines
    track, invalid = _validate(Track, parsed, str(path), "track")
    problems = _by_line(parsed.problems + invalid)
    if problems:
        return None, problems, parsed.lines
    return track, problems, parsed.lines


def load_translation_file(path: str | Path) -> tuple[TrackTranslation | None, list[Problem], LineMap]:
    """Load one translation file; the translation is None whenever any error was found."""
    path = Path(path)
    parsed = _read(path)
    if parsed.data is None and parsed.problems:
        return None, parsed.problems, parsed.lines
    tr, invalid = _validate(TrackTranslation, parsed, str(path), "translation")
    problems = _by_line(parsed.problems + invalid)
    return (None if problems else tr), problems, parsed.lines


def load_campaign_file(path: str | Path) -> CampaignSpec:
    """Load one campaign file, raising ContentError with every problem found."""
    path = Path(path)
    parsed = _read(path)
    if parsed.data is None and parsed.problems:
        raise ContentError(parsed.problems)
    spec, invalid = _validate(CampaignSpec, parsed, str(path), "campaign")
    problems = _by_line(parsed.problems + invalid)
    if problems or spec is None:
        raise ContentError(problems)
    return spec


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:  # e.g. a name too long for the file system; reading it reports the reason
        return False


def iter_content_files(paths: Iterable[str | Path]) -> list[Path]:
    """List the files to check: files as given, folders expanded recursively to sorted *.yaml/*.yml."""
    # A missing path is kept so that loading it reports "file not found" instead of silently passing.
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if _is_dir(path):
            found = sorted(p for p in path.rglob("*") if p.suffix in CONTENT_SUFFIXES and p.is_file())
        else:
            found = [path]
        for p in found:
            if p not in seen:
                seen.add(p)
                out.append(p)
    return out


@dataclass
class CheckResult:
    tracks: list[Track]
    problems: list[Problem]
    campaigns: list[CampaignSpec] = field(default_factory=list)
    strict: bool = False
    translations: list[TrackTranslation] = field(default_factory=list)
    images: dict[str, ImageFile] = field(default_factory=dict)  # picture files of the tracks, by sha256

    @property
    def errors(self) -> list[Problem]:
        """Return the problems that block publishing."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Return the advisory problems."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        """Return True when nothing blocks publishing (warnings too, in strict mode)."""
        return not self.errors and not (self.strict and self.warnings)


def _looks_like_campaign(data: Any) -> bool:
    return isinstance(data, dict) and "schedule" in data and "units" not in data


def check_paths(paths: Iterable[str | Path], strict: bool = False) -> CheckResult:
    """Load and lint every track (and campaign) file under paths."""
    paths = list(paths)
    result = CheckResult(tracks=[], problems=[], strict=strict)
    for raw in paths:
        p = Path(raw)
        if _is_dir(p) and not any(q.suffix in CONTENT_SUFFIXES for q in p.rglob("*")):
            result.problems.append(Problem(str(p), 0, "folder has no .yaml or .yml files"))

    track_ids: dict[str, Problem] = {}
    campaigns: list[tuple[CampaignSpec, LineMap, str]] = []
    translations: list[tuple[TrackTranslation, LineMap, str]] = []
    for path in iter_content_files(paths):
        name = str(path)
        parsed = _read(path)
        lines = parsed.lines
        if parsed.data is None and parsed.problems:
            result.problems.extend(parsed.problems)
            continue
        if isinstance(parsed.data, dict) and "translation_of" in parsed.data:
            tr, invalid = _validate(TrackTranslation, parsed, name, "translation")
            result.problems.extend(_by_line(parsed.problems + invalid))
            if tr is not None:
                translations.append((tr, lines, name))
            continue
        if _looks_like_campaign(parsed.data):
            spec, invalid = _validate(CampaignSpec, parsed, name, "campaign")
            result.problems.extend(_by_line(parsed.problems + invalid))
            if spec is not None:
                result.campaigns.append(spec)
                campaigns.append((spec, lines, name))
            continue
        track, invalid = _validate(Track, parsed, name, "track")
        file_problems = parsed.problems + invalid
        if track is not None:
            here = Problem(name, lines.line(("id",)), "")
            if track.id in track_ids:
                first = track_ids[track.id]
                file_problems.append(
                    Problem(
                        name,
                        here.line,
                        f"id: track id '{track.id}' is already used by {first.path}:{first.line}",
                    )
                )
            else:
                track_ids[track.id] = here
                result.tracks.append(track)
            file_problems.extend(lint(track, lines, name))
            bad_pictures, pictures = check_pictures(track, path, lines)
            file_problems.extend(bad_pictures)
            result.images.update(pictures)
        result.problems.extend(_by_line(file_problems))

    result.problems.extend(_check_translations(result, translations, track_ids))
    # Only cross-check when tracks were checked too; a campaign checked on its own cannot know them.
    for spec, lines, name in campaigns:
        if track_ids and spec.track not in track_ids:
            result.problems.append(
                Problem(
                    name,
                    lines.line(("track",)),
                    f"track: no track with id '{spec.track}' among the checked files",
                )
            )
    return result


def _check_translations(result: CheckResult, translations: list[tuple[TrackTranslation, LineMap, str]],
                        track_ids: dict[str, Problem]) -> list[Problem]:
    """Compare each translation with its source among the checked tracks (missing/extra ids, keys, staleness)."""
    sources = {t.id: t for t in result.tracks}
    problems: list[Problem] = []
    for tr, lines, name in translations:
        result.translations.append(tr)
        source = sources.get(tr.translation_of)
        if source is None:
            if track_ids:  # checked on its own, a translation cannot know its source
                message = f"translation_of: no track with id '{tr.translation_of}' among the checked files"
                problems.append(Problem(name, lines.line(("translation_of",)), message))
            continue
        found = [Problem(name, lines.line(f.loc), f.message, f.severity) for f in compare(source, tr).findings]
        problems.extend(_by_line(found))
    return problems
