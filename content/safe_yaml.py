"""Parse YAML safely: bounded size, values, aliases and nesting; every value mapped to its line.

Hostile files (alias bombs, 5,000-level nesting, numbers with thousands of digits, unsupported tags)
end in one problem naming the file and line, never an exception or an unbounded parse.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent, CollectionStartEvent, NodeEvent
from yaml.nodes import CollectionNode, MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import ReaderError

from content.problems import LineMap, Loc, Problem, render_loc

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
class Parsed:
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


def parse(text: str, path: str) -> Parsed:
    if len(text) > MAX_FILE_BYTES:
        too_large = f"text is too large (more than {MAX_FILE_BYTES} characters)"
        return Parsed(None, LineMap(), [Problem(path, 1, too_large)])
    loader: _BoundedLoader | None = None
    try:
        loader = _BoundedLoader(text)  # the reader checks every character here
        root = loader.get_single_node()
        if root is None:
            return Parsed(None, LineMap(), [Problem(path, 1, "file is empty")])
        builder = _Builder(path)
        data = builder.build(root, ())
    except _Fatal as exc:
        return Parsed(None, LineMap(), [Problem(path, exc.line, exc.message)])
    except yaml.YAMLError as exc:
        return Parsed(None, LineMap(), [_syntax_problem(exc, text, path)])
    finally:
        if loader is not None:
            loader.dispose()
    return Parsed(data, builder.lines, builder.problems, builder.unreadable)


def parse_yaml(text: str, path: str) -> tuple[Any, LineMap, list[Problem]]:
    """Parse one YAML document into plain data plus a line map; syntax errors become problems."""
    parsed = parse(text, path)
    return parsed.data, parsed.lines, parsed.problems
