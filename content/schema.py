"""Track schema: what a course file may contain, validated strictly so authors see mistakes early."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from content.kinds import kind_errors
from content.pictures import IMAGE_TYPES, MAX_ALT_CHARS
from content.scenarios import drop_absent_next, path_errors

__all__ = [
    "SLUG_RE",
    "Choice",
    "ImageRef",
    "Question",
    "Track",
    "Unit",
    "fail",
]

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

# Surrounding whitespace is never meaningful and YAML block scalars add a trailing newline.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

TF_CHOICES_MSG = "true_false questions take 'answer' and optional 'feedback', not 'choices'"

MIN_CHOICES = 2
MAX_CHOICES = 6
MAX_TYPOS = 3
# Fields only some kinds take; left out of the content hash when unset, so older tracks keep their hash.
KIND_FIELDS = ("accept", "typos", "tolerance", "min", "max")

Loc = tuple[str | int, ...]


def fail(title: str, errors: list[tuple[Loc, str, str, dict[str, Any]]]) -> None:
    """Raise a ValidationError whose entries point at nested locations, not at the model as a whole."""
    # Pydantic prefixes a nested ValidationError's locs with the enclosing path, so raising one from a
    # model validator is how a cross-field rule can still name the exact offending key.
    details = [
        InitErrorDetails(type=PydanticCustomError(kind, msg, ctx), loc=loc, input=None)
        for loc, kind, msg, ctx in errors
    ]
    raise ValidationError.from_exception_data(title, details)


def check_slug(value: str) -> str:
    """Return value unchanged if it is a slug, else raise a readable error."""
    if not SLUG_RE.match(value):
        raise PydanticCustomError(
            "slug",
            "must be a slug: lowercase letters, digits and dashes (got {value})",
            {"value": repr(value)},
        )
    return value


Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1), AfterValidator(check_slug)]


AltText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_ALT_CHARS)]


class ImageRef(BaseModel):
    """A picture shown with a lesson or a question: an http(s) URL or a file beside the track, with alt text."""

    model_config = ConfigDict(extra="forbid")

    src: Text
    alt: AltText
    # Filled in from the file when the track is checked, so a changed picture makes a new version.
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")

    @field_validator("src")
    @classmethod
    def _check_src(cls, src: str) -> str:
        if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", src):
            if not re.match(r"^https?://[^/\s]+", src):
                raise PydanticCustomError("image_src", "an image URL must start with https:// or http://")
            return src
        path = PurePosixPath(src)
        if path.is_absolute() or "\\" in src or ".." in path.parts:
            raise PydanticCustomError(
                "image_src", "an image file must be a path relative to the track file, inside its folder")
        if path.suffix.lower() not in IMAGE_TYPES:
            raise PydanticCustomError("image_src", "an image file must end in {kinds}",
                                      {"kinds": ", ".join(sorted(IMAGE_TYPES))})
        return src

    @property
    def is_url(self) -> bool:
        """Return True when the picture is on the web rather than in a file beside the track."""
        return self.src.startswith(("https://", "http://"))

    @property
    def name(self) -> str:
        """Return the picture's file name."""
        return PurePosixPath(self.src.split("?", 1)[0]).name or "image"

    @property
    def media_type(self) -> str:
        """Return the picture's media type, from its file name (image/png when it has none)."""
        return IMAGE_TYPES.get(PurePosixPath(self.name).suffix.lower(), "image/png")


