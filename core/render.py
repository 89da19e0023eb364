"""Turn content and progress into neutral OutboundMessages. Pure functions, no I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from content.schema import Question, Track, Unit
from core.ports import Button, OutboundMessage, Outcome


def answer_action(delivery_id: int, choice_index: int) -> str:
    """Return the button payload for choosing `choice_index` on a question delivery (well under 64 bytes)."""
    return f"a:{delivery_id}:{choice_index}"


def parse_answer_action(action: str) -> tuple[int, int] | None:
    """Return (delivery id, choice index) from a button payload, or None if it is not an answer."""
    parts = action.split(":")
    if len(parts) != 3 or parts[0] != "a" or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return int(parts[1]), int(parts[2])


_LIST_ITEM = re.compile(r"^\s*([-*•+]|\d+[.)])\s")


def unwrap(markdown: str) -> str:
    """Join hard-wrapped lines within paragraphs, keeping list items and blank lines, as Markdown reads them.

    Authors wrap lessons in YAML for readability; chat apps would otherwise show those breaks.
    """
    out: list[str] = []
    for line in markdown.strip().splitlines():
        stripped = line.strip()
        if not stripped:
            out.append("")
        elif out and out[-1] and not _LIST_ITEM.match(line) and not stripped.startswith(">"):
            out[-1] = f"{out[-1]} {stripped}"
        else:
            out.append(stripped if not _LIST_ITEM.match(line) else line.rstrip())
    return "\n".join(out)


def lesson_message(track: Track, unit: Unit, number: int) -> OutboundMessage:
    """Render a unit's lesson."""
    why = f"\n\n_Why it matters:_ {unit.why}" if unit.why else ""
    return OutboundMessage(
        kind="lesson",
        title=f"{track.title} · {number}/{len(track.units)}: {unit.title}",
        text=unwrap(unit.lesson) + why,
    )


def question_message(question: Question, delivery_id: int, reminder: str = "") -> OutboundMessage:
    """Render a question with one button per choice."""
    buttons = tuple(
        Button(label=c.text, action=answer_action(delivery_id, i)) for i, c in enumerate(question.choices)
    )
    return OutboundMessage(kind="question", title="Question", text=question.prompt, buttons=buttons,
                           footer=reminder)


def feedback_message(question: Question, choice_index: int) -> OutboundMessage:
    """Render the question message after an answer: the choice marked right or wrong, feedback, explanation."""
    choice = question.choices[choice_index]
    right = question.choices[question.correct_index]
    outcome = Outcome(
        chosen=choice.text,
        correct=choice.correct,
        correct_choice=right.text,
        feedback=choice.feedback or "",
        explanation=question.explanation or "",
    )
    verdict = "✅ Correct!" if choice.correct else f"❌ Not quite. The correct answer is: {right.text}"
    parts = [f"*{question.prompt}*", f"Your answer: {choice.text}", verdict]
    if choice.feedback:
        parts.append(choice.feedback)
    if question.explanation:
        parts.append(f"Explanation: {question.explanation}")
    return OutboundMessage(kind="feedback", title="Question", text="\n\n".join(parts), outcome=outcome)


def reminder_message(name: str, missed: int, campaign_title: str) -> OutboundMessage:
    """Render a friendly reminder for a learner who has gone quiet."""
    first = name.split()[0] if name else "there"
    return OutboundMessage(
        kind="reminder",
        title="Friendly reminder",
        text=(
            f"Hi {first}, your last {missed} questions in *{campaign_title}* are still waiting. "
            "Each one takes about a minute; today's is just below."
        ),
    )


def escalation_message(manager_name: str, learner_name: str, campaign_title: str,
                       missed: list[str], last_active: datetime | None) -> OutboundMessage:
    """Render the one message a manager gets when a report has stopped answering."""
    seen = f"last answered on {last_active:%Y-%m-%d}" if last_active else "has not answered yet"
    lines = "\n".join(f"- {m}" for m in missed)
    return OutboundMessage(
        kind="escalation",
        title=f"Manager heads-up: {learner_name} has gone quiet",
        text=(
            f"Hi {manager_name.split()[0] if manager_name else 'there'}, {learner_name} has missed "
            f"{len(missed)} questions in a row in *{campaign_title}* and {seen}. A quick word could help.\n\n"
            f"Missed:\n\n{lines}"
        ),
    )


@dataclass(frozen=True)
class ReportLine:
    """One direct report's week, for the manager digest."""

    name: str
    answered: int
    sent: int
    accuracy: float | None
    streak: int
    last_active: datetime | None
    inactive: bool
    status: str = "active"


def digest_message(manager_name: str, week_label: str, lines: list[ReportLine]) -> OutboundMessage:
    """Render a manager's weekly digest as a compact table."""
    header = ("Learner", "Answered", "Accuracy", "Streak", "Last active")
    rows = [header]
    for r in lines:
        acc = "–" if r.accuracy is None else f"{round(r.accuracy * 100)}%"
        last = r.last_active.strftime("%a %d %b") if r.last_active else "never"
        name = r.name + (f" ({r.status})" if r.status != "active" else "")
        rows.append((name, f"{r.answered}/{r.sent}", acc, str(r.streak), last))
    inactive = [r.name for r in lines if r.inactive]
    summary = (
        f"Needs a nudge: {', '.join(inactive)}." if inactive else "Everyone on your team is keeping up."
    )
    first = manager_name.split()[0] if manager_name else "there"
    return OutboundMessage(
        kind="digest",
        title=f"Weekly digest for your team · {week_label}",
        text=f"Hi {first}, here is how your team did this week. {summary}",
        table=tuple(rows),
    )


def info_message(text: str, title: str = "") -> OutboundMessage:
    """Render a plain informational message."""
    return OutboundMessage(kind="info", title=title, text=text)
