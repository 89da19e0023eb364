"""Turn parsed questions into a native track: units of at most 3 questions, placeholders, notes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from content.importers.build_kinds import KIND_BUILDERS
from content.importers.common import Parsed, RawQuestion, slugify
from content.linter import MAX_QUESTIONS_PER_UNIT, PLACEHOLDER
from content.schema import MAX_CHOICES, MIN_CHOICES

__all__ = ["PLACEHOLDER", "Built", "build_track"]

# One marker (PLACEHOLDER, defined next to the linter rule that flags it) for everything an author
# must still write, so a search finds every gap and `content check` names each one.
LESSON_PLACEHOLDER = f"{PLACEHOLDER}: write the lesson for this unit, a few sentences under 150 words."
OBJECTIVE_NOTE = "add an objective: what should learners do differently? (uncomment 'objective:' at the top)"
_SKIP_REASONS = {
    "essay": "essays do not fit chat",
    "matching": "matching questions do not fit chat",
    "description": "it has no question; put its text in a unit's lesson if it teaches something",
}
_KIND_WORDS = {"multiple_response": "multiple-response", "short_answer": "short-answer"}


@dataclass
class Built:
    data: dict[str, Any]
    yaml_text: str
    written: int
    skipped: int
    notes: list[str] = field(default_factory=list)


def _label(q: RawQuestion) -> str:
    text = (q.name or q.prompt or "untitled").replace("\n", " ").replace('"', "'")
    return text if len(text) <= 60 else text[:57] + "..."


def _unit_title(key: str | None, number: int) -> str:
    if not key:
        return f"Unit {number}"
    # Moodle categories are paths such as $course$/top/Safety; the last part is the author's name.
    parts = [p.strip() for p in key.replace("$course$", "").replace("$system$", "").split("/")]
    parts = [p for p in parts if p and p.lower() != "top"]
    return parts[-1] if parts else f"Unit {number}"


class _Builder:
    def __init__(self, parsed: Parsed, per_unit: int) -> None:
        self.parsed = parsed
        self.per_unit = per_unit
        self.notes: list[str] = list(parsed.notes)
        self.question_ids: set[str] = set()
        self.unit_ids: set[str] = set()
        self.skipped = 0

    def where(self, q: RawQuestion) -> str:
        return f"{self.parsed.path}:{q.line}"

    def skip(self, q: RawQuestion, what: str, reason: str) -> None:
        self.skipped += 1
        self.notes.append(f'{self.where(q)}: skipped {what} "{_label(q)}": {reason}')

    def note(self, q: RawQuestion, message: str) -> None:
        self.notes.append(f'{self.where(q)}: question "{_label(q)}": {message}')

    def unique(self, seen: set[str], base: str) -> str:
        candidate, n = base, 2
        while candidate in seen:
            candidate, n = f"{base}-{n}", n + 1
        seen.add(candidate)
        return candidate

    def question(self, q: RawQuestion) -> dict[str, Any] | None:
        """Return the native question for q, or None after noting why it was skipped."""
        if q.kind in _SKIP_REASONS:
            word = _KIND_WORDS.get(q.kind, q.kind)
            self.skip(q, "description" if q.kind == "description" else f"{word} question", _SKIP_REASONS[q.kind])
            return None
        if not q.prompt:
            self.skip(q, "question", "it has no question text")
            return None
        out: dict[str, Any] = {"id": self.unique(self.question_ids, slugify(q.name or q.prompt, "question"))}
        if q.kind in KIND_BUILDERS:
            made = KIND_BUILDERS[q.kind](q, lambda m: self.note(q, m))
            if isinstance(made, str):
                word = _KIND_WORDS.get(q.kind, q.kind)
                self.skip(q, f"{word} question", made)
                return None
            out |= {"type": made.pop("type"), "prompt": q.prompt, **made}
            feedback_missing = (any("feedback" not in c for c in made["choices"]) if "choices" in made
                                else len(made.get("feedback", {})) < 2)
        elif q.kind == "true_false":
            out |= {"type": "true_false", "prompt": q.prompt, "answer": q.answer}
            if q.tf_feedback:
                out["feedback"] = {k: q.tf_feedback[k] for k in (True, False) if k in q.tf_feedback}
            feedback_missing = len(q.tf_feedback) < 2
        else:
            choices = self.choices(q)
            if choices is None:
                return None
            out |= {"prompt": q.prompt, "choices": choices}
            feedback_missing = any("feedback" not in c for c in choices)
        if q.explanation:
            out["explanation"] = q.explanation
        elif feedback_missing:
            self.notes.append(
                f'{self.where(q)}: question "{_label(q)}" lacks feedback: '
                "add feedback to every answer, or an explanation to the question"
            )
        return out

    def choices(self, q: RawQuestion) -> list[dict[str, Any]] | None:
        if not MIN_CHOICES <= len(q.choices) <= MAX_CHOICES:
            self.skip(q, "question", f"it has {len(q.choices)} choices; chat questions take {MIN_CHOICES} to 6")
            return None
        right = [c for c in q.choices if c.fraction >= 1.0]
        if len(right) != 1:
            self.skip(q, "question", f"it has {len(right)} fully right answers; a chat question needs exactly one")
            return None
        out: list[dict[str, Any]] = []
        for c in q.choices:
            choice: dict[str, Any] = {"text": c.text}
            if c is right[0]:
                choice["correct"] = True
            elif c.fraction > 0:
                self.notes.append(
                    f'{self.where(q)}: question "{_label(q)}": partial credit ({c.fraction:.0%}) '
                    f'for "{c.text}" is dropped; it now counts as wrong'
                )
            if c.feedback:
                choice["feedback"] = c.feedback
            out.append(choice)
        return out

    def units(self) -> list[dict[str, Any]]:
        runs: list[tuple[str | None, list[tuple[RawQuestion, dict[str, Any]]]]] = []
        for q in self.parsed.questions:
            native = self.question(q)
            if native is None:
                continue
            key = q.unit or q.category
            if not runs or runs[-1][0] != key:
                runs.append((key, []))
            runs[-1][1].append((q, native))
        # Split each category evenly (7 questions become 3+2+2, not 3+3+1) so no unit is a leftover.
        groups: list[tuple[str | None, list[tuple[RawQuestion, dict[str, Any]]]]] = []
        for key, items in runs:
            count = -(-len(items) // self.per_unit)
            size, extra = divmod(len(items), count)
            start = 0
            for i in range(count):
                end = start + size + (1 if i < extra else 0)
                groups.append((key, items[start:end]))
                start = end
        units: list[dict[str, Any]] = []
        parts: dict[str | None, int] = {}
        for number, (key, items) in enumerate(groups, start=1):
            parts[key] = parts.get(key, 0) + 1
            title = _unit_title(key, number)
            if key and parts[key] > 1:
                title = f"{title} ({parts[key]})"
            unit: dict[str, Any] = {"id": self.unique(self.unit_ids, slugify(title, f"unit-{number}")), "title": title}
            why = next((q.why for q, _ in items if q.why), None)
            lesson = next((q.lesson for q, _ in items if q.lesson), None)
            if why:
                unit["why"] = why
            unit["lesson"] = lesson or LESSON_PLACEHOLDER
            unit["questions"] = [native for _, native in items]
            units.append(unit)
        return units


def build_track(parsed: Parsed, *, track_id: str, title: str, per_unit: int = MAX_QUESTIONS_PER_UNIT) -> Built:
    """Build the native track data and its YAML text from parsed questions; notes say what to finish."""
    builder = _Builder(parsed, max(1, min(per_unit, MAX_QUESTIONS_PER_UNIT)))
    units = builder.units()
    data: dict[str, Any] = {"id": track_id, "title": title, "language": "en", "units": units}
    written = sum(len(u["questions"]) for u in units)
    notes = builder.notes
    if units:
        notes.append(OBJECTIVE_NOTE)
        notes.append(f"check the title {title!r}: it was made from the file name")
        no_lesson = [u["id"] for u in units if u["lesson"] == LESSON_PLACEHOLDER]
        if no_lesson:
            notes.append(
                f"write a lesson for {len(no_lesson)} unit(s) ({', '.join(no_lesson)}): "
                f"replace each '{PLACEHOLDER}' lesson with a few sentences, under 150 words"
            )
        no_why = [u["id"] for u in units if "why" not in u]
        if no_why:
            notes.append(f"add a 'why' to {len(no_why)} unit(s): one line on why it matters to the learner")
    return Built(data, _dump(data, parsed.path), written, builder.skipped, notes)


class _Dumper(yaml.SafeDumper):
    """Write multi-line text as YAML literal blocks, the way authors write lessons by hand."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def _dump(data: dict[str, Any], source: str) -> str:
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    name = source.splitlines()[0] if source else source
    header = (
        f"# Imported from {name}. Search for {PLACEHOLDER} and finish what it marks,\n"
        "# then run: nudgebot content check THIS_FILE\n"
    )
    # The objective stays commented out so that `content check` keeps naming it until an author writes it.
    objective = f"# objective: {PLACEHOLDER} what should learners do differently after this track?\n"
    lines = body.splitlines(keepends=True)
    at = next((i + 1 for i, line in enumerate(lines) if line.startswith("language:")), len(lines))
    return header + "".join(lines[:at]) + objective + "".join(lines[at:])
