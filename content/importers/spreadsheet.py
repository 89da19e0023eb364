"""Read the CSV template for spreadsheet authors: one row per question (see docs/importing.md)."""

from __future__ import annotations

import csv
import io

from content.importers.common import Parsed, RawChoice, RawQuestion

__all__ = ["CHOICE_LETTERS", "TEMPLATE_HEADER", "parse_csv"]

CHOICE_LETTERS = "ABCDEF"
TEMPLATE_HEADER = [
    "unit",
    "why",
    "lesson",
    "question",
    *[col for letter in CHOICE_LETTERS[:4] for col in (letter, f"{letter} feedback")],
    "answer",
    "explanation",
]
_KNOWN = {"unit", "why", "lesson", "question", "answer", "explanation"} | {
    col for letter in CHOICE_LETTERS for col in (letter.lower(), f"{letter.lower()} feedback")
}
_TF = {"TRUE": True, "T": True, "FALSE": False, "F": False}


def _dialect(text: str) -> type[csv.Dialect] | csv.Dialect:
    # Spreadsheets in many locales save with ';' (or tabs); only the header line is a safe sample.
    first = text.split("\n", 1)[0]
    try:
        return csv.Sniffer().sniff(first, delimiters=",;\t")
    except csv.Error:
        return csv.excel


class _Rows:
    def __init__(self, header: list[str]) -> None:
        self.columns = [h.strip().lower() for h in header]

    def cells(self, row: list[str]) -> dict[str, str]:
        """Map known column names to the row's trimmed cells."""
        return {name: cell.strip() for name, cell in zip(self.columns, row, strict=False) if name in _KNOWN}


def parse_csv(text: str, path: str) -> Parsed:
    """Parse the question spreadsheet template (CSV) into questions and errors with their lines."""
    parsed = Parsed(path)
    reader = csv.reader(io.StringIO(text, newline=""), _dialect(text))
    try:
        header = next(reader, None)
        if header is None or not any(h.strip() for h in header):
            parsed.error(1, "the first line must be the header: " + ",".join(TEMPLATE_HEADER))
            return parsed
        rows = _Rows(header)
        missing = [c for c in ("question", "answer") if c not in rows.columns]
        if missing:
            parsed.error(1, f"header has no {' or '.join(repr(m) for m in missing)} column")
            return parsed
        unknown = [h for h in rows.columns if h and h not in _KNOWN]
        if unknown:
            parsed.notes.append(f"{path}:1: ignored column(s) {', '.join(repr(u) for u in unknown)}")
        unit: str | None = None
        line = reader.line_num + 1
        for row in reader:
            cells = rows.cells(row)
            # A blank unit cell continues the unit above, as with merged cells in a spreadsheet.
            unit = cells.get("unit") or unit
            if any(cells.values()):
                _row(parsed, line, cells, unit)
            line = reader.line_num + 1
    except csv.Error as exc:
        parsed.error(reader.line_num or 1, f"cannot read CSV: {exc}")
    return parsed


def _row(parsed: Parsed, line: int, cells: dict[str, str], unit: str | None) -> None:
    prompt = cells.get("question", "")
    answer = cells.get("answer", "").upper()
    if not prompt:
        parsed.error(line, "the 'question' cell is empty")
        return
    q = RawQuestion(
        kind="single",
        line=line,
        prompt=prompt,
        unit=unit,
        why=cells.get("why") or None,
        lesson=cells.get("lesson") or None,
        explanation=cells.get("explanation") or None,
    )
    texts = [cells.get(letter.lower(), "") for letter in CHOICE_LETTERS]
    feedback = [cells.get(f"{letter.lower()} feedback") or None for letter in CHOICE_LETTERS]
    if answer in _TF:
        if any(texts):
            parsed.error(line, "a TRUE/FALSE question takes no choices: leave the A-F cells empty")
            return
        q.kind, q.answer = "true_false", _TF[answer]
        # A feedback is shown to learners who answer True, B feedback to those who answer False.
        q.tf_feedback = {k: v for k, v in ((True, feedback[0]), (False, feedback[1])) if v}
        parsed.questions.append(q)
        return
    used = len(texts) - next((i for i, t in enumerate(reversed(texts)) if t), len(texts))
    gap = next((CHOICE_LETTERS[i] for i in range(used) if not texts[i]), None)
    if gap is not None:
        parsed.error(line, f"choice {gap} is empty but a later choice is filled in")
        return
    if used < 2:
        parsed.error(line, "a question needs at least choices A and B (or answer TRUE/FALSE)")
        return
    if len(answer) != 1 or answer not in CHOICE_LETTERS[:used]:
        last = CHOICE_LETTERS[used - 1]
        parsed.error(line, f"'answer' must be a letter A to {last} or TRUE/FALSE (got {answer or 'nothing'!r})")
        return
    for i in range(used):
        q.choices.append(RawChoice(texts[i], 1.0 if CHOICE_LETTERS[i] == answer else 0.0, feedback[i]))
    parsed.questions.append(q)
