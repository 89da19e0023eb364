"""Read Moodle GIFT question banks, deciding validity and question kinds the way Moodle's importer does."""

from __future__ import annotations

import re
from dataclasses import dataclass

from content.importers.common import Kind, Parsed, RawChoice, RawQuestion, html_to_text

__all__ = ["parse_gift"]

# Escaped control characters become private-use placeholders while the structure is parsed.
_ESCAPES = {":": "\ue000", "#": "\ue001", "=": "\ue002", "{": "\ue003", "}": "\ue004", "~": "\ue005"}
_NEWLINE = "\ue006"
_BACKSLASH = "\ue007"
_PRIVATE = re.compile("[\ue000-\ue007]")
_FORMATS = ("moodle", "html", "plain", "markdown")
# Moodle's own answer-weight pattern: %50%, %-100%, %33.3333%.
_WEIGHT = re.compile(r"^%-*([0-9]{1,2})\.?([0-9]*)%")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")
_TF = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _escape_pre(text: str) -> str:
    text = _PRIVATE.sub("", text).replace("\\\\", _BACKSLASH)
    for char, holder in _ESCAPES.items():
        text = text.replace("\\" + char, holder)
    return text.replace("\\n", _NEWLINE).replace(_BACKSLASH, "\\")


def _escape_post(text: str) -> str:
    for char, holder in _ESCAPES.items():
        text = text.replace(holder, char)
    return text.replace(_NEWLINE, "\n")


def _render(text: str, default: str) -> tuple[str, str]:
    """Return (plain text, format) for a GIFT text that may start with [html], [markdown], ..."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end > 0 and text[1:end] in _FORMATS:
            fmt, text = text[1:end], text[end + 1 :]
    text = _escape_post(text).strip()
    # The moodle format lets authors mix in HTML too, so it is stripped the same way.
    if fmt in ("html", "moodle"):
        text = html_to_text(text)
    return text, fmt


def _segments(text: str, sep: str) -> list[tuple[int, str]]:
    """Split text at each match of sep, keeping each part's offset in text."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in re.finditer(sep, text):
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    # Moodle drops a blank part before the first separator.
    if out and not out[0][1].strip():
        out.pop(0)
    return out


def _weight(answer: str) -> tuple[float | None, str]:
    m = _WEIGHT.match(answer)
    if m is None:
        return None, answer
    raw = answer[1 : answer.index("%", 1)]
    digits = raw.lstrip("-")
    value = float(digits) / 100
    return (-value if raw != digits else value), answer[m.end() :]


@dataclass
class _Block:
    """One question's text with what is needed to name source lines inside it."""

    text: str
    line: int
    name: str | None
    fmt: str = "moodle"
    answer_at: int = 0

    def line_of(self, offset: int) -> int:
        """Return the source line of a position in the block's text."""
        return self.line + self.text[: max(0, offset)].count("\n")


