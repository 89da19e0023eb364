"""Track translations: sibling files (`phishing-basics.es.yaml`) keyed by the source's unit, question and
choice ids, with the source hash they were made from. Pure: schema, comparison with the source, merge.

A translation only carries words. Ids, order and answer keys belong to the source, so answers and
analytics stay tied to the source ids whatever language a learner read. Choices are identified by
their position in the question (the `choice_index` answers record); a translation may repeat a
choice's `correct` flag or a true/false `answer`, and `content check` reports it when that differs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from content.schema import Slug, Text, Track

__all__ = ["Coverage", "Finding", "TrackTranslation", "apply", "candidates", "compare", "coverage", "normalize_tag"]

TAG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
HASH_RE = re.compile(r"^[0-9a-f]{64}$")


def normalize_tag(tag: str) -> str:
    """Return a language tag in the form translations use: "pt_br" / "pt-BR" -> "pt-BR", "ES" -> "es"."""
    parts = tag.strip().replace("_", "-").split("-")
    head, rest = parts[0].lower(), parts[1:]
    return "-".join([head, *(p.upper() if len(p) == 2 else p for p in rest if p)])


def _check_tag(value: str) -> str:
    tag = normalize_tag(value)
    if not TAG_RE.match(tag):
        raise PydanticCustomError("language_tag", "must be a language tag such as es or pt-BR (got {value})",
                                  {"value": repr(value)})
    return tag


def _check_hash(value: str) -> str:
    if not HASH_RE.match(value):
        raise PydanticCustomError(
            "source_hash", "must be the 64-character source content hash (see `nudgebot content translations`)")
    return value


Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2), AfterValidator(_check_tag)]
Hash = Annotated[str, StringConstraints(strip_whitespace=True, to_lower=True), AfterValidator(_check_hash)]


class ChoiceText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: Text
    feedback: Text | None = None
    correct: bool | None = None


class QuestionText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Slug
    prompt: Text | None = None
    explanation: Text | None = None
    choices: list[ChoiceText] = Field(default_factory=list)
    answer: bool | None = None
    feedback: dict[bool, Text] | None = None
    # short questions: answers in this language that count too (the source's still count).
    accept: list[Text] | None = None
    image_alt: Text | None = None  # the picture's alt text in this language


class UnitText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Text
    title: Text | None = None
    why: Text | None = None
    lesson: Text | None = None
    image_alt: Text | None = None  # the lesson picture's alt text in this language
    questions: list[QuestionText] = Field(default_factory=list)


class TrackTranslation(BaseModel):
    """One language's words for a track, made from the source version whose hash is `source_hash`."""

    model_config = ConfigDict(extra="forbid")

    translation_of: Slug
    language: Tag
    source_hash: Hash
    title: Text | None = None
    objective: Text | None = None
    description: Text | None = None
    units: list[UnitText] = Field(default_factory=list)


Loc = tuple[str | int, ...]


@dataclass(frozen=True)
class Finding:
    """One difference between a translation and its source, at a location of the translation file."""

    loc: Loc
    kind: Literal["missing", "extra", "answer_key", "stale"]
    message: str

    @property
    def severity(self) -> Literal["error", "warning"]:
        """Return "error" when the translation would teach something else, "warning" when it falls back."""
        return "error" if self.kind in ("extra", "answer_key") else "warning"


@dataclass
class Coverage:
    """How much of a source one translation covers."""

    language: str
    stale: bool
    units: tuple[int, int] = (0, 0)
    questions: tuple[int, int] = (0, 0)
    choices: tuple[int, int] = (0, 0)
    findings: list[Finding] = field(default_factory=list)


def _compare_question(q_loc: Loc, src: Any, tq: QuestionText, out: list[Finding]) -> int:
    if tq.prompt is None:
        out.append(Finding((*q_loc, "id"), "missing", f"question {tq.id}: no prompt"))
    if tq.answer is not None and src.type == "true_false" and tq.answer != src.answer:
        out.append(Finding((*q_loc, "answer"), "answer_key",
                           f"question {tq.id}: answer is {tq.answer} here but {src.answer} in the source"))
    if src.type in ("true_false", "short", "numeric"):
        if tq.choices:
            out.append(Finding((*q_loc, "choices"), "extra",
                               f"question {tq.id}: {src.type} questions take 'feedback', not 'choices'"))
        if tq.accept and src.type != "short":
            out.append(Finding((*q_loc, "accept"), "extra", f"question {tq.id}: only short questions take 'accept'"))
        return 0
    done = 0
    for ci, tc in enumerate(tq.choices):
        if ci >= len(src.choices):
            out.append(Finding((*q_loc, "choices", ci), "extra",
                               f"question {tq.id}: choice {ci + 1} does not exist in the source"))
            continue
        done += 1
        if tc.correct is not None and tc.correct != src.choices[ci].correct:
            out.append(Finding((*q_loc, "choices", ci, "correct"), "answer_key",
                               f"question {tq.id}: choice {ci + 1} is marked correct={tc.correct} here "
                               f"but correct={src.choices[ci].correct} in the source"))
        if src.choices[ci].feedback and not tc.feedback:
            out.append(Finding((*q_loc, "choices", ci), "missing",
                               f"question {tq.id}: choice {ci + 1} has no feedback"))
    if len(tq.choices) < len(src.choices):
        out.append(Finding((*q_loc, "id"), "missing",
                           f"question {tq.id}: {len(src.choices) - len(tq.choices)} choice(s) not translated"))
    return done


