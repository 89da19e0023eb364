"""Load track and campaign YAML files, reporting every problem with the line it is on."""

from __future__ import annotations

import difflib
import stat
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from content.campaign import CampaignSpec
from content.linter import lint
from content.problems import ContentError, LineMap, Loc, Problem, render_loc
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

_TAG = "tag:yaml.org,2002:"
_INT_TAG = _TAG + "int"
_FLOAT_TAG = _TAG + "float"
_MERGE_TAG = _TAG + "merge"
_TIMESTAMP_TAG = _TAG + "timestamp"
# YAML 1.1 gives a bare "=" the "value" tag and a bare "<<" the merge tag; as values both are just text.
_TEXT_TAGS = (_TAG + "value", _MERGE_TAG)
_SCALAR_TAGS = frozenset(_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp"))
_COLLECTION_TAGS = {SequenceNode: _TAG + "seq", MappingNode: _TAG + "map"}

# Hostile-input limits. Real tracks are tens of KB, a few thousand values and under ten levels deep.
MAX_FILE_BYTES = 1_000_000
MAX_VALUES = 50_000  # after expanding aliases; a 1 MB file of real lessons holds about 25,000
MAX_ALIASES = 1_000
MAX_DEPTH = 64  # also keeps the recursive composer, builder and pydantic far from Python's recursion limit
MAX_PROBLEMS = 50
_MAX_INT = 2**63  # what a database integer column holds
_MAX_NUMBER_CHARS = 100  # longer "numbers" are refused before int() spends time on them

M = TypeVar("M", bound=BaseModel)


# --- YAML with line numbers ----------------------------------------------------------------------


class _Fatal(Exception):
    """The file cannot be read at all; it is reported as this one problem."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Unreadable(Exception):
    """One value cannot be read; it is reported and left out."""


def _tag_name(tag: str) -> str:
    return "!!" + tag[len(_TAG) :] if tag.startswith(_TAG) else tag


class _BoundedLoader(yaml.SafeLoader):
    """A safe YAML composer that counts values as if aliases were expanded, and caps depth."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0
        self._values = 0
        self._aliases = 0
        self._sizes: dict[str, int] = {}  # anchor -> number of values its node expands to
        self._open: set[str] = set()  # anchors whose node is still being composed

    def _count(self, n: int, line: int, message: str) -> None:
        self._values += n
        if self._values > MAX_VALUES:
            raise _Fatal(line, message)

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        """Compose one node, refusing alias bombs, recursive aliases and deep nesting."""
        event = self.peek_event()  # type: ignore[no-untyped-call]
        assert isinstance(event, NodeEvent) and event.start_mark is not None
        line, anchor = event.start_mark.line + 1, event.anchor
        if isinstance(event, AliasEvent):
            if anchor in self._open:
                raise _Fatal(line, f"recursive YAML alias *{anchor} (it refers to a block that contains it)")
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                raise _Fatal(line, f"too many YAML aliases (limit {MAX_ALIASES})")
            if anchor in self._sizes:
                self._count(self._sizes[anchor], line, f"too many YAML aliases (they expand past {MAX_VALUES} values)")
            return super().compose_node(parent, index)  # an undefined alias is a syntax error there
        nested = isinstance(event, CollectionStartEvent)
        self._depth += nested
        if self._depth > MAX_DEPTH:
            raise _Fatal(line, f"nested too deeply (limit {MAX_DEPTH} levels)")
        before = self._values
        self._count(1, line, f"too many values in one file (limit {MAX_VALUES})")
        if anchor is not None:
            self._open.add(anchor)
        node = super().compose_node(parent, index)
        self._depth -= nested
        if anchor is not None:
            self._open.discard(anchor)
            self._sizes[anchor] = self._values - before
        return node


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines = LineMap()
        self.problems: list[Problem] = []
        self.unreadable: list[Loc] = []
        self._constructor = SafeConstructor()

    def error(self, line: int, loc: Loc, message: str) -> None:
        where = render_loc(loc)
        self.problems.append(Problem(self.path, line, f"{where}: {message}" if where else message))

    def build(self, node: Node, loc: Loc) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(loc, line)
        try:
            if isinstance(node, CollectionNode):
                if len(loc) >= MAX_DEPTH:  # reached only through aliases; the composer caps the rest
                    raise _Fatal(line, f"nested too deeply (limit {MAX_DEPTH} levels)")
                if node.tag != _COLLECTION_TAGS[type(node)]:
                    raise _Unreadable(f"unsupported tag {_tag_name(node.tag)!r}")
                if isinstance(node, MappingNode):
                    return self._mapping(node, loc)
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, ScalarNode)
            return self._scalar(node)
        except _Unreadable as exc:
            self.error(line, loc, str(exc))
            self.unreadable.append(loc)
            return None

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                self.error(line, loc, "YAML merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(line, loc, "a key must be plain text, not a list or mapping")
                continue
            try:
                key = self._scalar(key_node)
            except _Unreadable as exc:
                self.error(line, loc, str(exc))
                continue
            if key in first_line:
                self.error(line, loc, f"duplicate key {key!r} (first on line {first_line[key]})")
                continue
            first_line[key] = line
            key_loc = (*loc, key)
            self.lines.set(key_loc, line)
            out[key] = self.build(value_node, key_loc)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag in _TEXT_TAGS:
            return text
        if tag not in _SCALAR_TAGS:
            raise _Unreadable(f"unsupported tag {_tag_name(tag)!r}")
        # YAML 1.1 reads unquoted 9:30 as the base-60 number 570; nobody means that in course files,
        # so keep the text the author wrote.
        if tag in (_INT_TAG, _FLOAT_TAG) and ":" in text:
            return text
        if tag == _INT_TAG and len(text) > _MAX_NUMBER_CHARS:
            raise _Unreadable("number too large (limit 64 bits)")
        try:
            value = self._constructor.construct_object(node, deep=True)
        except ValueError as exc:
            if tag == _TIMESTAMP_TAG:  # the text looks like a date, but the calendar disagrees
                raise _Unreadable(f"impossible date {text!r} ({exc})") from None
            raise _Unreadable(f"cannot read {text!r} as {_tag_name(tag)}") from None
        except (ConstructorError, LookupError, AttributeError, TypeError, OverflowError):
            raise _Unreadable(f"cannot read {text!r} as {_tag_name(tag)}") from None
        if isinstance(value, int) and not -_MAX_INT <= value < _MAX_INT:
            raise _Unreadable("number too large (limit 64 bits)")
        return value


@dataclass
class _Parsed:
    data: Any
    lines: LineMap
    problems: list[Problem]
    unreadable: list[Loc] = field(default_factory=list)


def _syntax_problem(exc: yaml.YAMLError, text: str, path: str) -> Problem:
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = exc.problem or "invalid YAML"
        if exc.context:
            # The context mark is often far from the problem mark (e.g. where an unclosed quote opened).
            where = f" on line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
            detail = f"{detail} ({exc.context}{where})"
        return Problem(path, line, f"YAML syntax error: {detail}")
    if isinstance(exc, ReaderError):
        line = text.count("\n", 0, exc.position) + 1
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        return Problem(path, line, f"YAML syntax error: unacceptable character #x{char:04x}: {exc.reason}")
    return Problem(path, 1, f"YAML syntax error: {exc}")


def _parse(text: str, path: str) -> _Parsed:
    if len(text) > MAX_FILE_BYTES:
        too_large = f"text is too large (more than {MAX_FILE_BYTES} characters)"
        return _Parsed(None, LineMap(), [Problem(path, 1, too_large)])
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)  # the reader checks every character here
        root = loader.get_single_node()
        if root is None:
            return _Parsed(None, LineMap(), [Problem(path, 1, "file is empty")])
        builder = _Builder(path)
        data = builder.build(root, ())
    except _Fatal as exc:
        return _Parsed(None, LineMap(), [Problem(path, exc.line, exc.message)])
    except yaml.YAMLError as exc:
        return _Parsed(None, LineMap(), [_syntax_problem(exc, text, path)])
    finally:
        if loader is not None:
            loader.dispose()
    return _Parsed(data, builder.lines, builder.problems, builder.unreadable)


def parse_yaml(text: str, path: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse one YAML document into plain data plus a line map; syntax errors become problems."""
    parsed = _parse(text, path)
    return parsed.data, parsed.lines, parsed.problems


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


def _read(path: Path) -> _Parsed:
    name = str(path)

    def fail(message: str) -> _Parsed:
        return _Parsed(None, LineMap(), [Problem(name, 0, message)])

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
    return _parse(text, name)


def _validate(model: type[M], parsed: _Parsed, path: str, what: str) -> tuple[M | None, list[Problem]]:
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
