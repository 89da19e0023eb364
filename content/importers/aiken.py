"""Read Aiken question files (one-line question, lettered options, ANSWER: X) with Moodle's rules."""

from __future__ import annotations

import re

from content.importers.common import Parsed, RawChoice, RawQuestion

__all__ = ["parse_aiken"]

# Moodle accepts "A)" or "A." with the space after it optional.
_OPTION = re.compile(r"^([A-Z])[).][ \t]?")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def parse_aiken(text: str, path: str) -> Parsed:
    """Parse Aiken text into single-choice questions and errors with their lines."""
    parsed = Parsed(path)
    current: RawQuestion | None = None
    for number, raw in enumerate(_LINE_BREAK.split(text), start=1):
        line = raw.strip()
        # Moodle ignores lines shorter than two characters.
        if len(line) < 2:
            continue
        option = _OPTION.match(line)
        if option is not None:
            if current is None:
                parsed.error(number, "option outside a question: a question line must come first")
                continue
            current.choices.append(RawChoice(line[option.end() :].strip()))
        elif line.startswith("ANSWER:"):
            if current is None:
                parsed.error(number, "ANSWER line outside a question: a question line must come first")
                continue
            question, current = current, None
            letter = line[len("ANSWER:") :].strip()[:1]
            index = ord(letter) - ord("A") if letter else -1
            if len(question.choices) < 2:
                parsed.error(number, f"question {question.prompt!r} needs at least 2 options (A, B, ...)")
            elif not 0 <= index < len(question.choices):
                last = chr(ord("A") + len(question.choices) - 1)
                parsed.error(number, f"'{line}' must name one of the options A to {last}")
            else:
                question.choices[index].fraction = 1.0
                parsed.questions.append(question)
        else:
            if current is not None:
                parsed.error(number, f"question {current.prompt!r} has no ANSWER line before the next question starts")
            current = RawQuestion(kind="single", line=number, prompt=line)
    if current is not None:
        parsed.error(current.line, f"question {current.prompt!r} has no ANSWER line")
    return parsed