def compare(source: Track, tr: TrackTranslation) -> Coverage:
    """Return what `tr` covers of `source` and every missing id, extra id, changed answer key or staleness."""
    out: list[Finding] = []
    stale = tr.source_hash != source.content_hash()
    if stale:
        out.append(Finding(("source_hash",), "stale",
                           f"stale: the source {source.id} changed after this {tr.language} translation was made"))
    if tr.translation_of != source.id:
        out.append(Finding(("translation_of",), "extra", f"translates {tr.translation_of}, not {source.id}"))
    src_units = {u.id: u for u in source.units}
    seen_units: set[str] = set()
    n_q = n_c = q_done = c_done = 0
    for ui, tu in enumerate(tr.units):
        unit = src_units.get(tu.id)
        if unit is None:
            out.append(Finding(("units", ui, "id"), "extra", f"unit {tu.id} does not exist in the source"))
            continue
        seen_units.add(tu.id)
        if tu.title is None or tu.lesson is None:
            out.append(Finding(("units", ui, "id"), "missing", f"unit {tu.id}: title or lesson not translated"))
        if unit.why and tu.why is None:
            out.append(Finding(("units", ui, "id"), "missing", f"unit {tu.id}: 'why' not translated"))
        src_qs = {q.id: q for q in unit.questions}
        seen_qs: set[str] = set()
        for qi, tq in enumerate(tu.questions):
            q_loc: Loc = ("units", ui, "questions", qi)
            if tq.id not in src_qs:
                out.append(Finding((*q_loc, "id"), "extra", f"question {tq.id} does not exist in unit {tu.id}"))
                continue
            seen_qs.add(tq.id)
            q_done += 1
            c_done += _compare_question(q_loc, src_qs[tq.id], tq, out)
        for q in unit.questions:
            if q.id not in seen_qs:
                out.append(Finding(("units", ui, "id"), "missing", f"unit {tu.id}: question {q.id} not translated"))
    for unit in source.units:
        n_q += len(unit.questions)
        n_c += sum(len(q.choices) for q in unit.questions if q.type not in ("true_false", "short", "numeric"))
        if unit.id not in seen_units:
            out.append(Finding(("units",), "missing", f"unit {unit.id} not translated"))
    if source.objective and tr.objective is None:
        out.append(Finding(("translation_of",), "missing", "objective not translated"))
    return Coverage(tr.language, stale, (len(seen_units), len(source.units)), (q_done, n_q), (c_done, n_c), out)


def coverage(source: Track, tr: TrackTranslation) -> Coverage:
    """Return the coverage of one translation (an alias of compare, for tables)."""
    return compare(source, tr)


def apply(source: Track, tr: TrackTranslation) -> Track:
    """Return the source track with the translation's words in place; ids, order and answer keys stay the source's.

    Whatever the translation lacks (a stale or partial one) keeps the source's words.
    """
    track = source.model_copy(deep=True)
    track.language = tr.language
    track.title = tr.title or track.title
    track.objective = tr.objective or track.objective
    track.description = tr.description or track.description
    units = {u.id: u for u in track.units}
    for tu in tr.units:
        unit = units.get(tu.id)
        if unit is None:
            continue
        unit.title, unit.lesson = tu.title or unit.title, tu.lesson or unit.lesson
        unit.why = tu.why or unit.why
        if unit.image is not None and tu.image_alt:
            unit.image.alt = tu.image_alt
        questions = {q.id: q for q in unit.questions}
        for tq in tu.questions:
            q = questions.get(tq.id)
            if q is None:
                continue
            q.prompt, q.explanation = tq.prompt or q.prompt, tq.explanation or q.explanation
            if q.image is not None and tq.image_alt:
                q.image.alt = tq.image_alt
            if q.type == "true_false":
                fb = tq.feedback or {}
                for choice, value in zip(q.choices, (True, False), strict=True):
                    choice.feedback = fb.get(value) or choice.feedback
                continue
            if q.typed:
                q.feedback = {**(q.feedback or {}), **(tq.feedback or {})} or None
                q.accept = list(tq.accept) if q.type == "short" and tq.accept else q.accept
                continue
            for choice, tc in zip(q.choices, tq.choices, strict=False):
                choice.text, choice.feedback = tc.text, tc.feedback or choice.feedback
    return track


def candidates(locale: str | None, track_language: str) -> list[str]:
    """Return the translation languages to try for a reader, best first: "pt_BR" -> ["pt-BR", "pt"].

    Empty when the reader reads the track's own language (the source is what they get).
    """
    if not locale:
        return []
    tag = normalize_tag(locale)
    base = tag.split("-")[0]
    own = normalize_tag(track_language)
    if tag == own or (base == own.split("-")[0] and tag == base):
        return []
    out = [tag] if tag != base else []
    return out if base == own.split("-")[0] else [*out, base]
