"""Render multiple-response and typed (short, numeric) questions and their feedback. Pure functions."""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from content.grading import normalise
from core.i18n import translate
from core.ports import Button, OutboundMessage, Outcome

if TYPE_CHECKING:
    from content.grading import Grade
    from content.schema import Question

CHECKED, UNCHECKED = "☑", "☐"


def toggle_action(delivery_id: int, choice_index: int) -> str:
    """Return the button payload that selects or unselects a choice of a multiple-response question."""
    return f"t:{delivery_id}:{choice_index}"


def submit_action(delivery_id: int) -> str:
    """Return the button payload that submits a multiple-response question's selection."""
    return f"s:{delivery_id}"


def parse_kind_action(action: str) -> tuple[str, int, int] | None:
    """Return ("toggle", delivery, choice) or ("submit", delivery, -1) from a payload, else None."""
    parts = action.split(":")
    if len(parts) == 3 and parts[0] == "t" and parts[1].isdigit() and parts[2].isdigit():
        return "toggle", int(parts[1]), int(parts[2])
    if len(parts) == 2 and parts[0] == "s" and parts[1].isdigit():
        return "submit", int(parts[1]), -1
    return None


def multiple_question(question: Question, delivery_id: int, reminder: str = "", *, locale: str = "en",
                      selected: Collection[int] = ()) -> OutboundMessage:
    """Render a multiple-response question: a check box button per choice, then Submit."""
    buttons = [Button(f"{CHECKED if i in selected else UNCHECKED} {c.text}", toggle_action(delivery_id, i))
               for i, c in enumerate(question.choices)]
    buttons.append(Button(translate(locale, "Submit ✔"), submit_action(delivery_id)))
    how = translate(locale, "_Select every answer that applies, then press Submit._")
    return OutboundMessage(kind="question", title=translate(locale, "Question"), text=f"{question.prompt}\n\n{how}",
                           buttons=tuple(buttons), footer=reminder, locale=locale,
                           record={"selected": sorted(selected)})


def typed_question(question: Question, reminder: str = "", *, locale: str = "en") -> OutboundMessage:
    """Render a short or numeric question: the prompt and how to answer (by replying in the chat)."""
    how = (translate(locale, "_Reply with a number._") if question.type == "numeric"
           else translate(locale, "_Reply with your answer._"))
    return OutboundMessage(kind="question", title=translate(locale, "Question"), text=f"{question.prompt}\n\n{how}",
                           footer=reminder, locale=locale, record={"typed": question.type})


def number(value: float) -> str:
    """Return a number the way a person writes it (no trailing .0)."""
    return f"{value:g}"


def expected_answer(question: Question) -> str:
    """Return the right answer as a learner reads it: the first accepted text, the number or range, the choices."""
    if question.type == "short":
        return (question.accept or [""])[0]
    if question.type == "numeric":
        if question.answer is not None and not isinstance(question.answer, bool):
            tol = f" (± {number(question.tolerance)})" if question.tolerance else ""
            return number(question.answer) + tol
        if question.max is None:
            return f"≥ {number(question.min or 0.0)}"
        if question.min is None:
            return f"≤ {number(question.max)}"
        return f"{number(question.min)} – {number(question.max)}"
    return "; ".join(question.choices[i].text for i in question.correct_indexes)


def _verdict(grade: Grade, right: str, locale: str) -> str:
    if grade.correct:
        return translate(locale, "✅ Correct!")
    if grade.score > 0:
        return translate(locale, "🟡 Partly right ({score}%). The correct answers are: {answer}",
                         score=round(grade.score * 100), answer=right)
    return translate(locale, "❌ Not quite. The correct answer is: {answer}", answer=right)


def _choice_notes(question: Question, selected: Collection[int]) -> str:
    # Feedback on the choices the learner picked, and on the right ones they missed.
    lines = [f"- {c.text}: {c.feedback}" for i, c in enumerate(question.choices)
             if c.feedback and (i in selected or c.correct)]
    return "\n".join(lines)


def graded_feedback(question: Question, chosen: str, grade: Grade, *, locale: str = "en",
                    selected: Collection[int] = ()) -> OutboundMessage:
    """Render the feedback on a multiple-response or typed answer: verdict, why, explanation."""
    right = expected_answer(question)
    if question.type == "multiple":
        note = _choice_notes(question, selected)
    else:
        note = (question.feedback or {}).get(grade.correct, "")
    outcome = Outcome(chosen=chosen, correct=grade.correct, correct_choice=right, feedback=note,
                      explanation=question.explanation or "", score=grade.score)
    parts = [f"*{question.prompt}*", translate(locale, "Your answer: {answer}", answer=chosen or "–"),
             _verdict(grade, right, locale)]
    if grade.correct and question.type == "short" and grade.matched and normalise(grade.matched) != normalise(chosen):
        parts.append(translate(locale, "Accepted as: {answer}", answer=grade.matched))
    if note:
        parts.append(note)
    if question.explanation:
        parts.append(translate(locale, "Explanation: {explanation}", explanation=question.explanation))
    return OutboundMessage(kind="feedback", title=translate(locale, "Question"), text="\n\n".join(parts),
                           outcome=outcome, locale=locale)
