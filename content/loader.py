"""Load track and campaign YAML files, reporting every problem with the line it is on."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from content.campaign import CampaignSpec
from content.linter import lint
from content.problems import ContentError, LineMap, Loc, Problem, render_loc
from content.schema import Track

__all__ = [
    "LIBRARY_DIR",
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

_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_MAX_DEPTH = 64

M = TypeVar("M", bound=BaseModel)


# --- YAML with line numbers ----------------------------------------------------------------------


class _Builder:
    def __init__(self, path: str) -> None:
        self.path = path
        self.lines = LineMap()
        self.problems: list[Problem] = []
        self._constructor = SafeConstructor()
        self._stack: set[int] = set()

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))

    def build(self, node: Node, loc: Loc) -> Any:
        line = node.start_mark.line + 1
        self.lines.setdefault(loc, line)
        if id(node) in self._stack or len(loc) > _MAX_DEPTH:
            self.error(line, "recursive or too deeply nested YAML alias")
            return None
        self._stack.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, SequenceNode):
                return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
            assert isinstance(node, ScalarNode)
            return self._scalar(node)
        finally:
            self._stack.discard(id(node))

    def _mapping(self, node: MappingNode, loc: Loc) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        first_line: dict[Any, int] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if key_node.tag == _MERGE_TAG:
                self.error(line, "YAML merge keys (<<) are not supported; write the keys out")
                continue
            if not isinstance(key_node, ScalarNode):
                self.error(line, "a key must be plain text, not a list or mapping")
                continue
            key = self._scalar(key_node)
            if key in first_line:
                self.error(line, f"duplicate key {key!r} (first on line {first_line[key]})")
                continue
            first_line[key] = line
            key_loc = (*loc, key)
            self.lines.set(key_loc, line)
            out[key] = self.build(value_node, key_loc)
        return out

    def _scalar(self, node: ScalarNode) -> Any:
        # YAML 1.1 reads unquoted 9:30 as the base-60 number 570; nobody means that in course files,
        # so keep the text the author wrote.
        if node.tag in (_INT_TAG, _FLOAT_TAG) and ":" in node.value:
            return node.value
        try:
            return self._constructor.construct_object(node, deep=True)
        except ConstructorError as exc:
            self.error(node.start_mark.line + 1, f"cannot read value: {exc.problem}")
            return None


def parse_yaml(text: str, path: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse one YAML document into plain data plus a line map; syntax errors become problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        detail = exc.problem or "invalid YAML"
        if exc.context:
            # The context mark is often far from the problem mark (e.g. where an unclosed quote opened).
            where = f" on line {exc.context_mark.line + 1}" if exc.context_mark is not None else ""
            detail = f"{detail} ({exc.context}{where})"
        return None, LineMap(), [Problem(path, line, f"YAML syntax error: {detail}")]
    except yaml.YAMLError as exc:
        return None, LineMap(), [Problem(path, 1, f"YAML syntax error: {exc}")]
    if root is None:
        return None, LineMap(), [Problem(path, 1, "file is empty")]
    builder = _Builder(path)
    data = builder.build(root, ())
    return data, builder.lines, builder.problems


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


def problems_from_validation(exc: ValidationError, lines: LineMap, path: str) -> list[Problem]:
    """Turn every entry of a ValidationError into a Problem on the nearest known source line."""
    errors = exc.errors(include_url=False)
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


def _read(path: Path) -> tuple[Any, LineMap, list[Problem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, LineMap(), [Problem(name, 0, "file not found")]
    except IsADirectoryError:
        return None, LineMap(), [Problem(name, 0, "is a folder, expected a YAML file")]
    except UnicodeDecodeError as exc:
        return None, LineMap(), [Problem(name, 0, f"not UTF-8 text ({exc.reason})")]
    except OSError as exc:
        return None, LineMap(), [Problem(name, 0, f"cannot read file: {exc.strerror or exc}")]
    return parse_yaml(text, name)


def _validate(
    model: type[M], data: Any, lines: LineMap, path: str, what: str
) -> tuple[M | None, list[Problem]]:
    if not isinstance(data, dict):
        return None, [
            Problem(path, lines.line(()), f"the top level of a {what} file must be a mapping of keys")
        ]
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        return None, problems_from_validation(exc, lines, path)


def _by_line(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: p.line)


def load_track_file(path: str | Path) -> tuple[Track | None, list[Problem], LineMap]:
    """Load one track file; the track is None whenever any error was found."""
    path = Path(path)
    data, lines, problems = _read(path)
    if data is None and problems:
        return None, problems, lines
    track, invalid = _validate(Track, data, lines, str(path), "track")
    problems = _by_line(problems + invalid)
    if problems:
        return None, problems, lines
    return track, problems, lines


def load_campaign_file(path: str | Path) -> CampaignSpec:
    """Load one campaign file, raising ContentError with every problem found."""
    path = Path(path)
    data, lines, problems = _read(path)
    if data is None and problems:
        raise ContentError(problems)
    spec, invalid = _validate(CampaignSpec, data, lines, str(path), "campaign")
    problems = _by_line(problems + invalid)
    if problems or spec is None:
        raise ContentError(problems)
    return spec


def iter_content_files(paths: Iterable[str | Path]) -> list[Path]:
    """List the files to check: files as given, folders expanded recursively to sorted *.yaml/*.yml."""
    # A missing path is kept so that loading it reports "file not found" instead of silently passing.
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
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
        if p.is_dir() and not any(q.suffix in CONTENT_SUFFIXES for q in p.rglob("*")):
            result.problems.append(Problem(str(p), 0, "folder has no .yaml or .yml files"))

    track_ids: dict[str, Problem] = {}
    campaigns: list[tuple[CampaignSpec, LineMap, str]] = []
    for path in iter_content_files(paths):
        name = str(path)
        data, lines, problems = _read(path)
        if data is None and problems:
            result.problems.extend(problems)
            continue
        if _looks_like_campaign(data):
            spec, invalid = _validate(CampaignSpec, data, lines, name, "campaign")
            result.problems.extend(_by_line(problems + invalid))
            if spec is not None:
                result.campaigns.append(spec)
                campaigns.append((spec, lines, name))
            continue
        track, invalid = _validate(Track, data, lines, name, "track")
        file_problems = problems + invalid
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