class _GiftReader:
    def __init__(self, path: str) -> None:
        self.parsed = Parsed(path)
        self.category: str | None = None

    def read(self, text: str) -> Parsed:
        block: list[tuple[int, str]] = []
        for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
            line = raw.strip()
            if line:
                block.append((number, line))
            elif block:
                self._block(block)
                block = []
        if block:
            self._block(block)
        return self.parsed

    def _block(self, lines: list[tuple[int, str]]) -> None:
        kept = [(n, "" if line.startswith("//") else line) for n, line in lines]
        content = [i for i, (_, line) in enumerate(kept) if line]
        if not content:
            return
        start = kept[content[0]][0]
        text = _escape_pre("\n".join(line for _, line in kept[content[0] : content[-1] + 1]))
        if text.startswith("$CATEGORY:"):
            name = _escape_post(text[len("$CATEGORY:") :]).strip()
            if "\n" in name:
                self.parsed.error(start, "put a blank line after '$CATEGORY: ...' before the next question")
            else:
                self.category = name
            return
        block = self._name(text, start)
        self._question(block)

    def _name(self, text: str, start: int) -> _Block:
        if not text.startswith("::"):
            return _Block(text, start, None)
        rest = text[2:]
        end = rest.find("::")
        if end < 0:
            # Moodle keeps going with an unnamed question.
            return _Block(rest, start, None)
        after = rest[end + 2 :]
        skipped = 2 + end + 2 + len(after) - len(after.lstrip())
        name = _escape_post(rest[:end]).strip() or None
        return _Block(after.strip(), start + text[:skipped].count("\n"), name)

    def _question(self, b: _Block) -> None:
        text = b.text
        opening, closing = text.find("{"), text.find("}")
        q = RawQuestion(kind="description", line=b.line, prompt="", name=b.name, category=self.category)
        if opening < 0 and closing < 0:
            q.prompt, b.fmt = _render(text, "moodle")
            self.parsed.questions.append(q)
            return
        if opening < 0 or closing < 0 or closing < opening:
            where = closing if opening < 0 or closing >= 0 else opening
            self.parsed.error(b.line_of(where), "unbalanced braces: the answers must be inside one { ... }")
            return
        inner = text[opening + 1 : closing]
        b.answer_at = opening + 1 + len(inner) - len(inner.lstrip())
        answers = inner.strip()
        # Text after the answers makes a fill-in-the-blank ("missing word") prompt.
        if text.endswith("}"):
            prompt = text[:opening] + text[closing + 1 :]
        else:
            prompt = text[:opening] + "_____" + text[closing + 1 :]
        general = answers.rfind("####")
        q.prompt, b.fmt = _render(prompt, "moodle")
        if general >= 0:
            q.explanation = _render(answers[general + 4 :], b.fmt)[0] or None
            answers = answers[:general].strip()
        q.kind = _kind(answers)
        ok = self._answers(q, b, answers)
        if ok:
            self.parsed.questions.append(q)

    def _answers(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        if q.kind == "essay":
            return True
        if q.kind == "numeric":
            return self._numeric(q, b, answers)
        if q.kind == "single":
            return self._choices(q, b, answers)
        if q.kind == "matching":
            return self._matching(q, b, answers)
        if q.kind == "true_false":
            return self._true_false(q, b, answers)
        return self._short(q, b, answers)

    def _error(self, b: _Block, offset: int, message: str) -> bool:
        self.parsed.error(b.line_of(b.answer_at + offset), message)
        return False

    def _feedback(self, answer: str, fmt: str) -> tuple[str, str | None]:
        text, _, feedback = answer.partition("#")
        return _render(text.strip(), fmt)[0], (_render(feedback.strip(), fmt)[0] or None)

    def _choices(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        if "=" not in answers:
            q.kind = "multiple_response"
        parts = _segments(answers, r"~|(?==)")
        if len(parts) < 2:
            return self._error(b, 0, "a multiple-choice question needs at least 2 answers")
        for offset, part in parts:
            answer = part.strip()
            if answer.startswith("="):
                fraction: float | None = 1.0
                answer = answer[1:]
            else:
                fraction, answer = _weight(answer)
            text, feedback = self._feedback(answer, b.fmt)
            if not text:
                return self._error(b, offset, "an answer is empty (escape a literal ~ or = as \\~ or \\=)")
            q.choices.append(RawChoice(text, fraction or 0.0, feedback))
        return True

    def _matching(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        parts = _segments(answers, "=")
        if len(parts) < 2:
            return self._error(b, 0, "a matching question needs at least 2 pairs")
        for offset, part in parts:
            left, arrow, right = part.strip().partition("->")
            if not arrow:
                return self._error(b, offset, "each matching pair needs the form '=item -> match'")
            item = _render(left.strip(), b.fmt)[0]
            q.answers.append(f"{item} -> {_escape_post(right).strip()}")
        return True

    def _true_false(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        bits = answers.split("#", 2)
        q.answer = _TF[bits[0].strip()]
        wrong = _render(bits[1].strip(), b.fmt)[0] if len(bits) > 1 else ""
        right = _render(bits[2].strip(), b.fmt)[0] if len(bits) > 2 else ""
        for learner_says, feedback in ((q.answer, right), (not q.answer, wrong)):
            if feedback:
                q.tf_feedback[learner_says] = feedback
        return True

    def _short(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        parts = _segments(answers, "=")
        if not parts:
            return self._error(b, 0, "a short-answer question needs at least 1 answer")
        for _, part in parts:
            fraction, answer = _weight(part.strip())
            text, feedback = self._feedback(answer, b.fmt)
            q.choices.append(RawChoice(text, 1.0 if fraction is None else fraction, feedback))
            q.answers.append(text)
        return True

    def _numeric(self, q: RawQuestion, b: _Block, answers: str) -> bool:
        body, tilde, wrong = answers[1:].partition("~")
        parts = _segments(body, "=")
        if not parts:
            return self._error(b, 0, "a numeric question needs at least one answer, e.g. {#3.14:0.01}")
        for offset, part in parts:
            fraction, answer = _weight(part.strip())
            text, feedback = self._feedback(answer, b.fmt)
            low, dots, high = text.partition("..")
            value, colon, tolerance = text.partition(":")
            if dots and low.strip():
                numbers = [low, high]
            elif colon and value.strip():
                numbers = [value, tolerance]
            else:
                numbers = [text] if text.strip() != "*" else []
            if not all(_NUMBER.match(n) for n in numbers):
                return self._error(
                    b, 1 + offset, f"numeric answer {text!r} must be N, N:tolerance or MIN..MAX with numbers"
                )
            q.choices.append(RawChoice(text, 1.0 if fraction is None else fraction, feedback))
            q.answers.append(text)
        if tilde:
            q.choices.append(RawChoice("*", 0.0, self._feedback(wrong, b.fmt)[1]))
        return True


def _kind(answers: str) -> Kind:
    """Decide the question kind from the answer text, in Moodle's order of checks."""
    if answers == "":
        return "essay"
    if answers.startswith("#"):
        return "numeric"
    if "~" in answers:
        return "single"
    if "=" in answers and "->" in answers:
        return "matching"
    if answers.split("#", 1)[0].strip() in _TF:
        return "true_false"
    return "short_answer"


def parse_gift(text: str, path: str) -> Parsed:
    """Parse GIFT text into questions (every kind Moodle knows) and errors with their lines."""
    return _GiftReader(path).read(text)