class Choice(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    correct: bool = False
    feedback: Text | None = None
    # Scenario questions: the follow-up question (same unit) this choice leads to.
    next: Slug | None = None


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    type: Literal["single", "true_false", "multiple", "short", "numeric"] = "single"
    prompt: Text
    # validate_default so that a question with no choices at all is still checked.
    choices: list[Choice] = Field(default_factory=list, validate_default=True)
    # true_false: a bool; numeric: the expected number. Smart union mode keeps `true` a bool and `3` a number.
    answer: bool | float | None = Field(default=None, validate_default=True)
    # YAML 1.1 reads a bare `true:` key as the boolean True; bool keys accept both spellings.
    feedback: dict[bool, Text] | None = None
    explanation: Text | None = None
    # short: the accepted answers and how many typing slips (edits) still count as right.
    accept: list[Text] | None = None
    typos: int | None = Field(default=None, ge=0, le=MAX_TYPOS)
    # numeric: `answer` plus or minus `tolerance`, or the range `min`..`max`.
    tolerance: float | None = Field(default=None, ge=0)
    min: float | None = None
    max: float | None = None
    image: ImageRef | None = None

    @field_validator("choices")
    @classmethod
    def _check_choices(cls, choices: list[Choice], info: ValidationInfo) -> list[Choice]:
        kind = info.data.get("type")
        if kind == "true_false":
            # Already-normalised choices are let through so a dumped track validates again unchanged.
            if choices and [c.text for c in choices] != ["True", "False"]:
                raise PydanticCustomError("tf_choices", TF_CHOICES_MSG)
        elif kind == "single":
            if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
                raise PydanticCustomError(
                    "choice_count",
                    "a single-choice question needs {lo} to {hi} choices (got {n})",
                    {"lo": MIN_CHOICES, "hi": MAX_CHOICES, "n": len(choices)},
                )
            n_correct = sum(c.correct for c in choices)
            if n_correct != 1:
                raise PydanticCustomError(
                    "correct_count",
                    "exactly one choice must be correct ({n} are)",
                    {"n": n_correct},
                )
        elif kind == "multiple":
            if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
                raise PydanticCustomError(
                    "choice_count",
                    "a multiple-response question needs {lo} to {hi} choices (got {n})",
                    {"lo": MIN_CHOICES, "hi": MAX_CHOICES, "n": len(choices)},
                )
            if not any(c.correct for c in choices):
                raise PydanticCustomError("correct_count", "at least one choice must be correct (none is)")
        elif choices:
            raise PydanticCustomError(
                "typed_choices", "{kind} questions are answered by typing a reply; they take no 'choices'",
                {"kind": kind},
            )
        return choices

    @field_validator("answer")
    @classmethod
    def _check_answer(cls, answer: bool | float | None, info: ValidationInfo) -> bool | float | None:
        kind = info.data.get("type")
        if kind == "numeric" and isinstance(answer, bool):
            raise PydanticCustomError("numeric_answer", "a numeric question's 'answer' must be a number")
        if kind in ("multiple", "short") and answer is not None:
            raise PydanticCustomError(
                "kind_answer", "'answer' is not for {kind} questions ({hint})",
                {"kind": kind, "hint": "mark choices 'correct: true'" if kind == "multiple" else "list 'accept'"},
            )
        if kind == "true_false" and not isinstance(answer, bool):
            raise PydanticCustomError(
                "tf_answer", "true_false questions need 'answer: true' or 'answer: false'"
            )
        if kind == "single" and answer is not None:
            raise PydanticCustomError(
                "single_answer", "'answer' is only for true_false questions; mark a choice 'correct: true'"
            )
        return answer

    @field_validator("feedback")
    @classmethod
    def _check_feedback(
        cls, feedback: dict[bool, str] | None, info: ValidationInfo
    ) -> dict[bool, str] | None:
        if feedback is not None and info.data.get("type") in ("single", "multiple"):
            raise PydanticCustomError(
                "single_feedback",
                "question-level 'feedback' is only for true_false, short and numeric questions; "
                "put feedback on each choice",
            )
        return feedback

    @model_validator(mode="after")
    def _check_kind(self) -> Question:
        errors = kind_errors(self)
        if errors:
            fail("Question", errors)
        return self

    @model_validator(mode="after")
    def _normalise_true_false(self) -> Question:
        # Consumers (delivery, grading) only ever look at `choices`, so true_false becomes two choices.
        if self.type == "true_false" and isinstance(self.answer, bool):
            fb = self.feedback or {}
            expected = [
                Choice(text="True", correct=bool(self.answer), feedback=fb.get(True)),
                Choice(text="False", correct=not self.answer, feedback=fb.get(False)),
            ]
            if self.choices and self.choices != expected:
                fail("Question", [(("choices",), "tf_choices", TF_CHOICES_MSG, {})])
            self.choices = expected
        return self

    @property
    def choice_kind(self) -> bool:
        """Return True for kinds answered by pressing choices (single, true_false, multiple)."""
        return self.type in ("single", "true_false", "multiple")

    @property
    def typed(self) -> bool:
        """Return True for kinds answered by typing a reply (short, numeric)."""
        return self.type in ("short", "numeric")

    @property
    def correct_indexes(self) -> tuple[int, ...]:
        """Return the indexes of every correct choice."""
        return tuple(i for i, c in enumerate(self.choices) if c.correct)

    @property
    def correct_index(self) -> int:
        """Return the index of the correct choice."""
        for i, choice in enumerate(self.choices):
            if choice.correct:
                return i
        raise ValueError(f"question {self.id!r} has no correct choice")


class Unit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text
    title: Text
    why: Text | None = None
    lesson: Text
    image: ImageRef | None = None
    questions: list[Question] = Field(default_factory=list)


class Track(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    title: Text
    language: Text = "en"
    objective: Text | None = None
    description: Text | None = None
    units: list[Unit] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_ids(self) -> Track:
        errors: list[tuple[Loc, str, str, dict[str, Any]]] = []
        unit_seen: dict[str, int] = {}
        question_seen: dict[str, tuple[int, int]] = {}
        for ui, unit in enumerate(self.units):
            if unit.id in unit_seen:
                errors.append(
                    (
                        ("units", ui, "id"),
                        "duplicate_unit",
                        "unit id {id} is already used by units[{first}]",
                        {"id": repr(unit.id), "first": unit_seen[unit.id]},
                    )
                )
            else:
                unit_seen[unit.id] = ui
            for qi, q in enumerate(unit.questions):
                if q.id in question_seen:
                    fu, fq = question_seen[q.id]
                    errors.append(
                        (
                            ("units", ui, "questions", qi, "id"),
                            "duplicate_question",
                            "question id {id} is already used by {first}",
                            {"id": repr(q.id), "first": f"units[{fu}].questions[{fq}]"},
                        )
                    )
                else:
                    question_seen[q.id] = (ui, qi)
        if errors:
            fail("Track", errors)
        return self

    @model_validator(mode="after")
    def _check_paths(self) -> Track:
        errors = path_errors(self)
        if errors:
            fail("Track", errors)
        return self

    def content_hash(self) -> str:
        """Return the sha256 hex digest identifying this exact published version."""
        data = self.model_dump(mode="json")
        for unit in data["units"]:
            for q in unit["questions"]:
                for key in KIND_FIELDS:
                    if q.get(key) is None:
                        q.pop(key, None)
        canonical = json.dumps(
            drop_absent_next(_without_absent_images(data)),
            sort_keys=True, separators=(",", ":"), ensure_ascii=False,
        )
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def question(self, qid: str) -> tuple[Unit, Question]:
        """Return the unit and question with id qid, or raise KeyError."""
        for unit in self.units:
            for q in unit.questions:
                if q.id == qid:
                    return unit, q
        raise KeyError(f"track {self.id!r} has no question {qid!r}")

    def unit_index(self, uid: str) -> int:
        """Return the position of unit uid in the track, or raise KeyError."""
        for i, unit in enumerate(self.units):
            if unit.id == uid:
                return i
        raise KeyError(f"track {self.id!r} has no unit {uid!r}")


def _without_absent_images(body: dict[str, Any]) -> dict[str, Any]:
    """Drop `image: None` keys, so tracks without pictures keep the hash they had before pictures existed."""
    for unit in body.get("units", []):
        if unit.get("image", 0) is None:
            del unit["image"]
        for q in unit.get("questions", []):
            if q.get("image", 0) is None:
                del q["image"]
    return body
